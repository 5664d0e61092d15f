package dev.skyfn.node.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.control.api.Api;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.app.Authenticator;
import dev.skyfn.core.app.Caller;
import dev.skyfn.node.invoke.Invoker;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * {@code GET /v1/invocations?state=running[&app=APP]}: the calls running in a sandbox on any live
 * node of the fleet now, of the caller's apps (an operator's key: every tenant's), the longest
 * running first. Answers {@code {"invocations": [{node, tenant, app, function, invocationId,
 * startedAt (ISO-8601, when it got its sandbox), runningMs}], "unreachable": [nodes that did not
 * answer within 5 s]}}; {@code scope=node} for this node alone. Errors: BAD_REQUEST (no
 * {@code state=running}: the one listing there is; a bad scope).
 */
public final class RunningApi implements HttpService {

    private final Invoker invoker;
    private final Authenticator auth;
    private final String self;
    private final Elsewhere elsewhere;

    public RunningApi(Invoker invoker, Authenticator auth, String self, Elsewhere elsewhere) {
        this.invoker = invoker;
        this.auth = auth;
        this.self = self;
        this.elsewhere = elsewhere;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/v1/invocations", this::running);
    }

    private void running(ServerRequest req, ServerResponse res) {
        Caller caller = Api.caller(req, auth);
        String state = req.query().first("state").orElse("");
        if (!state.equals("running")) {
            throw new SkyfnException(ErrorCode.BAD_REQUEST, "list the calls running now with state=running (an async call's status is at "
                    + "/v1/invocations/{id})");
        }
        String app = req.query().first("app").orElse(null);
        Predicate<AppKey> shown = key -> (caller.admin() || key.tenant().equals(caller.tenant())) && (app == null || key.app().equals(app));
        List<Map<String, Object>> invocations = new ArrayList<>(here(shown));
        List<String> unreachable = List.of();
        if (!FanOut.nodeOnly(req)) {
            String query = "/v1/invocations?state=running&scope=node" + (app == null ? "" : "&app=" + java.net.URLEncoder.encode(app,
                    java.nio.charset.StandardCharsets.UTF_8));
            unreachable = FanOut.collect(elsewhere, req, query, "invocations", (node, i) -> invocations.add(fromNode(node, i)));
            invocations.sort(Comparator.comparingLong((Map<String, Object> i) -> -((Number) i.get("runningMs")).longValue()));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("invocations", invocations);
        body.put("unreachable", unreachable);
        Api.json(res, 200, body);
    }

    private List<Map<String, Object>> here(Predicate<AppKey> shown) {
        long now = System.currentTimeMillis();
        return invoker.running(shown).stream().map(live -> {
            Map<String, Object> i = new LinkedHashMap<>();
            i.put("node", self);
            i.put("tenant", live.app().tenant());
            i.put("app", live.app().app());
            i.put("function", live.function());
            i.put("invocationId", live.invocationId());
            i.put("startedAt", Instant.ofEpochMilli(live.startedMillis()).toString());
            i.put("runningMs", Math.max(0, now - live.startedMillis()));
            return i;
        }).toList();
    }

    /** Another node's entry, named by the name the directory knows it by, not the one it claims. */
    private static Map<String, Object> fromNode(String node, JsonNode entry) {
        Map<String, Object> i = new LinkedHashMap<>();
        i.put("node", node);
        for (String field : List.of("tenant", "app", "function", "invocationId", "startedAt")) {
            i.put(field, entry.path(field).asText());
        }
        i.put("runningMs", entry.path("runningMs").asLong());
        return i;
    }
}
