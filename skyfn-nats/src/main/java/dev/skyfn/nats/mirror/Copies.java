package dev.skyfn.nats.mirror;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.ToLongFunction;

/**
 * Writes waiting for their copy in a mirror: each waits for a sequence of a stream; one daemon
 * thread reads how far each stream's mirror has copied — once per round for all a stream's
 * waiters — and completes those it has passed, backing off from 1 ms to {@code maxPoll} while
 * nothing moves. A mirror that copies but lags past {@code limit} fails its waiters; a mirror that
 * cannot be read at all (its cloud gone) lets them through, and every write after them, until it
 * can be read again: the fleet goes on writing with one copy rather than stopping, as a database
 * with a synchronous standby does in its "maximum availability" mode.
 */
final class Copies {

    private record Waiter(long sequence, long deadline, CompletableFuture<Void> done) {
    }

    private final ToLongFunction<String> copiedUpTo;
    private final Duration limit;
    private final Duration maxPoll;
    /** Waiters by stream, then by sequence and arrival. */
    private final Map<String, TreeMap<Long, java.util.List<Waiter>>> waiting = new HashMap<>();
    /** How far each stream's mirror was last seen to have copied. */
    private final Map<String, Long> known = new HashMap<>();
    /** Streams whose mirror could not be read the last time it was asked: writes to them do not wait. */
    private final Set<String> unreachable = new HashSet<>();
    private Thread poller;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Copies.class);
    /** How often a mirror that could not be read is asked again. */
    private static final Duration PROBE = Duration.ofSeconds(1);

    Copies(ToLongFunction<String> copiedUpTo, Duration limit, Duration maxPoll) {
        this.copiedUpTo = copiedUpTo;
        this.limit = limit;
        this.maxPoll = maxPoll;
    }

    synchronized CompletableFuture<Void> await(String stream, long sequence) {
        if (known.getOrDefault(stream, 0L) >= sequence || unreachable.contains(stream)) {
            return CompletableFuture.completedFuture(null);
        }
        var waiter = new Waiter(sequence, System.nanoTime() + limit.toNanos(), new CompletableFuture<>());
        waiting.computeIfAbsent(stream, s -> new TreeMap<>()).computeIfAbsent(sequence, q -> new java.util.ArrayList<>())
                .add(waiter);
        if (poller == null) {
            poller = Thread.ofPlatform().daemon().name("skyfn-mirror-copies").start(this::poll);
        }
        notifyAll();
        return waiter.done();
    }

    private void poll() {
        long pause = 1;
        while (true) {
            Set<String> streams;
            synchronized (this) {
                while (waiting.isEmpty() && unreachable.isEmpty()) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                    pause = 1;
                }
                streams = new HashSet<>(waiting.keySet());
                streams.addAll(unreachable);
            }
            boolean moved = false;
            for (String stream : streams) {
                moved |= refresh(stream);
            }
            try {
                synchronized (this) {
                    if (waiting.isEmpty()) {
                        // only probing mirrors that could not be read: once a second, or as soon as a write waits
                        wait(PROBE.toMillis());
                        pause = 1;
                        continue;
                    }
                }
                pause = moved ? 1 : Math.min(maxPoll.toMillis(), pause * 2);
                Thread.sleep(pause); // the mirror copies in the servers; only asking again tells how far
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Reads how far {@code stream}'s mirror has copied; completes and expires its waiters. Whether any completed. */
    private boolean refresh(String stream) {
        long copied;
        RuntimeException failure = null;
        try {
            copied = copiedUpTo.applyAsLong(stream);
        } catch (RuntimeException e) {
            copied = -1;
            failure = e;
        }
        java.util.List<Waiter> done = new java.util.ArrayList<>();
        java.util.List<Waiter> late = new java.util.ArrayList<>();
        long now = System.nanoTime();
        synchronized (this) {
            if (failure != null) {
                if (unreachable.add(stream)) {
                    LOG.warn("the mirror of {} cannot be read ({}): writes are acknowledged without their copy until it can", stream,
                            failure.getMessage());
                }
            } else if (unreachable.remove(stream)) {
                LOG.info("the mirror of {} is read again: writes wait for their copy again", stream);
            }
            if (copied > known.getOrDefault(stream, 0L)) {
                known.put(stream, copied);
            }
            var bySequence = waiting.getOrDefault(stream, new TreeMap<>());
            for (Iterator<Map.Entry<Long, java.util.List<Waiter>>> it = bySequence.entrySet().iterator(); it.hasNext(); ) {
                var entry = it.next();
                if (entry.getKey() <= copied || failure != null) {
                    done.addAll(entry.getValue());
                    it.remove();
                } else {
                    entry.getValue().removeIf(w -> now - w.deadline() > 0 && late.add(w));
                    if (entry.getValue().isEmpty()) {
                        it.remove();
                    }
                }
            }
            if (bySequence.isEmpty()) {
                waiting.remove(stream);
            }
        }
        done.forEach(w -> w.done().complete(null));
        for (Waiter w : late) {
            w.done().completeExceptionally(new SkyfnException(ErrorCode.UNAVAILABLE, "written to " + stream
                    + " but not copied to its mirror within " + limit.toMillis() + " ms (it holds " + copied + " of " + w.sequence()
                    + "); retry later"));
        }
        return !done.isEmpty();
    }
}
