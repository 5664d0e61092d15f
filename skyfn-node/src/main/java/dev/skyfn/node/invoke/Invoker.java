package dev.skyfn.node.invoke;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.Durations;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.app.DeployedApp;
import dev.skyfn.core.manifest.FunctionSpec;
import dev.skyfn.core.wire.Message;
import dev.skyfn.core.wire.Payload;
import dev.skyfn.node.metrics.NodeMetrics;
import dev.skyfn.node.sandbox.Sandbox;
import dev.skyfn.node.tracing.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Runs invocations: finds the function, takes a concurrency slot, gets the app's sandbox (loading
 * it if needed), sends the event and waits for the answer until the function's timeout. A call
 * past its timeout is cancelled; one that ignores the cancel gets its sandbox replaced.
 */
public final class Invoker implements Dispatch {

    private final AppRuntimes runtimes;
    /** Calls running in a sandbox here, by invocation id: what runs now, and how a hedged call's losing copy is stopped. */
    private final java.util.Map<String, Running> running = new java.util.concurrent.ConcurrentHashMap<>();
    /** Where calls between functions go when this node does not serve the app called. */
    private volatile Dispatch elsewhere;
    /** What is told of every call that ran here. */
    private volatile Meter meter = Meter.NONE;
    private volatile Tracing tracing = Tracing.OFF;
    /** Routes given to sandboxes for their calls to other sandboxes of their tenant here. */
    private final DirectRoutes direct = new DirectRoutes();
    /** Calls running here for a gateway in another cloud, by invocation id: their answers are egress. */
    private final java.util.Set<String> acrossClouds = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public Invoker(AppRuntimes runtimes) {
        this.runtimes = runtimes;
    }

    /** Sends calls from functions to apps this node does not serve to {@code dispatch}; set once, at start. */
    public void callElsewhere(Dispatch dispatch) {
        elsewhere = dispatch;
    }

    /** How the calls that run here are traced. */
    public Tracing tracing() {
        return tracing;
    }

    /** Traces the calls that run here with {@code tracing} from now on; set once, at start. */
    public void tracing(Tracing tracing) {
        this.tracing = tracing;
    }

    /** Tells {@code meter} of every call that runs in a sandbox here from now on; set once, at start. */
    public void meter(Meter meter) {
        this.meter = meter;
    }

    /** Marks the call of {@code invocationId} as answered to a gateway in another cloud (or no longer): its answer is egress. */
    public void answersAcrossClouds(String invocationId, boolean across) {
        if (across) {
            acrossClouds.add(invocationId);
        } else {
            acrossClouds.remove(invocationId);
        }
    }

    /**
     * Meters a function that ran in a sandbox of {@code app} without the node: a call between its
     * functions, a workflow's Task; a call between functions in a kept trace is a span "invoke
     * APP/FUNCTION" under its caller's ({@code skyfn.in_sandbox}), ending as its frame comes —
     * when {@code from} names a kept trace the node gave it for a call still running there.
     */
    void ranInSandbox(AppKey app, FunctionSpec spec, Message.Usage usage, Sandbox from) {
        meter.ranInSandbox(app, spec, usage.invocationId(), usage.step(), usage.nanos(), usage.outcome(), usage.spent(), usage.bytesIn(),
                usage.bytesOut());
        if (usage.direct()) {
            // a call the node would have run, had the caller not been routed straight to it: counted as one
            runtimes.metrics().callBetweenApps(app, true);
            runtimes.metrics().function(app, spec.name()).record(usage.nanos(), usage.outcome().equals("ok") ? null : usage.outcome());
        }
        if (tracing.on() && !usage.step() && usage.traceparent().endsWith("-01") && !from.vouched(usage.traceparent()).isEmpty()) {
            InSandboxSpans.record(tracing, app, spec.name(), usage);
        }
    }

    /** The app and function an invocation would run; APP_NOT_FOUND or FUNCTION_NOT_FOUND when there are none. */
    @Override
    public Target resolve(AppKey key, String function) {
        AppRuntime runtime = runtime(key);
        return new Target(runtime, Dispatch.function(runtime.app(), function));
    }

    /**
     * The sandbox serving the app now, loaded if it was not: for requests that are not invocations
     * of one function (workflow executions).
     */
    public Sandbox.Seat sandbox(AppKey key) {
        AppRuntime runtime = runtime(key);
        runtime.touch();
        return runtime.acquire().seat();
    }

    /** The app, or APP_NOT_FOUND. */
    @Override
    public DeployedApp resolveApp(AppKey key) {
        return runtime(key).app();
    }

    private AppRuntime runtime(AppKey key) {
        return runtimes.get(key).orElseThrow(() -> new SkyfnException(ErrorCode.APP_NOT_FOUND, "no app " + key.app()));
    }

    /** Invocations of the function holding a concurrency slot now. */
    public int running(AppKey key, String function) {
        return runtimes.get(key).map(r -> r.gate(function)).map(FunctionGate::running).orElse(0);
    }

    /** Invocations of the function waiting for a slot now. */
    public int waiting(AppKey key, String function) {
        return runtimes.get(key).map(r -> r.waiting(function)).orElse(0);
    }

    /** Whether this node serves the app now. */
    public boolean serves(AppKey key) {
        return runtimes.get(key).isPresent();
    }

    /** A resolved function. */
    public record Target(AppRuntime runtime, FunctionSpec spec) implements Dispatch.Target {
        @Override
        public DeployedApp app() {
            return runtime.app();
        }
    }

    /** Runs the invocation here, wherever the caller is. */
    @Override
    public Outcome dispatch(Dispatch.Target target, Payload input, String invocationId, boolean bounded, Duration timeout,
                            String region) {
        Target local = local(target);
        return invoke(local, input, invocationId, bounded, timeout);
    }

    /** {@code target} as this node runs it: resolved here when another dispatch resolved it; APP_NOT_FOUND / FUNCTION_NOT_FOUND. */
    private Target local(Dispatch.Target target) {
        return target instanceof Target t ? t : resolve(target.app().key(), target.spec().name());
    }

    /** Straight to a warm sandbox of this node when one has a slot free ({@link #invokeAsync}); unbounded, as triggers call. */
    @Override
    public CompletableFuture<Outcome> dispatchAsync(Dispatch.Target target, Payload input, String invocationId, Duration timeout) {
        Target local;
        try {
            local = local(target);
        } catch (SkyfnException e) {
            return CompletableFuture.completedFuture(failed(invocationId, e.code(), e.getMessage(), false, System.nanoTime()));
        }
        return invokeAsync(local, input, invocationId, false, timeout);
    }

    public Outcome invoke(Target target, Payload input, String invocationId) {
        return invoke(target, input, invocationId, true, target.spec().timeout());
    }

    /**
     * Runs one invocation for at most {@code timeout} (never more than the function's own). A
     * {@code bounded} caller is refused with TOO_MANY_REQUESTS when the function's queue is full;
     * an unbounded one (an async invocation) waits for a slot.
     */
    public Outcome invoke(Target target, Payload input, String invocationId, boolean bounded, Duration timeout) {
        Span span = startSpan(target, invocationId);
        if (!span.isRecording()) {
            return invokeHere(target, input, invocationId, bounded, timeout, span);
        }
        try (Scope ignored = span.makeCurrent()) {
            return ended(span, invokeHere(target, input, invocationId, bounded, timeout, span));
        }
    }

    /**
     * A span for running {@code invocationId} of the target here, under the current one; when
     * tracing is off, none (invalid); when the trace is not kept, the current span (not
     * recording), whose context goes on as it is. The call reads its trace from what this returns,
     * not from the current context again: each read is a thread-local lookup.
     */
    private Span startSpan(Dispatch.Target target, String invocationId) {
        if (!tracing.on()) {
            return Span.getInvalid();
        }
        Span current = Span.current();
        if (Tracing.notKept(current)) {
            return current;
        }
        return tracing.tracer().spanBuilder("invoke " + target.app().name() + "/" + target.spec().name())
                .setAttribute(Tracing.FAAS_INVOKED_NAME, target.spec().name())
                .setAttribute(Tracing.FAAS_INVOCATION_ID, invocationId)
                .setAttribute(Tracing.APP, target.app().name())
                .setAttribute(Tracing.TENANT, target.app().tenant())
                .startSpan();
    }

    /** Ends {@code span} with what the call came to: cold start or not, its error code if it failed. */
    private static Outcome ended(Span span, Outcome o) {
        if (!span.isRecording()) {
            return o; // not this call's span: a trace not kept, or none
        }
        span.setAttribute(Tracing.FAAS_COLDSTART, o.coldStart());
        if (!o.ok()) {
            Tracing.failed(span, o.error().code().name(), o.error().message());
        }
        span.end();
        return o;
    }

    private Outcome invokeHere(Target target, Payload input, String invocationId, boolean bounded, Duration timeout, Span span) {
        FunctionSpec spec = target.spec();
        Duration limit = timeout.compareTo(spec.timeout()) < 0 ? timeout : spec.timeout();
        AppRuntime runtime = target.runtime();
        NodeMetrics.FunctionMeters meters = runtimes.metrics().function(runtime.key(), spec.name());
        long start = System.nanoTime();
        Outcome outcome;
        FunctionGate gate = runtime.gate(spec.name());
        try {
            gate.enter(spec.name(), bounded ? start + spec.timeout().toNanos() : start + TimeUnit.DAYS.toNanos(1), bounded);
            try {
                outcome = run(runtime, spec, input, invocationId, limit, start, span);
            } finally {
                gate.leave();
                runtime.touch();
            }
        } catch (SkyfnException e) {
            outcome = failed(invocationId, e.code(), e.getMessage(), false, start);
        }
        meters.record(outcome.durationNanos(), outcome.ok() ? null : outcome.error().code().name());
        return outcome;
    }

    private Outcome run(AppRuntime runtime, FunctionSpec spec, Payload input, String invocationId, Duration limit, long start, Span span) {
        long ran = System.nanoTime(); // billed from here: a wait for a concurrency slot is not, a wait for a sandbox is
        Instant acquiring = span.isRecording() ? Instant.now() : null; // for a cold start's span
        AppRuntime.Lease lease = runtime.acquire(start + limit.toNanos());
        if (lease.cold() && acquiring != null) {
            ColdStartSpans.record(tracing, runtime.key(), acquiring, runtime.lastLoad());
        }
        Sandbox.Seat seat = lease.seat();
        String traceparent = Tracing.traceparent(span);
        Sandbox.Call call = seat.sandbox().call(id -> new Message.Invoke(id, seat.slot(), spec.name(), invocationId, limit.toMillis(), input,
                traceparent), System.nanoTime() + limit.toNanos(), invocationId);
        Running here = register(runtime.key(), spec, invocationId, seat.sandbox(), call);
        Outcome outcome;
        try {
            outcome = outcome(call.answer().get(), invocationId, limit, lease.cold(), start);
        } catch (ExecutionException e) {
            outcome = failed(invocationId, ErrorCode.INTERNAL, "the call failed: " + e.getCause(), lease.cold(), start);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            outcome = failed(invocationId, ErrorCode.UNAVAILABLE, "the node is shutting down", lease.cold(), start);
        } finally {
            unregister(invocationId, here);
        }
        meter.invoked(runtime.key(), spec, input, outcome, System.nanoTime() - ran, acrossClouds.contains(invocationId));
        return outcome;
    }

    /**
     * Runs many invocations of one function here at once, in one frame to its sandbox: for the
     * events a stream function takes from a backlog. Traced calls, and more than the function's
     * concurrency at once, go one by one ({@link Dispatch#dispatchEach}).
     */
    @Override
    public List<Outcome> dispatchEach(Dispatch.Target target, List<Input> inputs, Duration timeout, String region) {
        Target local = local(target);
        if (tracing.on() || inputs.size() > local.spec().concurrency()) {
            return Dispatch.super.dispatchEach(local, inputs, timeout, region);
        }
        return invokeEach(local, inputs, timeout);
    }

    /** {@link #dispatchEach} here: the frame's slots taken at once, each call metered and counted as one. */
    private List<Outcome> invokeEach(Target target, List<Input> inputs, Duration timeout) {
        FunctionSpec spec = target.spec();
        Duration limit = timeout.compareTo(spec.timeout()) < 0 ? timeout : spec.timeout();
        AppRuntime runtime = target.runtime();
        long start = System.nanoTime();
        List<Outcome> outcomes;
        FunctionGate gate = runtime.gate(spec.name());
        try {
            gate.enter(spec.name(), inputs.size(), start + TimeUnit.DAYS.toNanos(1));
            try {
                outcomes = runEach(runtime, spec, inputs, limit, start);
            } finally {
                gate.leave(inputs.size());
                runtime.touch();
            }
        } catch (SkyfnException e) {
            outcomes = inputs.stream().map(i -> failed(i.invocationId(), e.code(), e.getMessage(), false, start)).toList();
        }
        NodeMetrics.FunctionMeters meters = runtimes.metrics().function(runtime.key(), spec.name());
        outcomes.forEach(o -> meters.record(o.durationNanos(), o.ok() ? null : o.error().code().name()));
        return outcomes;
    }

    private List<Outcome> runEach(AppRuntime runtime, FunctionSpec spec, List<Input> inputs, Duration limit, long start) {
        long waited = System.nanoTime() - start; // for a slot: not billed
        AppRuntime.Lease lease = runtime.acquire(start + limit.toNanos());
        Sandbox.Seat seat = lease.seat();
        List<Message.Item> items = inputs.stream().map(i -> new Message.Item(0, i.invocationId(), i.payload(), "")).toList();
        List<Sandbox.Call> calls = seat.sandbox().callEach(seat.slot(), spec.name(), limit.toMillis(), items,
                System.nanoTime() + limit.toNanos());
        // each outcome made as its answer comes, so that its duration is its own, not the frame's
        List<CompletableFuture<Outcome>> answers = new ArrayList<>(calls.size());
        for (int i = 0; i < calls.size(); i++) {
            String invocationId = inputs.get(i).invocationId();
            Running here = register(runtime.key(), spec, invocationId, seat.sandbox(), calls.get(i));
            answers.add(calls.get(i).answer().handle((answer, error) -> {
                unregister(invocationId, here);
                return outcome(answer, error, invocationId, limit, lease.cold(), start);
            }));
        }
        List<Outcome> outcomes = new ArrayList<>(answers.size());
        for (int i = 0; i < answers.size(); i++) {
            Outcome o = answers.get(i).join();
            outcomes.add(o);
            meter.invoked(runtime.key(), spec, inputs.get(i).payload(), o, o.durationNanos() - waited, false);
        }
        return outcomes;
    }

    /** Notes a call running in a sandbox here: listed by {@link #running}, and stopped by {@link #cancel} if its function is idempotent. */
    private Running register(AppKey app, FunctionSpec spec, String invocationId, Sandbox sandbox, Sandbox.Call call) {
        var here = new Running(sandbox, call, app, spec.name(), System.currentTimeMillis(), spec.idempotent());
        running.put(invocationId, here);
        return here;
    }

    private void unregister(String invocationId, Running here) {
        running.remove(invocationId, here);
    }

    /** A call running in a sandbox here; {@code stoppable}: its function is idempotent, the only kind hedged. */
    private record Running(Sandbox sandbox, Sandbox.Call call, AppKey app, String function, long startedMillis, boolean stoppable) {
    }

    /**
     * A call running in a sandbox of this node now (one waiting for a concurrency slot or a sandbox
     * is not yet): its app, function, invocation id and when it got its sandbox (epoch ms).
     */
    public record Live(AppKey app, String function, String invocationId, long startedMillis) {
    }

    /** The calls of the apps {@code shown} accepts running here now, the longest running first. */
    public List<Live> running(java.util.function.Predicate<AppKey> shown) {
        List<Live> live = new ArrayList<>();
        running.forEach((id, r) -> {
            if (shown.test(r.app())) {
                live.add(new Live(r.app(), r.function(), id, r.startedMillis()));
            }
        });
        live.sort(java.util.Comparator.comparingLong(Live::startedMillis).thenComparing(Live::invocationId));
        return live;
    }

    /**
     * Stops the call of {@code invocationId} running in a sandbox here, if one is: the sandbox
     * interrupts its handler, its slot is freed, and it answers CANCELLED saying {@code why}
     * to a caller that no longer waits (a hedged call's losing copy). A call still waiting for a
     * slot, or ended, is left alone. Whether one was stopped.
     */
    public boolean cancel(String invocationId, String why) {
        Running r = running.get(invocationId);
        if (r == null || !r.stoppable()) {
            return false;
        }
        r.sandbox().cancel(r.call(), new Message.Failure(r.call().id(), ErrorCode.CANCELLED.name(), "stopped: " + why, ""));
        return true;
    }

    /** The outcome of a call whose answer future completed with {@code answer}, or failed with {@code error}. */
    private static Outcome outcome(Message answer, Throwable error, String invocationId, Duration limit, boolean cold, long start) {
        return error == null ? outcome(answer, invocationId, limit, cold, start)
                : failed(invocationId, ErrorCode.INTERNAL, "the call failed: " + error, cold, start);
    }

    private static Outcome outcome(Message answer, String invocationId, Duration limit, boolean cold, long start) {
        return switch (answer) {
            case Message.Result r -> new Outcome(invocationId, r.payload(), null, cold, System.nanoTime() - start, null, r.spent());
            case Message.Failure f when f.code().equals(Sandbox.TIMED_OUT) -> failed(invocationId, ErrorCode.FUNCTION_TIMEOUT,
                    "the function did not finish within its timeout of " + Durations.format(limit), cold, start);
            case Message.Failure f -> new Outcome(invocationId, null,
                    new Outcome.Error(ErrorCode.parse(f.code()), f.message(), f.type()), cold, System.nanoTime() - start, null, f.spent());
            default -> failed(invocationId, ErrorCode.INTERNAL, "unexpected answer " + answer, cold, start);
        };
    }

    /**
     * An invocation whose caller does not wait on a thread. When the function's sandbox is warm and
     * a slot is free, the call goes straight to it and the answer is handled by whoever completes
     * it; otherwise (a load, a queue) it runs on a thread of its own like any invocation.
     */
    public CompletableFuture<Outcome> invokeAsync(Target target, Payload input, String invocationId, boolean bounded, Duration timeout) {
        FunctionSpec spec = target.spec();
        AppRuntime runtime = target.runtime();
        Sandbox.Seat warm = runtime.warmSeat();
        FunctionGate gate = runtime.gate(spec.name());
        if (warm == null || !gate.tryEnter()) {
            return CompletableFuture.supplyAsync(Context.current().wrapSupplier(() -> invoke(target, input, invocationId, bounded, timeout)),
                    Thread.ofVirtual()::start);
        }
        Duration limit = timeout.compareTo(spec.timeout()) < 0 ? timeout : spec.timeout();
        long start = System.nanoTime();
        Span span = startSpan(target, invocationId);
        String traceparent = Tracing.traceparent(span);
        Sandbox.Call call = warm.sandbox().call(id -> new Message.Invoke(id, warm.slot(), spec.name(), invocationId, limit.toMillis(), input,
                traceparent), start + limit.toNanos(), invocationId);
        Running here = register(runtime.key(), spec, invocationId, warm.sandbox(), call);
        NodeMetrics.FunctionMeters meters = runtimes.metrics().function(runtime.key(), spec.name());
        return call.answer().handle((answer, error) -> {
            unregister(invocationId, here);
            gate.leave();
            runtime.touch();
            Outcome o = outcome(answer, error, invocationId, limit, false, start);
            meters.record(o.durationNanos(), o.ok() ? null : o.error().code().name());
            meter.invoked(runtime.key(), spec, input, o, o.durationNanos(), acrossClouds.contains(invocationId));
            return ended(span, o);
        });
    }

    /**
     * A call from a function in {@code caller} to a function of another app of the same tenant
     * (SAND's local bus): run like any invocation, on a thread of its own, and answered to the caller.
     */
    void callFromSandbox(String tenant, Sandbox caller, Message.Call call) {
        // under the span of the calling invocation, as the sandbox passed it on: one the node gave it
        String traceparent = tracing.on() ? caller.vouched(call.traceparent()) : "";
        if (traceparent.isEmpty()) {
            callUnderCaller(tenant, caller, call);
            return;
        }
        try (Scope ignored = tracing.extract(traceparent).makeCurrent()) {
            callUnderCaller(tenant, caller, call);
        }
    }

    private void callUnderCaller(String tenant, Sandbox caller, Message.Call call) {
        AppKey key = new AppKey(tenant, call.app());
        Dispatch remote = elsewhere;
        if (remote != null && !serves(key)) {
            Thread.ofVirtual().start(Context.current().wrap(() -> answer(caller, call, callRemote(remote, key, call))));
            return;
        }
        Target target;
        try {
            target = resolve(new AppKey(tenant, call.app()), call.function());
        } catch (SkyfnException e) {
            caller.answer(new Message.Failure(call.id(), e.code().name(), e.getMessage(), ""));
            return;
        }
        runtimes.metrics().callBetweenApps(key, false);
        invokeAsync(target, call.payload(), call.invocationId(), true, Duration.ofMillis(call.timeoutMillis()))
                .thenAccept(o -> answer(caller, call, o));
        direct.offer(caller, target.runtime());
    }

    private static Outcome callRemote(Dispatch remote, AppKey key, Message.Call call) {
        long start = System.nanoTime();
        try {
            return remote.dispatch(remote.resolve(key, call.function()), call.payload(), call.invocationId(), true,
                    Duration.ofMillis(call.timeoutMillis()), null);
        } catch (SkyfnException e) {
            return failed(call.invocationId(), e.code(), e.getMessage(), false, start);
        }
    }

    private static void answer(Sandbox caller, Message.Call call, Outcome o) {
        caller.answer(o.ok() ? new Message.Result(call.id(), o.payload())
                : new Message.Failure(call.id(), o.error().code().name(), o.error().message(), o.error().type()));
    }

    private static Outcome failed(String invocationId, ErrorCode code, String message, boolean cold, long start) {
        return new Outcome(invocationId, null, new Outcome.Error(code, message, ""), cold, System.nanoTime() - start);
    }
}
