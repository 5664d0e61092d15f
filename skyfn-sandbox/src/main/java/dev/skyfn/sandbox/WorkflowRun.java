package dev.skyfn.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.api.DataException;
import dev.skyfn.api.FunctionCallException;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.workflow.Interpreter;
import dev.skyfn.core.workflow.Step;
import dev.skyfn.core.workflow.StepRecord;
import dev.skyfn.core.workflow.WorkflowError;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * One workflow execution as it runs in the app's sandbox: Tasks of the app's own functions are
 * handed to a new grain instance here (SAND's local shortcut), those of other apps go through the
 * node; every step is reported to the node, which backs it up. Large values stay objects in here
 * and reach the node's backup as blobs.
 */
final class WorkflowRun implements Interpreter.Runtime {

    private static final Blobs.Stored NOTHING = new Blobs.Stored(null, null);

    private final String executionId;
    private final FunctionCaller caller;
    private final Codec codec;
    private final Blobs blobs;
    private final Map<String, StepRecord> memo;
    private final Consumer<StepRecord> progress;
    /** Values already moved to a blob, by identity, so that passing one on does not store it again. */
    private final Map<JsonNode, String> stored = new IdentityHashMap<>();
    /** Backs up the outcomes of steps, one at a time in the order they came. */
    private final ExecutorService backup = new ThreadPoolExecutor(0, 1, 100, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
            Thread.ofVirtual().name("skyfn-backup").factory()); // no thread while nothing is to be backed up
    private final Queue<Future<?>> pending = new ConcurrentLinkedQueue<>();

    WorkflowRun(String executionId, FunctionCaller caller, Codec codec, Blobs blobs, Map<String, StepRecord> memo,
                Consumer<StepRecord> progress) {
        this.executionId = executionId;
        this.caller = caller;
        this.codec = codec;
        this.blobs = blobs;
        this.memo = memo;
        this.progress = progress;
    }

    @Override
    public JsonNode task(String resource, JsonNode input, Duration timeout, String idempotencyKey) throws InterruptedException {
        long millis = timeout == null ? Long.MAX_VALUE / 4 : timeout.toMillis();
        // the key doubles as the task's invocation id, where dots would read as calls nesting
        CompletableFuture<Object> call = caller.call(resource, input, idempotencyKey.replace('.', '_'), millis, "");
        try {
            return codec.toJson(call.get());
        } catch (InterruptedException e) {
            call.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            throw error(resource, e.getCause());
        } catch (SkyfnException e) {
            throw new WorkflowError(e.code().name(), resource + ": " + e.getMessage());
        }
    }

    /** A task's failure under its States Language name: the exception type it threw, else skyfn's code. */
    private static WorkflowError error(String resource, Throwable failure) {
        if (failure instanceof FunctionCallException f) {
            if (f.code().equals(ErrorCode.FUNCTION_TIMEOUT.name())) {
                return new WorkflowError(WorkflowError.TIMEOUT, resource + ": " + f.getMessage());
            }
            boolean thrown = f.code().equals(ErrorCode.FUNCTION_ERROR.name()) && !f.type().isEmpty();
            return new WorkflowError(thrown ? f.type() : f.code(), f.getMessage());
        }
        return new WorkflowError(ErrorCode.INTERNAL.name(), resource + ": " + failure);
    }

    @Override
    public Instant now() {
        return Instant.now();
    }

    @Override
    public void sleepUntil(Instant until) throws InterruptedException {
        long millis = Duration.between(Instant.now(), until).toMillis();
        if (millis > 0) {
            Thread.sleep(millis);
        }
    }

    @Override
    public void record(Step step) {
        if (step.data() == null || step.phase() == Step.Phase.ENTERED) {
            ship(step, step.data() == null ? NOTHING : shown(step.data()));
        } else if (small(step.data(), new int[]{SMALL_NODES}, new int[]{SMALL_BYTES})) {
            ship(step, store(step.data()));
        } else {
            // an outcome's value may be large: it is written while the execution goes on to its next step
            pending.add(backup.submit(() -> ship(step, store(step.data()))));
        }
    }

    private static final int SMALL_NODES = 64;
    private static final int SMALL_BYTES = 4096;

    /** Whether a value is surely small, from a look at no more than a few of its nodes. */
    private static boolean small(JsonNode value, int[] nodesLeft, int[] bytesLeft) {
        if (--nodesLeft[0] < 0) {
            return false;
        }
        if (value.isTextual()) {
            bytesLeft[0] -= value.textValue().length();
        } else if (value.isBinary()) {
            bytesLeft[0] -= ((com.fasterxml.jackson.databind.node.BinaryNode) value).binaryValue().length;
        }
        if (bytesLeft[0] < 0) {
            return false;
        }
        for (JsonNode child : value) {
            if (!small(child, nodesLeft, bytesLeft)) {
                return false;
            }
        }
        return true;
    }

    private void ship(Step step, Blobs.Stored data) {
        progress.accept(new StepRecord(step.key(), step.state(), step.type(), step.phase(),
                ChronoUnit.MICROS.between(Instant.EPOCH, step.at()), data.inline(), data.blob(), step.error(), step.cause(),
                step.attempt()));
    }

    /** Waits until every step recorded so far has gone to the node; the first failure to back one up ends the execution. */
    void flush() throws InterruptedException {
        for (Future<?> f; (f = pending.poll()) != null; ) {
            try {
                f.get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof WorkflowError w ? w
                        : new WorkflowError(WorkflowError.RUNTIME, "a step could not be backed up: " + e.getCause());
            }
        }
    }

    /** Stops backing up: the run is over, one way or another. */
    void close() {
        backup.shutdownNow();
    }

    /**
     * A step's input, for its history only (a resumed run computes it again): inline when small, by
     * reference when it is a value already stored, else left out rather than written again.
     */
    private Blobs.Stored shown(JsonNode value) {
        synchronized (stored) {
            String blob = stored.get(value);
            if (blob != null) {
                return new Blobs.Stored(null, blob);
            }
        }
        var out = new Bounded();
        try {
            Codec.writeJson(value, out);
            return new Blobs.Stored(out.bytes.toByteArray(), null);
        } catch (IOException tooLarge) {
            return NOTHING;
        }
    }

    /** Fails past {@link StepRecord#INLINE_BYTES}. */
    private static final class Bounded extends OutputStream {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (bytes.size() + len > StepRecord.INLINE_BYTES) {
                throw new IOException("larger than a step record holds");
            }
            bytes.write(b, off, len);
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[]{(byte) b}, 0, 1);
        }
    }

    /** A value as JSON bytes, or in a blob when it is large. */
    Blobs.Stored store(JsonNode value) {
        String blob;
        synchronized (stored) {
            blob = stored.get(value);
        }
        if (blob != null) {
            return new Blobs.Stored(null, blob);
        }
        Blobs.Writer out = blobs.writer();
        try {
            Codec.writeJson(value, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Blobs.Stored result;
        try {
            result = out.stored();
        } catch (DataException e) {
            throw new WorkflowError(e.code(), "cannot back up a value of the execution: " + e.getMessage());
        }
        if (result.blob() != null) {
            synchronized (stored) {
                stored.put(value, result.blob());
            }
        }
        return result;
    }

    @Override
    public Optional<Step> recorded(String key) {
        StepRecord r = memo.get(key);
        if (r == null) {
            return Optional.empty();
        }
        JsonNode data = r.data() == null ? null : Codec.readJson(r.data());
        if (r.inBlob()) {
            data = Codec.readJson(blobs.reader(r.blob()));
            synchronized (stored) {
                stored.put(data, r.blob());
            }
        }
        return Optional.of(new Step(r.key(), r.state(), r.type(), r.phase(), Instant.EPOCH.plus(r.atMicros(), ChronoUnit.MICROS),
                data, r.error(), r.cause(), r.attempt()));
    }

    @Override
    public Thread start(Runnable work) {
        return Thread.ofVirtual().name("skyfn-workflow-" + executionId).start(work);
    }
}
