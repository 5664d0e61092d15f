package dev.skyfn.node.sandbox;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.wire.Message;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import java.util.function.Predicate;

/**
 * The calls a sandbox has in flight: their ids, answers to come, deadlines, and which were
 * cancelled. Callers wait on an answer without a timeout of their own; {@link #expire} completes
 * it when its deadline passes, which costs far less than a timer per call.
 */
final class Calls {

    /** The code of the failure an answer completes with when its deadline passes first. */
    static final String TIMED_OUT = ErrorCode.FUNCTION_TIMEOUT.name();

    private final Map<Long, Sandbox.Call> inFlight = new ConcurrentHashMap<>();
    /** Calls past their deadline and not yet answered, with when they were cancelled. */
    private final Map<Long, Long> cancelledAt = new ConcurrentHashMap<>();
    /** Cancelled calls already reported as still running. */
    private final Set<Long> reportedHung = ConcurrentHashMap.newKeySet();
    private final AtomicLong nextId = new AtomicLong();

    /** Registers a call with a fresh id; {@code send} delivers the request and says whether it could. */
    Sandbox.Call open(LongFunction<Message> build, long deadlineNanos, String label, Predicate<Message> send,
                      LongFunction<Message.Failure> unsent) {
        long id = nextId.incrementAndGet();
        Message request = build.apply(id);
        var call = new Sandbox.Call(id, new CompletableFuture<>(), deadlineNanos, label,
                request instanceof Message.Invoke invoke ? Objects.requireNonNullElse(invoke.traceparent(), "") : "");
        inFlight.put(id, call);
        if (!send.test(request)) {
            inFlight.remove(id);
            call.answer().complete(unsent.apply(id));
        }
        return call;
    }

    /**
     * Registers {@code labels.size()} calls with fresh ids, sent together in the one request
     * {@code build} makes of their ids; when it cannot be sent, each is answered as unsent.
     */
    List<Sandbox.Call> openEach(List<String> labels, java.util.function.Function<long[], Message> build, long deadlineNanos,
                                Predicate<Message> send, LongFunction<Message.Failure> unsent) {
        long[] ids = new long[labels.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = nextId.incrementAndGet();
        }
        Message request = build.apply(ids);
        List<Sandbox.Call> opened = new java.util.ArrayList<>(ids.length);
        for (int i = 0; i < ids.length; i++) {
            var call = new Sandbox.Call(ids[i], new CompletableFuture<>(), deadlineNanos, labels.get(i),
                    request instanceof Message.InvokeEach each ? Objects.requireNonNullElse(each.items().get(i).traceparent(), "") : "");
            inFlight.put(ids[i], call);
            opened.add(call);
        }
        if (!send.test(request)) {
            for (Sandbox.Call call : opened) {
                inFlight.remove(call.id());
                call.answer().complete(unsent.apply(call.id()));
            }
        }
        return opened;
    }

    /**
     * Whether {@code traceparent} is one a call still in flight was sent with. What a sandbox says
     * of a trace (the parent of a call it makes, of a call it ran itself) is taken only when it
     * names one the node gave it for a call it has not answered: a sandbox cannot join another
     * trace, nor keep a trace the sampler dropped by setting its sampled flag, nor go on adding
     * spans once its call is over. One look at each call in flight, no more than run at once.
     */
    boolean gave(String traceparent) {
        if (traceparent == null || traceparent.isEmpty()) {
            return false;
        }
        for (Sandbox.Call call : inFlight.values()) {
            if (call.traceparent().equals(traceparent)) {
                return true;
            }
        }
        return false;
    }

    /** Completes the call with its answer; false when no such call was waiting. */
    boolean answer(long id, Message answer) {
        Sandbox.Call call = inFlight.remove(id);
        cancelledAt.remove(id);
        reportedHung.remove(id);
        if (call == null) {
            return false;
        }
        call.answer().complete(answer);
        return true;
    }

    /** Answers every call still in flight, as when the sandbox died. */
    void answerAll(LongFunction<Message.Failure> answer) {
        for (Long id : List.copyOf(inFlight.keySet())) {
            answer(id, answer.apply(id));
        }
    }

    /**
     * Completes the calls past their deadline as timed out, cancelling each once through
     * {@code cancel}; reports through {@code hung}, once, a call still running {@code graceNanos}
     * after its cancellation.
     */
    void expire(long nowNanos, long graceNanos, Consumer<Long> cancel, Consumer<Sandbox.Call> hung) {
        for (Sandbox.Call call : inFlight.values()) {
            Long cancelled = cancelledAt.get(call.id());
            if (cancelled == null) {
                if (nowNanos - call.deadlineNanos() >= 0 && cancelledAt.putIfAbsent(call.id(), nowNanos) == null) {
                    cancel.accept(call.id());
                    call.answer().complete(new Message.Failure(call.id(), TIMED_OUT, "the call passed its deadline", ""));
                }
            } else if (nowNanos - cancelled > graceNanos && reportedHung.add(call.id())) {
                hung.accept(call);
            }
        }
    }

    /**
     * Gives up on a call before its deadline: answers it with {@code answer} now and watches it as
     * one past its deadline ({@link #expire} reports it hung if the sandbox still runs it a grace
     * later: a cancelled execution's expression that never ends is no less a runaway than a call
     * past its timeout). False when the call was not waiting, or was given up on already.
     */
    boolean giveUp(long id, Message answer, long nowNanos) {
        Sandbox.Call call = inFlight.get(id);
        if (call == null || cancelledAt.putIfAbsent(id, nowNanos) != null) {
            return false;
        }
        call.answer().complete(answer);
        return true;
    }

    /** Calls in flight that have not been given up on. */
    int live() {
        return inFlight.size() - cancelledAt.size();
    }
}
