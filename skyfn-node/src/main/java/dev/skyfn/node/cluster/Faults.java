package dev.skyfn.node.cluster;

import dev.skyfn.core.wire.Payload;
import dev.skyfn.node.invoke.Outcome;
import java.util.Arrays;
import java.util.Set;

/**
 * Faults a node can be told to commit, so that tests can show the fleet catching them: a node of
 * an untrusted cloud that alters the results it sends other nodes; a straggler, slow on some of
 * the calls it runs for other nodes. Never set in production; the command line's options for them
 * are hidden.
 *
 * @param tamperResultsOf the apps (by name) whose results this node alters before answering another node
 * @param slowFraction    the share of calls it runs for other nodes whose answer it holds back, 0 to 1
 * @param slowBy          how long it holds such an answer back
 */
public record Faults(Set<String> tamperResultsOf, double slowFraction, java.time.Duration slowBy) {

    public static final Faults NONE = new Faults(Set.of());

    public Faults {
        tamperResultsOf = Set.copyOf(tamperResultsOf);
        if (slowFraction < 0 || slowFraction > 1 || slowBy.isNegative()) {
            throw new IllegalArgumentException("a share of calls from 0 to 1 and a delay of 0 or more, not " + slowFraction + " and " + slowBy);
        }
    }

    public Faults(Set<String> tamperResultsOf) {
        this(tamperResultsOf, 0, java.time.Duration.ZERO);
    }

    /**
     * A straggler's fault from {@code SHARE:DELAY} ({@code 0.1:200ms}: a tenth of the calls answered 200 ms late).
     *
     * @throws IllegalArgumentException for anything else
     */
    public Faults slow(String spec) {
        String[] parts = spec.split(":", 2);
        if (parts.length != 2) {
            throw new IllegalArgumentException("expected SHARE:DELAY, e.g. 0.1:200ms, not '" + spec + "'");
        }
        return new Faults(tamperResultsOf, Double.parseDouble(parts[0]), dev.skyfn.core.Durations.parse(parts[1]));
    }

    /** How long to hold back the answer to one call: {@link #slowBy} for a random {@link #slowFraction} of them, else zero. */
    java.time.Duration holdBack() {
        return slowFraction > 0 && java.util.concurrent.ThreadLocalRandom.current().nextDouble() < slowFraction ? slowBy
                : java.time.Duration.ZERO;
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
