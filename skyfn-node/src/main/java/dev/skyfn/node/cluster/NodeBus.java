package dev.skyfn.node.cluster;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.wire.Message;
import dev.skyfn.core.wire.Payload;
import dev.skyfn.core.wire.WireCodec;
import dev.skyfn.node.invoke.Invoker;
import dev.skyfn.node.invoke.Outcome;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import dev.skyfn.node.tracing.Tracing;
import io.nats.client.impl.Headers;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Invocations between nodes over NATS request/reply: each node answers on a subject of its own,
 * {@code skyfn.node.<node>.invoke}, with the same frames its sandboxes speak (an Invoke in, a
 * Result or Failure out); the app travels in headers. Emulated WAN latency is added on both legs.
 */
final class NodeBus implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NodeBus.class);
    private static final String TENANT = "Skyfn-Tenant";
    private static final String APP = "Skyfn-App";
    private static final String FROM = "Skyfn-From-Cloud";
    private static final String BOUNDED = "Skyfn-Bounded";
    private static final String COLD = "Skyfn-Cold";
    /** Marks an async invocation: run once per invocation id on this node ({@link OnceRuns}). */
    private static final String ONCE = "Skyfn-Once";
    /** How much longer than the function's timeout a caller waits for its node to answer. */
    private static final Duration ANSWER_GRACE = Duration.ofSeconds(2);

    /** Why a call to another node got no answer. */
    enum Miss {
        /** Nobody listens for the node: the call never ran there. */
        NO_NODE,
        /** The node took the call and did not answer in time, or died: it may have run. */
        LOST
    }

    /** A call that got no answer from its node. */
    static final class NoAnswer extends RuntimeException {
        final Miss miss;

        NoAnswer(Miss miss, String message) {
            super(message, null, false, false);
            this.miss = miss;
        }
    }

    private final Connection connection;
    private final String cloud;
    private final Wan wan;
    private final Faults faults;
    /** Async invocations run here, by id: a job handed out again within two minutes (its queue's retries) finds its run. */
    private final OnceRuns once = new OnceRuns(Duration.ofMinutes(2), 10_000, System::nanoTime);
    private Dispatcher dispatcher;
    private Dispatcher stops;
    private volatile Tracing tracing = Tracing.OFF;

    NodeBus(Connection connection, String cloud, Wan wan, Faults faults) {
        this.connection = connection;
        this.faults = faults;
        this.cloud = cloud;
        this.wan = wan;
    }

    /** Traces the calls this node sends and takes with {@code tracing}; set once, at start. */
    void tracing(Tracing tracing) {
        this.tracing = tracing;
    }

    /** This node's run of async invocation {@code invocationId}: in flight, recently ended, or begun now by {@code start}. */
    CompletableFuture<Outcome> once(String invocationId, Supplier<CompletableFuture<Outcome>> start) {
        return once.run(invocationId, start);
    }

    static String subject(String node) {
        return "skyfn.node." + node + ".invoke";
    }

    static String stopSubject(String node) {
        return "skyfn.node." + node + ".stop";
    }

    /** Answers calls for {@code node} by running them with {@code invoker}, and stops those another node no longer waits for. */
    void serve(String node, Invoker invoker) {
        dispatcher = connection.createDispatcher(msg -> answer(invoker, msg));
        dispatcher.subscribe(subject(node));
        stops = connection.createDispatcher(msg -> invoker.cancel(new String(msg.getData(), java.nio.charset.StandardCharsets.UTF_8),
                "another copy of this hedged call answered first"));
        stops.subscribe(stopSubject(node));
    }

    /**
     * Tells {@code node} — this one too, over the same subject — to stop the call of {@code
     * invocationId} it runs: the caller no longer waits for it (a hedged call's other copy
     * answered). Best effort: a call that has ended, or has not started, is not stopped.
     */
    void stop(String node, String invocationId) {
        connection.publish(stopSubject(node), invocationId.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * Starts running a call on the NATS thread; a warm function's answer is sent by whoever
     * completes it, anything slower runs on a thread of its own.
     */
    private void answer(Invoker invoker, io.nats.client.Message msg) {
        Headers in = msg.getHeaders();
        String from = in.getFirst(FROM);
        try {
            var call = (Message.Invoke) WireCodec.decode(msg.getData(), 4, msg.getData().length - 4);
            Invoker.Target target = invoker.resolve(new AppKey(in.getFirst(TENANT), in.getFirst(APP)), call.function());
            Duration timeout = Duration.ofMillis(call.timeoutMillis());
            // run under the calling node's span, as its frame carried it
            boolean bounded = Boolean.parseBoolean(in.getFirst(BOUNDED));
            Supplier<CompletableFuture<Outcome>> run = tracing.extract(call.traceparent()).wrapSupplier(
                    () -> invoker.invokeAsync(target, call.payload(), call.invocationId(), bounded, timeout));
            boolean across = from != null && !from.equals(cloud);
            if (across) {
                invoker.answersAcrossClouds(call.invocationId(), true); // its answer leaves this cloud: metered as egress
            }
            CompletableFuture<Outcome> outcome = Boolean.parseBoolean(in.getFirst(ONCE)) ? once.run(call.invocationId(), run) : run.get();
            if (across) {
                outcome = outcome.whenComplete((o, error) -> invoker.answersAcrossClouds(call.invocationId(), false));
            }
            String app = in.getFirst(APP);
            java.time.Duration late = faults.holdBack();
            if (late.isPositive()) {
                outcome = outcome.thenCompose(o -> CompletableFuture.supplyAsync(() -> o,
                        CompletableFuture.delayedExecutor(late.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS)));
            }
            outcome.whenComplete((o, error) -> reply(msg, from, error == null ? answer(faults.answer(app, o))
                    : new Message.Failure(0, ErrorCode.INTERNAL.name(), "the node could not run the call: " + error, ""),
                    o != null && o.coldStart()));
        } catch (SkyfnException e) {
            reply(msg, from, new Message.Failure(0, e.code().name(), e.getMessage(), ""), false);
        } catch (RuntimeException e) {
            LOG.error("a call from another node could not be run", e);
            reply(msg, from, new Message.Failure(0, ErrorCode.INTERNAL.name(), "the node could not run the call: " + e.getMessage(), ""),
                    false);
        }
    }

    private static Message answer(Outcome o) {
        return o.ok() ? new Message.Result(0, o.payload())
                : new Message.Failure(0, o.error().code().name(), o.error().message(), o.error().type());
    }

    private void reply(io.nats.client.Message msg, String from, Message reply, boolean cold) {
        Headers out = new Headers().put(COLD, Boolean.toString(cold));
        if (wan.emulated()) {
            // the answer's trip back waits on a thread of its own, not on whoever completed the call
            Thread.ofVirtual().start(() -> {
                wan.betweenClouds(cloud, from);
                connection.publish(msg.getReplyTo(), out, WireCodec.encode(reply));
            });
            return;
        }
        connection.publish(msg.getReplyTo(), out, WireCodec.encode(reply));
    }

    /**
     * Calls a function on {@code node} of {@code nodeCloud}; completes with its outcome, or with a
     * {@link NoAnswer} when the node cannot be reached or does not answer in time. An
     * {@code onlyOnce} call (an async invocation) joins that node's run of the same invocation id,
     * in flight or recently ended, rather than running again.
     */
    CompletableFuture<Outcome> call(String node, String nodeCloud, AppKey app, String function, Payload input,
                                    String invocationId, boolean bounded, Duration timeout, boolean onlyOnce) {
        long start = System.nanoTime();
        wan.betweenClouds(cloud, nodeCloud);
        Headers headers = new Headers().put(TENANT, app.tenant()).put(APP, app.app()).put(FROM, cloud)
                .put(BOUNDED, Boolean.toString(bounded)).put(ONCE, Boolean.toString(onlyOnce));
        Span span = clientSpan(node, nodeCloud, app, function, invocationId);
        // a trace not kept has no span here, and goes on as it came
        String traceparent = span.isRecording() ? Tracing.traceparent(span) : Tracing.traceparent();
        byte[] body = WireCodec.encode(new Message.Invoke(0, 0, function, invocationId, timeout.toMillis(), input, traceparent));
        return connection.requestWithTimeout(subject(node), headers, body, timeout.plus(ANSWER_GRACE))
                .handle((reply, error) -> {
                    if (error != null) {
                        NoAnswer miss = miss(node, error);
                        span.setStatus(StatusCode.ERROR, miss.getMessage());
                        span.end();
                        throw miss;
                    }
                    Outcome o = outcome(reply, invocationId, start);
                    if (!o.ok()) {
                        Tracing.failed(span, o.error().code().name(), o.error().message());
                    }
                    span.end();
                    return o;
                });
    }

    /** The span of a call sent to another node (kind CLIENT), under the current one; none (invalid) when tracing is off or the trace is not kept. */
    private Span clientSpan(String node, String nodeCloud, AppKey app, String function, String invocationId) {
        if (!tracing.on() || Tracing.notKept()) {
            return Span.getInvalid();
        }
        return tracing.tracer().spanBuilder("call " + app.app() + "/" + function + " on " + node).setSpanKind(SpanKind.CLIENT)
                .setAttribute(Tracing.NODE, node).setAttribute(Tracing.CLOUD, nodeCloud).setAttribute(Tracing.APP, app.app())
                .setAttribute(Tracing.TENANT, app.tenant()).setAttribute(Tracing.FAAS_INVOKED_NAME, function).setAttribute(Tracing.FAAS_INVOCATION_ID, invocationId).startSpan();
    }

    private static NoAnswer miss(String node, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof CancellationException) {
            return new NoAnswer(Miss.NO_NODE, "node " + node + " is not reachable");
        }
        if (cause instanceof TimeoutException) {
            return new NoAnswer(Miss.LOST, "node " + node + " did not answer in time");
        }
        if (cause instanceof NoAnswer n) {
            return n;
        }
        return new NoAnswer(Miss.LOST, "the call to node " + node + " failed: " + cause);
    }

    private static Outcome outcome(io.nats.client.Message reply, String invocationId, long start) {
        byte[] data = reply.getData();
        Message m = WireCodec.decode(data, 4, data.length - 4);
        boolean cold = reply.getHeaders() != null && Boolean.parseBoolean(reply.getHeaders().getFirst(COLD));
        long took = System.nanoTime() - start;
        return switch (m) {
            case Message.Result r -> new Outcome(invocationId, r.payload(), null, cold, took);
            case Message.Failure f -> new Outcome(invocationId, null, new Outcome.Error(ErrorCode.parse(f.code()), f.message(), f.type()),
                    cold, took);
            default -> throw new IllegalStateException("unexpected answer " + m);
        };
    }

    @Override
    public void close() {
        for (Dispatcher d : new Dispatcher[]{dispatcher, stops}) {
            if (d != null) {
                connection.closeDispatcher(d);
            }
        }
    }
}
