package dev.skyfn.sandbox;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.wire.FrameChannel;
import dev.skyfn.core.wire.Message;
import dev.skyfn.core.wire.Payload;
import dev.skyfn.core.wire.ProtocolException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The sandbox's side of the protocol: loads one app, runs each invocation as a grain instance on
 * a virtual thread, answers, and asks to be replaced when something broke it.
 */
final class SandboxRuntime {

    private final FrameChannel channel;
    private final PrintStream diagnostics;
    private final LogShipper shipper;
    private final OutputCapture capture;
    private final ClassLoader apiLoader = new ApiOnlyLoader(SandboxRuntime.class.getClassLoader());
    private final Map<Long, Thread> running = new ConcurrentHashMap<>();
    private final Set<Long> cancelled = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean retiring = new AtomicBoolean();
    private volatile LoadedApp app;

    SandboxRuntime(FrameChannel channel, PrintStream diagnostics) {
        this.channel = channel;
        this.diagnostics = diagnostics;
        this.shipper = new LogShipper(channel);
        this.capture = new OutputCapture(shipper);
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

    /** Stops the log shipper; for a runtime whose channel is closed (the warm-up's). */
    void close() {
        shipper.close();
    }

    void handle(Message message) {
        switch (message) {
            case Message.Load load -> Thread.ofVirtual().name("skyfn-load").start(() -> load(load));
            case Message.Invoke invoke -> invoke(invoke);
            case Message.Cancel cancel -> cancel(cancel.id());
            default -> throw new ProtocolException("a node does not send " + message.getClass().getSimpleName());
        }
    }

    private void load(Message.Load load) {
        if (app != null) {
            channel.send(new Message.Failure(load.id(), ErrorCode.INTERNAL.name(), "this sandbox already serves " + app.name(), ""));
            return;
        }
        Thread.currentThread().setContextClassLoader(apiLoader);
        Message reply;
        try {
            var loader = new AppClassLoader(load.app(), Path.of(load.jarPath()), apiLoader);
            Thread.currentThread().setContextClassLoader(loader);
            var codec = new Codec(load.maxResultBytes());
            Map<String, GrainWorker> workers = new LinkedHashMap<>();
            for (Message.HandlerRef f : load.functions()) {
                workers.put(f.function(), GrainWorker.load(f.function(), f.handlerClass(), loader, codec, load.version()));
            }
            app = new LoadedApp(load.app(), load.version(), loader, Map.copyOf(workers));
            reply = new Message.Result(load.id(), Payload.EMPTY);
        } catch (SkyfnException e) {
            reply = new Message.Failure(load.id(), e.code().name(), e.getMessage(), "");
        } catch (IOException e) {
            reply = new Message.Failure(load.id(), ErrorCode.APP_LOAD_FAILED.name(), "cannot open the app's jar: " + e, "");
        } catch (Throwable e) {
            reply = new Message.Failure(load.id(), ErrorCode.APP_LOAD_FAILED.name(), "loading the app failed: " + e, e.getClass().getName());
        } finally {
            capture.leave();
        }
        shipper.flush();
        channel.send(reply);
    }

    private void invoke(Message.Invoke invoke) {
        LoadedApp loaded = app;
        GrainWorker worker = loaded == null ? null : loaded.workers().get(invoke.function());
        if (worker == null) {
            channel.send(new Message.Failure(invoke.id(), ErrorCode.FUNCTION_NOT_FOUND.name(),
                    "this sandbox has no function " + invoke.function(), ""));
            return;
        }
        Thread grain = Thread.ofVirtual().unstarted(new GrainInstance(this, loaded, worker, invoke));
        running.put(invoke.id(), grain);
        grain.start();
    }

    private void cancel(long id) {
        Thread grain = running.get(id);
        if (grain != null) {
            cancelled.add(id);
            grain.interrupt();
        }
    }

    boolean wasCancelled(long id) {
        return cancelled.contains(id);
    }

    void finished(long id, Message reply) {
        shipper.flush();
        running.remove(id);
        cancelled.remove(id);
        channel.send(reply);
    }

    /** Asks the node, once, to replace this sandbox; invocations in flight still finish. */
    void retire(ErrorCode code, String reason) {
        if (retiring.compareAndSet(false, true)) {
            diagnostics.println("skyfn sandbox: asking to be replaced: " + reason);
            channel.send(new Message.Retire(code.name(), reason));
        }
    }
}
