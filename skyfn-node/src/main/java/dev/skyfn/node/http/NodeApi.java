package dev.skyfn.node.http;

import dev.skyfn.control.api.Api;
import dev.skyfn.core.app.Authenticator;
import dev.skyfn.node.invoke.AppRuntimes;
import dev.skyfn.node.metrics.NodeMetrics;
import dev.skyfn.node.sandbox.SandboxPool;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The node about itself: health, its sandboxes, and Prometheus metrics (admin only: they name every tenant's apps). */
public final class NodeApi implements HttpService {

    private final NodeMetrics metrics;
    private final AppRuntimes runtimes;
    private final SandboxPool pool;
    private final Authenticator auth;

    public NodeApi(NodeMetrics metrics, AppRuntimes runtimes, SandboxPool pool, Authenticator auth) {
        this.metrics = metrics;
        this.runtimes = runtimes;
        this.pool = pool;
        this.auth = auth;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/v1/health", (req, res) -> Api.json(res, 200, Map.of("status", "ok")))
                .get("/v1/node", this::node)
                .get("/metrics", this::metrics);
    }

    private void node(ServerRequest req, ServerResponse res) {
        Api.admin(req, auth);
        Map<String, Object> sandboxes = new LinkedHashMap<>();
        sandboxes.put("spare", pool.idleCount());
        sandboxes.put("spareByHeapMb", pool.idleByHeap());
        sandboxes.put("spareTarget", pool.target());
        runtimes.sandboxes().forEach((state, n) -> sandboxes.put(state.name().toLowerCase(Locale.ROOT), n));
        sandboxes.put("appsServing", runtimes.appsServing());
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("pid", ProcessHandle.current().pid());
        view.put("sandboxes", sandboxes);
        view.put("inFlight", runtimes.inFlight());
        Api.json(res, 200, view);
    }

    private void metrics(ServerRequest req, ServerResponse res) {
        Api.admin(req, auth);
        NodeMetrics.Scraped scraped = metrics.scrape(req.headers().first(HeaderNames.ACCEPT).orElse(null));
        res.header(HeaderNames.CONTENT_TYPE, scraped.contentType()).send(scraped.text());
    }
}
