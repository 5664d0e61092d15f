package dev.skyfn.node.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.control.Json;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import io.helidon.webserver.http.ServerRequest;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * A read asked of every other live node at once, with the caller's own credentials, for what each
 * node alone holds (its log lines, its counts): a node answers for the caller's tenant as it
 * would directly, and for no one else.
 */
final class FanOut {

    /** How long a node waits for the others: one slower than this is reported unreachable. */
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    private FanOut() {
    }

    /**
     * Whether the request asks for this node's part alone ({@code scope=node}, what nodes ask each
     * other) rather than the fleet's ({@code scope=fleet}, the default); BAD_REQUEST for any other scope.
     */
    static boolean nodeOnly(ServerRequest req) {
        String scope = req.query().first("scope").orElse("fleet");
        if (!scope.equals("node") && !scope.equals("fleet")) {
            throw new SkyfnException(ErrorCode.BAD_REQUEST, "query parameter scope must be fleet or node, not '" + scope + "'");
        }
        return scope.equals("node");
    }

    /**
     * Sends each other live node {@code GET pathFor(node)} with the headers of {@code req}; each
     * node's JSON answer by name, empty for one that did not answer 200 with JSON in time.
     */
    static Map<String, Optional<JsonNode>> ask(Elsewhere elsewhere, ServerRequest req, Function<String, String> pathFor) {
        Elsewhere.Request asked = Forwarding.request(req, new byte[0]);
        Map<String, Optional<JsonNode>> answers = new TreeMap<>();
        elsewhere.toEveryNode(node -> new Elsewhere.Request("GET", pathFor.apply(node), asked.headers(), new byte[0], null), TIMEOUT)
                .forEach((node, answer) -> answers.put(node, answer.filter(a -> a.status() == 200).flatMap(FanOut::json)));
        return answers;
    }

    /**
     * {@link #ask}s every other live node for {@code path} and hands each entry of the array
     * {@code field} of its answer to {@code each}, with the node's name as the directory knows it
     * (not the one it claims); returns the nodes whose answer has no such array, in time or at all.
     */
    static List<String> collect(Elsewhere elsewhere, ServerRequest req, String path, String field, BiConsumer<String, JsonNode> each) {
        List<String> unreachable = new ArrayList<>();
        ask(elsewhere, req, node -> path).forEach((node, answer) -> answer.map(a -> a.path(field)).filter(JsonNode::isArray)
                .ifPresentOrElse(list -> list.forEach(entry -> each.accept(node, entry)), () -> unreachable.add(node)));
        return unreachable;
    }

    private static Optional<JsonNode> json(Elsewhere.Response answer) {
        try {
            return Optional.of(Json.MAPPER.readTree(answer.body()));
        } catch (IOException unreadable) {
            return Optional.empty();
        }
    }
}
