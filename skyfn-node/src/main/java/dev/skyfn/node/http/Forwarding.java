package dev.skyfn.node.http;

import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Requests sent on to another node as they came, and its answers sent back as they came. */
final class Forwarding {

    private Forwarding() {
    }

    /** The request as it came, with {@code body} (already read). */
    static Elsewhere.Request request(ServerRequest req, byte[] body) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (var h : req.headers()) {
            headers.put(h.name(), h.allValues());
        }
        String query = req.query().rawValue();
        return new Elsewhere.Request(req.prologue().method().text(), req.path().rawPath() + (query.isEmpty() ? "" : "?" + query),
                headers, body, req.headers().first(Gateway.REGION).orElse(null));
    }

    /** Sends another node's answer on; false when there was none. */
    static boolean send(ServerResponse res, Optional<Elsewhere.Response> answer) {
        if (answer.isEmpty()) {
            return false;
        }
        Elsewhere.Response r = answer.get();
        res.status(r.status());
        r.headers().forEach((name, values) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.equals("content-type") || lower.equals("location") || lower.startsWith("x-skyfn")) {
                res.header(name, values.toArray(String[]::new));
            }
        });
        res.send(r.body());
        return true;
    }
}
