package dev.skyfn.node.workflow;

import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.workflow.Step;
import dev.skyfn.core.workflow.StepRecord;
import dev.skyfn.node.data.AppendLog;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The node's backup of workflow executions (SAND's): an execution's start, each of its steps as it
 * enters (processing) and settles (finished, with its output or the blob holding it), and its end,
 * in an append-only file forced to disk in batches. Starts and ends are on disk before anyone is
 * told of them; steps may lag a little, which at worst runs a step again after a crash.
 */
final class ExecutionLog implements AutoCloseable {

    private static final int START = 1;
    private static final int STEP = 2;
    private static final int END = 3;
    private static final int FORGET = 4;
    private static final Step.Phase[] PHASES = Step.Phase.values();
    private static final Execution.Status[] STATUSES = Execution.Status.values();

    private final AppendLog log;
    private final ExecutionBackups backups;

    private ExecutionLog(AppendLog log, ExecutionBackups backups) {
        this.log = log;
        this.backups = backups;
    }

    /** Opens the log, rebuilding into {@code executions} every execution it holds, in the order they started. */
    static ExecutionLog open(Path file, Map<String, Execution> executions) {
        return open(file, executions, ExecutionBackups.NONE);
    }

    /** {@link #open(Path, Map)}, with every record also copied to {@code backups}. */
    static ExecutionLog open(Path file, Map<String, Execution> executions, ExecutionBackups backups) {
        return new ExecutionLog(AppendLog.open(file, record -> replay(record, executions)), backups);
    }

    /** Appends an execution's start; the future completes once it is on disk and backed up. */
    CompletableFuture<Void> started(Execution e) {
        return durably(e, start(e));
    }

    /** Appends a whole execution as it is now: one taken over from another node. */
    CompletableFuture<Void> adopted(Execution e) {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        all.add(durably(e, start(e)));
        e.steps().forEach(s -> all.add(durably(e, stepRecord(e.id(), s))));
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }

    /**
     * Appends a whole execution, ended or not, to this node's own log only: one restored from the
     * copy of the log ({@link ExecutionBackups#own}), which holds it already.
     */
    void restored(Execution e) {
        log.append(start(e));
        e.steps().forEach(s -> log.append(stepRecord(e.id(), s)));
        if (e.end() != null) {
            log.append(end(e.id(), e.end()));
        }
    }

    /** Appends a step; the future completes once it is backed up (another node can then take the execution on from it). */
    CompletableFuture<Void> step(Execution e, StepRecord step) {
        byte[] record = stepRecord(e.id(), step);
        log.append(record);
        return backups.append(e.app().tenant(), record);
    }

    /** Appends an execution's end; the future completes once it is on disk and backed up. */
    CompletableFuture<Void> ended(Execution e) {
        return durably(e, end(e.id(), e.end()));
    }

    private CompletableFuture<Void> durably(Execution e, byte[] record) {
        return CompletableFuture.allOf(log.append(record), backups.append(e.app().tenant(), record));
    }

    /** Rebuilds the executions a log's records hold (another node's, say), in the order they started. */
    static Map<String, Execution> replay(List<byte[]> records) {
        Map<String, Execution> executions = new java.util.LinkedHashMap<>();
        records.forEach(r -> replay(r, executions));
        return executions;
    }

    /** Waits until everything appended so far is on disk. */
    void sync() {
        log.sync();
    }

    void forgot(Execution e) {
        byte[] record = record(FORGET, e.id(), out -> {
        });
        log.append(record);
        backups.append(e.app().tenant(), record);
    }

    long size() {
        return log.size();
    }

    /** Rewrites the log with only what {@code kept} needs. */
    void compact(Collection<Execution> kept) {
        List<ExecutionBackups.Record> records = new ArrayList<>();
        for (Execution e : kept) {
            String tenant = e.app().tenant();
            records.add(new ExecutionBackups.Record(tenant, start(e)));
            e.steps().forEach(s -> records.add(new ExecutionBackups.Record(tenant, stepRecord(e.id(), s))));
            Execution.End end = e.end();
            if (end != null) {
                records.add(new ExecutionBackups.Record(tenant, end(e.id(), end)));
            }
        }
        log.rewrite(records.stream().map(ExecutionBackups.Record::bytes).toList());
        backups.rewrite(records);
    }

    @Override
    public void close() {
        log.close();
    }

    private static byte[] start(Execution e) {
        return record(START, e.id(), out -> {
            writeString(out, e.app().tenant());
            writeString(out, e.app().app());
            writeString(out, e.workflow());
            out.writeLong(micros(e.started()));
            out.writeLong(e.deadline() == null ? 0 : micros(e.deadline()));
            writeBytes(out, e.input());
        });
    }

    private static byte[] stepRecord(String execution, StepRecord s) {
        return record(STEP, execution, out -> {
            writeString(out, s.key());
            writeString(out, s.state());
            writeString(out, s.type());
            out.writeByte(s.phase().ordinal());
            out.writeLong(s.atMicros());
            writeBytes(out, s.data());
            writeString(out, s.blob());
            writeString(out, s.error());
            writeString(out, s.cause());
            out.writeInt(s.attempt());
        });
    }

    private static byte[] end(String execution, Execution.End end) {
        return record(END, execution, out -> {
            out.writeByte(end.status().ordinal());
            out.writeLong(micros(end.at()));
            writeBytes(out, end.output());
            writeString(out, end.outputBlob());
            writeString(out, end.error());
            writeString(out, end.cause());
        });
    }

    private static void replay(byte[] record, Map<String, Execution> executions) {
        try (var in = new DataInputStream(new ByteArrayInputStream(record))) {
            int type = in.readByte();
            String id = readString(in);
            switch (type) {
                case START -> {
                    var app = new AppKey(readString(in), readString(in));
                    String workflow = readString(in);
                    Instant started = instant(in.readLong());
                    Instant deadline = optionalInstant(in.readLong());
                    executions.put(id, new Execution(id, app, workflow, readBytes(in), started, deadline));
                }
                case STEP -> {
                    Execution e = executions.get(id);
                    StepRecord s = new StepRecord(readString(in), readString(in), readString(in), PHASES[in.readByte()],
                            in.readLong(), readBytes(in), readString(in), readString(in), readString(in), in.readInt());
                    if (e != null) {
                        e.step(s);
                    }
                }
                case END -> {
                    Execution e = executions.get(id);
                    var end = new Execution.End(STATUSES[in.readByte()], instant(in.readLong()), readBytes(in), readString(in),
                            readString(in), readString(in));
                    if (e != null && e.finish(end)) {
                        e.announce();
                    }
                }
                case FORGET -> executions.remove(id);
                default -> throw new IOException("unknown record type " + type);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot replay the execution log", e);
        }
    }

    @FunctionalInterface
    private interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] record(int type, String execution, Body body) {
        var bytes = new ByteArrayOutputStream(128);
        try (var out = new DataOutputStream(bytes)) {
            out.writeByte(type);
            writeString(out, execution);
            body.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        writeBytes(out, (s == null ? "" : s).getBytes(StandardCharsets.UTF_8));
    }

    private static String readString(DataInputStream in) throws IOException {
        byte[] b = readBytes(in);
        return b == null ? "" : new String(b, StandardCharsets.UTF_8);
    }

    /** Bytes that may be absent: a length of -1 for none. */
    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b == null ? -1 : b.length);
        if (b != null) {
            out.write(b);
        }
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        return n < 0 ? null : in.readNBytes(n);
    }

    private static long micros(Instant at) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, at);
    }

    private static Instant instant(long micros) {
        return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
    }

    private static Instant optionalInstant(long micros) {
        return micros == 0 ? null : instant(micros);
    }
}
