package dev.skyfn.node.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.control.api.Api;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.app.Authenticator;
import dev.skyfn.core.app.Caller;
import dev.skyfn.node.invoke.AppRuntimes;
import dev.skyfn.node.metrics.NodeMetrics;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * {@code GET /v1/stats}: what each live node of the fleet has counted of the caller's functions
 * since it started (an operator's key: every tenant's), for {@code skyfn top} to turn two of them
 * into rates. Answers {@code {"nodes": [{node, cloud, region, at (epoch ms), functions: [{tenant,
 * app, function, calls, errors: {code: calls}, durations: [{leMicros, calls}] (cumulative),
 * coldStarts, coldStartMs, inFlight (the app's calls running on the node now, direct calls from other sandboxes included)}], apps: [{tenant, app,
 * costUsd (what its usage on the node cost so far, US dollars, as its bill rates it)}]}],
 * "unreachable": [nodes that did not answer within 5 s]}}; {@code scope=node} for this node alone.
 */
public final class StatsApi implements HttpService {

    private final NodeMetrics metrics;
    private final AppRuntimes runtimes;
    private final Authenticator auth;
    private final String self;
    private final dev.skyfn.core.cloud.Cloud cloud;
    private final Elsewhere elsewhere;

    public StatsApi(NodeMetrics metrics, AppRuntimes runtimes, Authenticator auth, String self, dev.skyfn.core.cloud.Cloud cloud,
                    Elsewhere elsewhere) {
        this.metrics = metrics;
        this.runtimes = runtimes;
        this.auth = auth;
        this.self = self;
        this.cloud = cloud;
        this.elsewhere = elsewhere;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/v1/stats", this::stats);
    }

    private void stats(ServerRequest req, ServerResponse res) {
        Caller caller = Api.caller(req, auth);
        Predicate<AppKey> shown = caller.admin() ? app -> true : app -> app.tenant().equals(caller.tenant());
        boolean nodeOnly = FanOut.nodeOnly(req);
        Map<String, Object> here = here(shown);
        if (nodeOnly) {
            Api.json(res, 200, here);
            return;
        }
        List<Object> nodes = new ArrayList<>();
        nodes.add(here);
        List<String> unreachable = new ArrayList<>();
        FanOut.ask(elsewhere, req, node -> "/v1/stats?scope=node").forEach((node, answer) -> {
            // the name the directory knows it by, not the one it claims
            answer.filter(JsonNode::isObject).map(a -> (Object) ((com.fasterxml.jackson.databind.node.ObjectNode) a).put("node", node))
                    .ifPresentOrElse(nodes::add, () -> unreachable.add(node));
        });
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("nodes", nodes);
        body.put("unreachable", unreachable);
        Api.json(res, 200, body);
    }

    private Map<String, Object> here(Predicate<AppKey> shown) {
        Map<AppKey, Integer> inFlight = runtimes.inFlightByApp();
        List<Map<String, Object>> functions = new ArrayList<>();
        for (NodeMetrics.FunctionCounts c : metrics.counts(shown)) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("tenant", c.app().tenant());
            f.put("app", c.app().app());
            f.put("function", c.function());
            f.put("calls", c.calls());
            f.put("errors", c.errors());
            f.put("durations", c.durations());
            f.put("coldStarts", c.coldStarts());
            f.put("coldStartMs", c.coldStartMs());
            f.put("inFlight", inFlight.getOrDefault(c.app(), 0));
            functions.add(f);
        }
        Map<String, Object> node = new LinkedHashMap<>();
        node.put("node", self);
        node.put("cloud", cloud.name());
        node.put("region", cloud.region());
        node.put("at", System.currentTimeMillis());
        node.put("functions", functions);
        List<Map<String, Object>> apps = new ArrayList<>();
        metrics.costs(shown).forEach((app, usd) -> {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("tenant", app.tenant());
            a.put("app", app.app());
            a.put("costUsd", usd);
            apps.add(a);
        });
        node.put("apps", apps);
        return node;
    }
}
