package dev.skyfn.node.invoke;

import dev.skyfn.core.wire.Payload;
import java.util.Optional;

/**
 * Invocations accepted now and run in the background: in this node's memory on one machine
 * ({@link AsyncInvocations}), in a JetStream work queue across a fleet.
 */
public interface Async {

    /** Accepts an invocation of a resolved function from callers in {@code region} (null: unknown); its id answers status queries. */
    String submit(Dispatch.Target target, Payload input, String region);

    /** The invocation's status, if it belongs to {@code tenant} and is still kept. */
    Optional<AsyncInvocations.Status> get(String tenant, String id);

    /** Invocations this node accepted or is running that have not finished. */
    int pending();
}
