package dev.skyfn.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.skyfn.api.FunctionCallException;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.wire.FrameChannel;
import dev.skyfn.core.wire.Message;
import dev.skyfn.core.wire.Payload;
import dev.skyfn.core.wire.ProtocolException;
import dev.skyfn.core.workflow.Definition;
import dev.skyfn.core.workflow.DefinitionReader;
import dev.skyfn.core.workflow.Interpreter;
import dev.skyfn.core.workflow.StepRecord;
import dev.skyfn.core.workflow.WorkflowError;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * The sandbox's side of the protocol: loads an app into each slot the node names (apps of one
 * tenant, each with its own class loader), runs each invocation as a grain instance on a virtual
 * thread, answers, and asks to be replaced when something broke it. Calls between an app's
 * functions stay in here; calls to other apps go to the node.
 */
final class SandboxRuntime {

    /** How long an unloaded app still answers requests that crossed its UNLOAD on the way; then it is dropped. */
    static final Duration UNLOAD_GRACE = Duration.ofSeconds(10);

    /** How long a timed-out grain may go on before the sandbox asks to be replaced. */
    static final Duration CANCEL_GRACE = Duration.ofSeconds(2);

    private final FrameChannel channel;
    private final PrintStream diagnostics;
    private final LogShipper shipper;
    private final OutputCapture capture;
    private final ClassLoader apiLoader = new ApiOnlyLoader(SandboxRuntime.class.getClassLoader());
    private final Map<Long, Thread> running = new ConcurrentHashMap<>();
    private final Set<Long> cancelled = ConcurrentHashMap.newKeySet();
    private final Map<Long, CompletableFuture<Message>> outgoing = new ConcurrentHashMap<>();
    private final AtomicLong outgoingIds = new AtomicLong();
    private final AtomicBoolean retiring = new AtomicBoolean();
    private final LocalDeadlines deadlines;
    private final Map<Integer, LoadedApp> apps = new ConcurrentHashMap<>();
    /** Apps unloaded less than {@link #UNLOAD_GRACE} ago: a request the node sent before it unloaded one may still come. */
    private final Map<Integer, LoadedApp> unloaded = new ConcurrentHashMap<>();

    /** Routes to other sandboxes of the tenant, and this sandbox's own socket for their calls; null when the node gave none. */
    private final PeerRoutes peers;
    private final PeerListener door;
    /** The direct calls each slot runs, as the node hears of them; null when this sandbox takes none. */
    private final DirectConcurrency directLoad;

    SandboxRuntime(FrameChannel channel, PrintStream diagnostics) {
        this(channel, diagnostics, null, null);
    }

    SandboxRuntime(FrameChannel channel, PrintStream diagnostics, PeerRoutes peers, PeerListener door) {
        WorkCounter.install(); // before any app's code runs: no app may take where counts go
        this.channel = channel;
        this.peers = peers;
        this.door = door;
        this.directLoad = door == null && peers == null ? null : new DirectConcurrency(channel::send);
        if (door != null) {
            door.serve(this::invokeDirect);
        }
        if (peers != null) {
            peers.here(this::invokeDirect);
        }
        this.diagnostics = diagnostics;
        this.shipper = new LogShipper(channel);
        this.capture = new OutputCapture(shipper);
        this.deadlines = LocalDeadlines.started(CANCEL_GRACE,
                id -> retire(ErrorCode.FUNCTION_TIMEOUT, "invocation " + id + " did not stop once cancelled (at its timeout, or by its caller)"));
    }

    LogShipper shipper() {
        return shipper;
    }

    OutputCapture capture() {
        return capture;
    }

    void installCapture() {
        capture.install();
    }

    /** The node closed the channel and the sandbox ends: answers to direct calls still queued are written first. */
    void ending() {
        if (door != null) {
            door.flush();
        }
    }

    /** Stops the log shipper; for a runtime whose channel is closed (the warm-up's). */
    void close() {
        shipper.close();
    }

    void handle(Message message) {
        switch (message) {
            case Message.Load load -> Thread.ofVirtual().name("skyfn-load").start(() -> load(load));
            case Message.Unload unload -> unload(unload.slot());
            case Message.Invoke invoke -> invoke(invoke);
            // each item as the INVOKE of its id: the frame saves crossings, not the calls' own bookkeeping
            case Message.InvokeEach each -> each.items().forEach(i -> invoke(new Message.Invoke(i.id(), each.slot(), each.function(),
                    i.invocationId(), each.timeoutMillis(), i.payload(), i.traceparent())));
            case Message.Run run -> run(run);
            case Message.Cancel cancel -> cancel(cancel.id());
            case Message.Result r -> answered(r.id(), r);
            case Message.Failure f -> answered(f.id(), f);
            case Message.Admit admit -> admit(admit);
            case Message.Route route -> {
                if (peers != null) {
                    peers.route(route);
                }
            }
            case Message.Revoke revoke -> {
                Runnable drained = () -> channel.send(new Message.Result(revoke.id(), Payload.EMPTY));
                if (door == null) {
                    drained.run();
                } else {
                    door.revoke(drained);
                }
            }
            default -> throw new ProtocolException("a node does not send " + message.getClass().getSimpleName());
        }
    }

    private void admit(Message.Admit admit) {
        if (door == null) {
            channel.send(new Message.Failure(admit.id(), ErrorCode.UNAVAILABLE.name(), "this sandbox has no socket for direct calls", ""));
            return;
        }
        door.admit(admit.token());
        channel.send(new Message.Result(admit.id(), Payload.EMPTY));
    }

    private LoadedApp app(int slot) {
        LoadedApp loaded = apps.get(slot);
        return loaded != null ? loaded : unloaded.get(slot);
    }

    /** Drops an app: nothing new reaches it once requests that crossed the UNLOAD have come; its grains in flight finish. */
    private void unload(int slot) {
        LoadedApp gone = apps.remove(slot);
        if (gone != null) {
            unloaded.put(slot, gone);
            Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(UNLOAD_GRACE);
                } catch (InterruptedException e) {
                    return;
                }
                unloaded.remove(slot);
            });
        }
    }

    private void load(Message.Load load) {
        LoadedApp there = apps.get(load.slot());
        if (there != null) {
            channel.send(new Message.Failure(load.id(), ErrorCode.INTERNAL.name(), "slot " + load.slot() + " already serves "
                    + there.name(), ""));
            return;
        }
        Thread.currentThread().setContextClassLoader(apiLoader);
        // what the app's static initialisers print is the app's log
        OutputCapture.enter(load.slot(), "", "");
        Message reply;
        try {
            // the cgroup the node lowered bounds the app meanwhile: the limit need not hold up the load
            Thread.ofVirtual().name("skyfn-heap-limit-start").start(() -> HeapLimit.apply(load.heapMb(), this::outgrewHeap));
            long opening = System.nanoTime();
            var loader = new AppClassLoader(load.app(), Path.of(load.jarPath()), apiLoader, load.env(), load.countsWork());
            Thread.currentThread().setContextClassLoader(loader);
            long initializing = System.nanoTime();
            var codec = new Codec(load.maxResultBytes());
            Map<String, GrainWorker> workers = new LinkedHashMap<>();
            Map<String, Long> timeouts = new LinkedHashMap<>();
            for (Message.HandlerRef f : load.functions()) {
                workers.put(f.function(), GrainWorker.load(f, load.app(), load.version(), load.region(), loader, codec));
                timeouts.put(f.function(), f.timeoutMillis());
            }
            long initialized = System.nanoTime();
            Map<String, Definition> workflows = new LinkedHashMap<>();
            for (Message.WorkflowRef w : load.workflows()) {
                workflows.put(w.workflow(), DefinitionReader.read(Codec.readJson(w.json().getBytes(StandardCharsets.UTF_8)), workers.keySet()));
            }
            int slot = load.slot();
            var data = new DataClient(slot, this::request);
            // the app's own calls reach it through its services even once it is unloaded: its calls in flight finish
            var self = new AtomicReference<LoadedApp>();
            var services = new Services(shipper.forSlot(slot), (target, input, invocationId, timeoutMillis, traceparent) ->
                    call(self.get(), target, input, invocationId, timeoutMillis, false, traceparent), codec, new SandboxState(data), data);
            self.set(new LoadedApp(slot, load.app(), load.version(), loader, codec, Map.copyOf(workers), Map.copyOf(timeouts),
                    Map.copyOf(workflows), services));
            apps.put(slot, self.get());
            // how long its parts took, for the node's cold-start span
            reply = new Message.Result(load.id(), Payload.json(("{\"jarNanos\":" + (initializing - opening) + ",\"initNanos\":"
                    + (initialized - initializing) + "}").getBytes(StandardCharsets.UTF_8)));
        } catch (SkyfnException e) {
            reply = new Message.Failure(load.id(), e.code().name(), e.getMessage(), "");
        } catch (IOException e) {
            reply = new Message.Failure(load.id(), ErrorCode.APP_LOAD_FAILED.name(), "cannot open the app's jar: " + e, "");
        } catch (Throwable e) {
            reply = new Message.Failure(load.id(), ErrorCode.APP_LOAD_FAILED.name(), "loading the app failed: " + Thrown.describe(e), e.getClass().getName());
        } finally {
            capture.leave();
        }
        shipper.flush();
        channel.send(reply);
    }

    private void invoke(Message.Invoke invoke) {
        LoadedApp loaded = app(invoke.slot());
        GrainWorker worker = loaded == null ? null : loaded.workers().get(invoke.function());
        if (worker == null) {
            channel.send(new Message.Failure(invoke.id(), ErrorCode.FUNCTION_NOT_FOUND.name(),
                    "this sandbox has no function " + invoke.function(), ""));
            return;
        }
        long id = invoke.id();
        Thread grain = new GrainInstance(this, loaded, invoke.function(), invoke.invocationId(), invoke.traceparent(),
                invoke.timeoutMillis(), ctx -> worker.run(invoke.payload(), ctx), () -> cancelled.contains(id),
                ending -> finished(id, switch (ending) {
                    case GrainInstance.Ending.Returned r -> new Message.Result(id, (Payload) r.value(), r.spent());
                    case GrainInstance.Ending.Failed f -> new Message.Failure(id, f.code(), f.message(), f.type(), f.spent());
                })).thread();
        running.put(id, grain);
        grain.start();
    }

    private void run(Message.Run run) {
        LoadedApp loaded = app(run.slot());
        Definition definition = loaded == null ? null : loaded.workflows().get(run.workflow());
        if (definition == null) {
            channel.send(new Message.Failure(run.id(), ErrorCode.WORKFLOW_NOT_FOUND.name(),
                    "this sandbox has no workflow " + run.workflow(), ""));
            return;
        }
        long id = run.id();
        Thread execution = Thread.ofVirtual().name("skyfn-execution-" + run.executionId())
                .unstarted(() -> finished(id, execute(loaded, definition, run)));
        running.put(id, execution);
        execution.start();
    }

    /** Runs an execution to its end; its steps go to the node as they happen, before the answer. */
    private Message execute(LoadedApp loaded, Definition definition, Message.Run run) {
        Map<String, StepRecord> memo = new HashMap<>();
        run.memo().forEach(step -> memo.put(step.key(), step));
        var execution = new WorkflowRun(run.executionId(),
                (target, input, invocationId, timeoutMillis, traceparent) -> call(loaded, target, input, invocationId, timeoutMillis, true,
                        traceparent), loaded.codec(),
                new Blobs(loaded.services().data(), run.executionId()), memo,
                step -> channel.send(new Message.Progress(loaded.slot(), run.executionId(), step)));
        try {
            JsonNode input = run.input().length == 0 ? JsonNodeFactory.instance.objectNode() : Codec.readJson(run.input());
            JsonNode result = Interpreter.run(definition, run.workflow(), input, run.executionId(), execution);
            execution.flush();
            Blobs.Stored output = execution.store(result);
            return new Message.Result(run.id(), output.blob() == null ? Payload.json(output.inline())
                    : new Payload.Body(StepRecord.BLOB_TYPE, output.blob().getBytes(StandardCharsets.UTF_8)));
        } catch (WorkflowError e) {
            try {
                execution.flush();
            } catch (WorkflowError | InterruptedException alsoFailed) {
                // the execution's own error is the one to report
            }
            return new Message.Failure(run.id(), ErrorCode.EXECUTION_FAILED.name(), e.cause(), e.error());
        } catch (InterruptedException e) {
            return new Message.Failure(run.id(), ErrorCode.FUNCTION_TIMEOUT.name(), "the execution was cancelled", "");
        } catch (RuntimeException e) {
            return new Message.Failure(run.id(), ErrorCode.EXECUTION_FAILED.name(), "the execution broke: " + e, WorkflowError.RUNTIME);
        } finally {
            execution.close();
        }
    }

    /**
     * A call from a function of {@code loaded}: to another of its functions, run here on a new
     * grain instance with the input object itself; to another app's, sent to the node.
     */
    private CompletableFuture<Object> call(LoadedApp loaded, String target, Object input, String invocationId, long timeoutMillis,
                                           boolean step, String traceparent) {
        int slash = target.indexOf('/');
        if (slash < 0 || target.substring(0, slash).equals(loaded.name())) {
            return callLocal(loaded, target.substring(slash + 1), input, invocationId, timeoutMillis, step, traceparent);
        }
        Payload payload;
        try {
            payload = loaded.codec().asPayload(input, Codec.Sent.INPUT);
        } catch (SkyfnException e) {
            return CompletableFuture.failedFuture(new FunctionCallException(e.code().name(), e.getMessage(), ""));
        }
        String app = target.substring(0, slash);
        String function = target.substring(slash + 1);
        LongFunction<Message> viaNode = id -> new Message.Call(id, loaded.slot(), app, function, invocationId, timeoutMillis, payload,
                traceparent);
        CompletableFuture<Message> direct = peers == null ? null : peers.call(app, function, invocationId, timeoutMillis, payload, traceparent);
        CompletableFuture<Message> answered = direct == null ? request(viaNode) : direct.thenCompose(answer ->
                answer instanceof Message.Failure f && f.code().equals(Message.REROUTE) ? request(viaNode)
                        : CompletableFuture.completedFuture(answer));
        return answered.thenApply(answer -> switch (answer) {
                    case Message.Result r -> r.payload();
                    case Message.Failure f -> throw new FunctionCallException(f.code(), f.message(), f.type());
                    default -> throw new ProtocolException("a node does not answer with " + answer);
                });
    }

    /**
     * Sends a request of the sandbox's own to the node (a call, a data operation); the future holds
     * the node's Result or Failure. Written by the calling grain itself when it can be: it waits on
     * the answer and gains nothing from batching.
     */
    private CompletableFuture<Message> request(LongFunction<Message> build) {
        long id = outgoingIds.incrementAndGet();
        var answer = new CompletableFuture<Message>();
        outgoing.put(id, answer);
        if (!channel.sendNow(build.apply(id))) {
            outgoing.remove(id);
            answer.complete(new Message.Failure(id, ErrorCode.UNAVAILABLE.name(), "the node is gone", ""));
        }
        return answer;
    }

    /**
     * Runs a function of {@code loaded} on a new grain instance here; when it ends, tells the node
     * how long it ran and how it ended ({@link Message.Usage}), for its meter.
     */
    private CompletableFuture<Object> callLocal(LoadedApp loaded, String function, Object input, String invocationId,
                                                long timeoutMillis, boolean step, String traceparent) {
        GrainWorker worker = loaded.workers().get(function);
        if (worker == null) {
            return CompletableFuture.failedFuture(new FunctionCallException(ErrorCode.FUNCTION_NOT_FOUND.name(),
                    "app " + loaded.name() + " has no function " + function, ""));
        }
        long timeout = Math.min(timeoutMillis, loaded.timeoutsMillis().get(function));
        var result = new CompletableFuture<Object>();
        long began = System.nanoTime();
        Thread grain = new GrainInstance(this, loaded, function, invocationId, traceparent, timeout,
                ctx -> worker.call(input, ctx), () -> result.isCompletedExceptionally(), ending -> {
                    String outcome = ending instanceof GrainInstance.Ending.Failed f ? f.code() : "ok";
                    // in the caller's trace: the node makes the call's span from it
                    channel.send(new Message.Usage(loaded.slot(), function, invocationId, step, System.nanoTime() - began, outcome,
                            ending.spent(), traceparent));
                    switch (ending) {
                        case GrainInstance.Ending.Returned r -> result.complete(r.value());
                        case GrainInstance.Ending.Failed f ->
                                result.completeExceptionally(new FunctionCallException(f.code(), f.message(), f.type()));
                    }
                }).thread();
        deadlines.watch(LocalDeadlines.deadline(timeout), grain, result, invocationId);
        result.whenComplete((value, failure) -> {
            if (failure instanceof CancellationException) {
                grain.interrupt();
            }
        });
        grain.start();
        return result;
    }

    /**
     * A call from another sandbox of the tenant, straight to an app here ({@link PeerListener}), or
     * from another app in this sandbox, routed here by the node ({@link PeerRoutes}):
     * run as the node's Invoke would be, answered to {@code caller}, and told to the node as a
     * {@link Message.Usage} for its meter, as a call between an app's own functions is. A slot that
     * holds no app (it left) is answered REROUTE, and the caller asks its node.
     */
    private void invokeDirect(Message.Invoke invoke, java.util.function.Consumer<Message> caller, Runnable ended) {
        LoadedApp loaded = apps.get(invoke.slot());
        GrainWorker worker = loaded == null ? null : loaded.workers().get(invoke.function());
        if (worker == null) {
            caller.accept(loaded == null ? new Message.Failure(invoke.id(), Message.REROUTE, "no app in slot " + invoke.slot(), "")
                    : new Message.Failure(invoke.id(), ErrorCode.FUNCTION_NOT_FOUND.name(), "app " + loaded.name() + " has no function "
                            + invoke.function(), ""));
            ended.run();
            return;
        }
        String function = invoke.function();
        long timeout = Math.min(invoke.timeoutMillis(), loaded.timeoutsMillis().get(function));
        var result = new CompletableFuture<Object>();
        var spent = new AtomicReference<dev.skyfn.core.wire.Spent>(dev.skyfn.core.wire.Spent.UNKNOWN);
        long began = System.nanoTime();
        Thread grain = new GrainInstance(this, loaded, function, invoke.invocationId(), invoke.traceparent(), timeout,
                ctx -> worker.run(invoke.payload(), ctx), result::isCompletedExceptionally, ending -> {
                    spent.set(ending.spent());
                    long nanos = System.nanoTime() - began;
                    // answered first (written by this thread), metered after: the node's frame is queued, off the caller's path
                    // the answer's bytes when it is the one sent: not when the deadline answered first
                    long bytesOut = switch (ending) {
                        case GrainInstance.Ending.Returned r ->
                                result.complete(r.value()) && r.value() instanceof Payload p ? p.bodyLength() : 0;
                        case GrainInstance.Ending.Failed f -> {
                            result.completeExceptionally(new FunctionCallException(f.code(), f.message(), f.type()));
                            yield 0;
                        }
                    };
                    String outcome = ending instanceof GrainInstance.Ending.Failed f ? f.code() : "ok";
                    channel.send(new Message.Usage(loaded.slot(), function, invoke.invocationId(), false, nanos, outcome, ending.spent(),
                            invoke.traceparent(), true, invoke.payload().bodyLength(), bytesOut));
                    directLoad.ended(loaded.slot());
                    // ended once metered: a revoke answered now reaches the node after this usage, never before it
                    ended.run();
                }).thread();
        deadlines.watch(LocalDeadlines.deadline(timeout), grain, result, invoke.invocationId());
        result.whenComplete((value, failure) -> {
            Throwable cause = failure instanceof java.util.concurrent.CompletionException c && c.getCause() != null ? c.getCause() : failure;
            caller.accept(failure == null ? new Message.Result(invoke.id(), (Payload) value, spent.get())
                    : cause instanceof FunctionCallException f ? new Message.Failure(invoke.id(), f.code(), f.getMessage(), f.type(), spent.get())
                    : new Message.Failure(invoke.id(), ErrorCode.INTERNAL.name(), "the call failed: " + cause, "", spent.get()));
        });
        // counted from here: the grain's ending, which uncounts it, runs once it has started
        directLoad.started(loaded.slot());
        try {
            grain.start();
        } catch (RuntimeException | OutOfMemoryError e) {
            directLoad.ended(loaded.slot());
            result.completeExceptionally(new FunctionCallException(ErrorCode.INTERNAL.name(), "the call could not start: " + e, ""));
            ended.run();
        }
    }

    private void answered(long id, Message answer) {
        CompletableFuture<Message> request = outgoing.remove(id);
        if (request == null) {
            throw new ProtocolException("an answer to request " + id + ", which is not waiting");
        }
        request.complete(answer);
    }

    /**
     * Interrupts the invocation {@code id} if it still runs. Atomic with its end ({@link #finished}):
     * once an invocation has left {@code running} it is never interrupted, so a cancel that crosses
     * its answer cannot interrupt the thread writing that answer (which would close the socket).
     */
    private void cancel(long id) {
        running.computeIfPresent(id, (key, grain) -> {
            cancelled.add(id);
            grain.interrupt();
            return grain;
        });
    }

    private void finished(long id, Message reply) {
        cancelled.remove(id);
        if (running.remove(id) != null) { // else it was answered already: its app outgrew its heap
            channel.sendNow(reply); // an interrupt that came before is left for the writer thread to honour, not this one
        }
    }

    /**
     * The apps here outgrew the heap the node gave them ({@link HeapLimit}): every call in flight
     * fails as {@code OutOfMemoryError} would have failed it, the node is asked to replace the
     * sandbox, and the process ends, its frames and logs sent first.
     */
    private void outgrewHeap(String reason) {
        String message = reason + "; raise 'memory' in skyfn.yaml or use less";
        diagnostics.println("skyfn sandbox: " + message);
        shipper.flush();
        // asked to be replaced before any caller hears of the failure: a caller's next call must not come back here
        retire(ErrorCode.FUNCTION_OUT_OF_MEMORY, message);
        for (Long id : Set.copyOf(running.keySet())) {
            if (running.remove(id) != null) {
                channel.send(new Message.Failure(id, ErrorCode.FUNCTION_OUT_OF_MEMORY.name(), message, OutOfMemoryError.class.getName()));
            }
        }
        try {
            channel.drainNow();
        } catch (IOException e) {
            diagnostics.println("skyfn sandbox: could not tell the node: " + e);
        }
        Runtime.getRuntime().halt(SandboxMain.EXIT_OUTGREW_HEAP);
    }

    /** Asks the node, once, to replace this sandbox; invocations in flight still finish. */
    void retire(ErrorCode code, String reason) {
        if (retiring.compareAndSet(false, true)) {
            diagnostics.println("skyfn sandbox: asking to be replaced: " + reason);
            channel.send(new Message.Retire(code.name(), reason));
        }
    }
}
