package dev.skyfn.node.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.control.api.Api;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.app.Authenticator;
import dev.skyfn.core.app.Caller;
import dev.skyfn.node.invoke.Dispatch;
import dev.skyfn.node.logs.FleetLogs;
import dev.skyfn.node.logs.LogStore;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code GET /v1/apps/{app}/logs}: an app's recent log lines from every node of the fleet, merged
 * in time order, each with the node that ran its call. Query: {@code function}, {@code invocation}
 * (filters), {@code limit} (1–10,000 lines, the latest; default 1,000), {@code cursor} (the
 * {@code next} of an earlier answer: only lines after it), {@code scope=node} (this node's lines
 * only, what nodes ask each other; {@code after=<seq>} then follows its sequence). Answers
 * {@code {"lines": [{node, seq, time, invocationId, function, kind, text}], "next": cursor,
 * "unreachable": [nodes whose lines are missing]}}; {@code BAD_REQUEST} for a cursor or scope it
 * did not give, {@code APP_NOT_FOUND} for an app the caller's tenant does not have.
 */
public final class LogApi implements HttpService {

    private static final int DEFAULT_LIMIT = 1_000;
    private static final int MAX_LIMIT = 10_000;

    private final LogStore logs;
    private final Authenticator auth;
    private final Dispatch dispatch;
    private final String self;
    private final Elsewhere elsewhere;

    public LogApi(LogStore logs, Authenticator auth, Dispatch dispatch, String self, Elsewhere elsewhere) {
        this.logs = logs;
        this.auth = auth;
        this.dispatch = dispatch;
        this.self = self;
        this.elsewhere = elsewhere;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/v1/apps/{app}/logs", this::logs);
    }

    private record Filter(String function, String invocation, int limit) {
    }

    private void logs(ServerRequest req, ServerResponse res) {
        Caller caller = Api.caller(req, auth);
        AppKey key = new AppKey(caller.tenant(), Api.param(req, "app"));
        dispatch.resolveApp(key);
        var filter = new Filter(req.query().first("function").orElse(null), req.query().first("invocation").orElse(null),
                (int) Math.clamp(Api.queryNumber(req, "limit").orElse((long) DEFAULT_LIMIT), 1, MAX_LIMIT));
        long after = Api.queryNumber(req, "after").orElse(0L);
        if (FanOut.nodeOnly(req)) {
            Api.json(res, 200, Map.of("lines", here(key, filter, after)));
            return;
        }
        FleetLogs.Cursor from = cursor(req, after);
        List<FleetLogs.Answer> answers = new ArrayList<>();
        answers.add(FleetLogs.Answer.of(self, here(key, filter, from.after(self))));
        FanOut.ask(elsewhere, req, node -> nodePath(key, filter, from.after(node))).forEach((node, answer) -> answers.add(read(node, answer)));
        FleetLogs.Merged merged = FleetLogs.merge(from, answers, filter.limit());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("lines", merged.lines());
        body.put("next", merged.next().token());
        body.put("unreachable", merged.unreachable());
        Api.json(res, 200, body);
    }

    /** The cursor given, or for a reader of one node's sequence ({@code after} alone) that position on this node. */
    private FleetLogs.Cursor cursor(ServerRequest req, long after) {
        Optional<String> token = req.query().first("cursor").asOptional();
        if (token.isEmpty()) {
            return after > 0 ? new FleetLogs.Cursor(Map.of(self, after)) : FleetLogs.Cursor.START;
        }
        try {
            return FleetLogs.Cursor.parse(token.get());
        } catch (IllegalArgumentException e) {
            throw new SkyfnException(ErrorCode.BAD_REQUEST, "query parameter cursor: " + e.getMessage());
        }
    }

    private List<FleetLogs.Line> here(AppKey key, Filter filter, long after) {
        List<FleetLogs.Line> lines = new ArrayList<>();
        for (LogStore.Entry e : logs.read(key, filter.function(), filter.invocation(), after, filter.limit())) {
            lines.add(new FleetLogs.Line(self, e.seq(), Instant.ofEpochMilli(e.line().epochMillis()), e.line().invocationId(),
                    e.line().function(), e.line().kind().name().toLowerCase(Locale.ROOT), e.line().text()));
        }
        return lines;
    }

    /** Where another node answers with its own lines of the app. */
    private static String nodePath(AppKey key, Filter filter, long after) {
        StringBuilder query = new StringBuilder("/v1/apps/").append(encode(key.app())).append("/logs?scope=node&after=").append(after)
                .append("&limit=").append(filter.limit());
        if (filter.function() != null) {
            query.append("&function=").append(encode(filter.function()));
        }
        if (filter.invocation() != null) {
            query.append("&invocation=").append(encode(filter.invocation()));
        }
        return query.toString();
    }

    /** A node's answer as lines; none when it did not answer with lines (it is then reported unreachable). */
    private static FleetLogs.Answer read(String node, Optional<JsonNode> answer) {
        if (answer.isEmpty()) {
            return FleetLogs.Answer.none(node);
        }
        try {
            List<FleetLogs.Line> lines = new ArrayList<>();
            for (JsonNode l : answer.get().path("lines")) {
                lines.add(new FleetLogs.Line(node, l.path("seq").asLong(), Instant.parse(l.path("time").asText()),
                        l.path("invocationId").asText(), l.path("function").asText(), l.path("kind").asText(), l.path("text").asText()));
            }
            return FleetLogs.Answer.of(node, lines);
        } catch (RuntimeException unreadable) {
            return FleetLogs.Answer.none(node);
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
