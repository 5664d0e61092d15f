package dev.skyfn.node.http;

import dev.skyfn.core.app.AppKey;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Other nodes that can answer a request this one cannot: in a fleet, a workflow started through a
 * node that does not serve its app, or an execution another node runs. Nowhere on one machine.
 */
public interface Elsewhere {

    /** A request as it came, to be sent on unchanged. */
    record Request(String method, String pathAndQuery, Map<String, List<String>> headers, byte[] body, String region) {
    }

    /** What the other node answered. */
    record Response(int status, Map<String, List<String>> headers, byte[] body) {
    }

    /** Sends the request to the best node serving {@code app}; empty when no other node does. */
    Optional<Response> toNodeServing(AppKey app, Request request);

    /**
     * Sends the request to every other live node until one knows {@code id} (an execution, an
     * async invocation) and can open it (a node without the key to a tenant's data answers 502 and
     * the next is asked; its answer is kept if no other does better); empty when none knows it.
     */
    Optional<Response> toNodeHolding(String id, Request request);

    /**
     * Sends each other live node, all at once, the request {@code requestFor} makes for its name,
     * and gathers their answers by node name: empty for a node that did not answer within
     * {@code timeout} or could not be reached.
     */
    Map<String, Optional<Response>> toEveryNode(java.util.function.Function<String, Request> requestFor, java.time.Duration timeout);

    /** The embedded default: there is nowhere else. */
    Elsewhere NOWHERE = new Elsewhere() {
        @Override
        public Optional<Response> toNodeServing(AppKey app, Request request) {
            return Optional.empty();
        }

        @Override
        public Optional<Response> toNodeHolding(String id, Request request) {
            return Optional.empty();
        }

        @Override
        public Map<String, Optional<Response>> toEveryNode(java.util.function.Function<String, Request> requestFor, java.time.Duration timeout) {
            return Map.of();
        }
    };
}
