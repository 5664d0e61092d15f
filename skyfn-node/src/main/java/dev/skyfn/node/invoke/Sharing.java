package dev.skyfn.node.invoke;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Which warm sandbox a cold app takes a seat in when no spare is ready and a boot would have to
 * wait its turn: Pagurus's "help rather than recycle" (Li et al., ATC'22), loading into a
 * running JVM (tens of milliseconds) instead of queueing for a new one (hundreds, and seconds in a
 * storm). Only sandboxes of the same tenant, the same heap and the same network are candidates
 * (the caller filters); this picks among them.
 */
final class Sharing {

    /**
     * Apps one sandbox hosts at most. Each has its own class loader and shares the sandbox's heap
     * and CPU with the others: eight hello-sized apps fit a 128 MiB heap many times over, and a
     * fault that ends the sandbox (memory, a hung call) costs eight apps a cold start, not more.
     */
    static final int MAX_APPS = 8;

    /** A warm sandbox that could take the app in: how many apps it hosts (or is loading) and its calls in flight. */
    record Candidate<S>(S sandbox, int apps, int inFlight) {
    }

    private Sharing() {
    }

    /** The candidate with room that is least busy (fewest calls in flight, then fewest apps), if any. */
    static <S> Optional<Candidate<S>> pick(List<Candidate<S>> candidates) {
        return candidates.stream().filter(c -> c.apps() < MAX_APPS)
                .min(Comparator.<Candidate<S>>comparingInt(Candidate::inFlight).thenComparingInt(Candidate::apps));
    }
}
