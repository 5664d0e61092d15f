package dev.skyfn.node.cluster;

import dev.skyfn.core.wire.Payload;
import dev.skyfn.node.invoke.Outcome;
import java.util.Arrays;
import java.util.Set;

/**
 * Faults a node can be told to commit, so that tests can show the fleet catching them: a node of
 * an untrusted cloud that alters the results it sends other nodes. Never set in production; the
 * command line's option for it is hidden.
 *
 * @param tamperResultsOf the apps (by name) whose results this node alters before answering another node
 */
public record Faults(Set<String> tamperResultsOf) {

    public static final Faults NONE = new Faults(Set.of());

    public Faults {
        tamperResultsOf = Set.copyOf(tamperResultsOf);
    }

    /** The outcome this node sends for a call of {@code app}: altered (one more byte) if it is told to tamper with that app's. */
    Outcome answer(String app, Outcome o) {
        if (!tamperResultsOf.contains(app) || !o.ok() || !(o.payload() instanceof Payload.Body body)) {
            return o;
        }
        byte[] altered = Arrays.copyOf(body.bytes(), body.bytes().length + 1);
        altered[altered.length - 1] = '!';
        return new Outcome(o.invocationId(), new Payload.Body(body.contentType(), altered), null, o.coldStart(), o.durationNanos(), o.node());
    }
}
