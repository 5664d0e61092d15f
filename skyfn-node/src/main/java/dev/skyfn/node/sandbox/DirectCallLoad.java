package dev.skyfn.node.sandbox;

import dev.skyfn.core.wire.Message;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The direct calls a sandbox says each of its slots is running ({@link Message.Concurrency}):
 * calls the node never sees start or end, counted among the slot's app's calls in flight. A
 * sandbox is not trusted with the count: each slot's is at most what the routes the node gave to
 * it allow together, so that a sandbox cannot make its app look busier than its callers could make it.
 */
final class DirectCallLoad {

    private final Map<Integer, Integer> reported = new ConcurrentHashMap<>();
    /** By slot, by caller sandbox: the most direct calls in flight its route allows. */
    private final Map<Integer, Map<Long, Integer>> allowed = new ConcurrentHashMap<>();

    /** {@code caller} may have {@code maxInFlight} direct calls in flight to {@code slot}; whether it had no route here before. */
    boolean allow(int slot, long caller, int maxInFlight) {
        boolean known = allowed.values().stream().anyMatch(callers -> callers.containsKey(caller));
        allowed.computeIfAbsent(slot, s -> new ConcurrentHashMap<>()).put(caller, maxInFlight);
        return !known;
    }

    /** {@code caller} is gone: its routes allow nothing more. */
    void forget(long caller) {
        allowed.values().forEach(callers -> callers.remove(caller));
    }

    /** Keeps the counts of the slots {@code held} says hold an app; the others' are dropped, not kept. */
    void reported(Message.Concurrency load, java.util.function.IntPredicate held) {
        load.slots().stream().filter(s -> held.test(s.slot())).forEach(s -> reported.put(s.slot(), s.inFlight()));
    }

    /** The direct calls {@code slot} runs, as last reported, at most what its routes allow. */
    int inFlight(int slot) {
        Integer n = reported.get(slot);
        if (n == null || n <= 0) {
            return 0;
        }
        Map<Long, Integer> callers = allowed.get(slot);
        long most = callers == null ? 0 : callers.values().stream().mapToLong(Integer::longValue).sum();
        return (int) Math.min(n, most);
    }
}
