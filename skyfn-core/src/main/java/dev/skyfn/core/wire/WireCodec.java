package dev.skyfn.core.wire;

import dev.skyfn.api.HttpRequest;
import dev.skyfn.api.HttpResponse;
import dev.skyfn.core.workflow.Step;
import dev.skyfn.core.workflow.StepRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Encodes and decodes frames: a 4-byte big-endian length of what follows, a type byte, the
 * fields. The layout of each type is in docs/sandbox-protocol.md.
 */
public final class WireCodec {

    public static final int PROTOCOL_VERSION = 17;
    static final int HEADER_BYTES = 4;

    /** A frame's length as its header gives it, when a reader may take it: 1 to {@code maxFrameBytes}; ProtocolException otherwise. */
    static int frameLength(int length, int maxFrameBytes) {
        if (length <= 0 || length > maxFrameBytes) {
            throw new ProtocolException("frame of " + length + " bytes (limit " + maxFrameBytes + ")");
        }
        return length;
    }

    private static final int HELLO = 1;
    private static final int LOAD = 2;
    private static final int INVOKE = 3;
    private static final int RESULT = 4;
    private static final int FAILURE = 5;
    private static final int CANCEL = 6;
    private static final int LOGS = 7;
    private static final int RETIRE = 8;
    private static final int CALL = 9;
    private static final int DATA = 10;
    private static final int RUN = 11;
    private static final int PROGRESS = 12;
    private static final int UNLOAD = 13;
    private static final int USAGE = 14;
    private static final int INVOKE_EACH = 15;
    private static final int ADMIT = 16;
    private static final int ROUTE = 17;
    private static final int REVOKE = 18;
    private static final int CONCURRENCY = 19;

    /** A Usage's kind: a workflow's Task, a direct call from another sandbox (else 0: a call within the app). */
    private static final int USAGE_STEP = 1;
    private static final int USAGE_DIRECT = 2;

    private static final int EMPTY = 0;
    private static final int BODY = 1;
    private static final int REQUEST = 2;
    private static final int RESPONSE = 3;
    private static final int MAX_COUNT = 100_000;
    private static final LogLine.Kind[] KINDS = LogLine.Kind.values();
    private static final Step.Phase[] PHASES = Step.Phase.values();

    private WireCodec() {
    }

    /** The whole frame, length prefix included. */
    public static byte[] encode(Message message) {
        WireOut out = new WireOut(0); // sized by the encoding, for its payload
        encode(message, out);
        return out.toByteArray();
    }

    /** Room for the names, ids and headers around a frame's payload: most frames are written without their buffer growing. */
    private static final int ROOM = 256;

    /**
     * Encodes the whole frame into {@code out}, emptied first and made large enough for the payload
     * at once (a large value's frame is not grown to by doubling): a sender with a buffer of its own
     * allocates nothing for a frame that fits it.
     */
    static void encode(Message message, WireOut out) {
        out.clear(ROOM + payloadSize(message));
        out.writeInt(0);
        switch (message) {
            case Message.Hello h -> {
                out.writeByte(HELLO);
                out.writeInt(h.protocol());
                out.writeLong(h.pid());
                out.writeString(h.token());
            }
            case Message.Load l -> {
                out.writeByte(LOAD);
                out.writeLong(l.id());
                out.writeVarInt(l.slot());
                out.writeString(l.app());
                out.writeVarInt(l.version());
                out.writeString(l.jarPath());
                out.writeVarInt(l.maxResultBytes());
                out.writeVarInt(l.functions().size());
                for (Message.HandlerRef f : l.functions()) {
                    out.writeString(f.function());
                    out.writeString(f.handlerClass());
                    out.writeLong(f.timeoutMillis());
                    out.writeVarInt(f.memoryMb());
                    writeStrings(out, f.env());
                }
                out.writeVarInt(l.workflows().size());
                for (Message.WorkflowRef w : l.workflows()) {
                    out.writeString(w.workflow());
                    out.writeString(w.json());
                }
                out.writeString(l.region());
                writeStrings(out, l.env());
                out.writeByte(l.countsWork() ? 1 : 0);
                out.writeVarInt(l.heapMb());
            }
            case Message.Run r -> {
                out.writeByte(RUN);
                out.writeLong(r.id());
                out.writeVarInt(r.slot());
                out.writeString(r.workflow());
                out.writeString(r.executionId());
                out.writeLong(r.timeoutMillis());
                out.writeBytes(r.input());
                out.writeVarInt(r.memo().size());
                r.memo().forEach(step -> writeStep(out, step));
            }
            case Message.Usage u -> {
                out.writeByte(USAGE);
                out.writeVarInt(u.slot());
                out.writeString(u.function());
                out.writeString(u.invocationId());
                out.writeByte(u.step() ? USAGE_STEP : u.direct() ? USAGE_DIRECT : 0);
                out.writeLong(u.nanos());
                out.writeString(u.outcome());
                writeSpent(out, u.spent());
                out.writeString(u.traceparent());
                if (u.direct()) {
                    out.writeLong(u.bytesIn());
                    out.writeLong(u.bytesOut());
                }
            }
            case Message.Progress p -> {
                out.writeByte(PROGRESS);
                out.writeVarInt(p.slot());
                out.writeString(p.executionId());
                writeStep(out, p.step());
            }
            case Message.Invoke i -> {
                out.writeByte(INVOKE);
                out.writeLong(i.id());
                out.writeVarInt(i.slot());
                out.writeString(i.function());
                out.writeString(i.invocationId());
                out.writeLong(i.timeoutMillis());
                writePayload(out, i.payload());
                out.writeString(i.traceparent());
            }
            case Message.InvokeEach e -> {
                out.writeByte(INVOKE_EACH);
                out.writeVarInt(e.slot());
                out.writeString(e.function());
                out.writeLong(e.timeoutMillis());
                out.writeVarInt(e.items().size());
                for (Message.Item i : e.items()) {
                    out.writeLong(i.id());
                    out.writeString(i.invocationId());
                    writePayload(out, i.payload());
                    out.writeString(i.traceparent());
                }
            }
            case Message.Call c -> {
                out.writeByte(CALL);
                out.writeLong(c.id());
                out.writeVarInt(c.slot());
                out.writeString(c.app());
                out.writeString(c.function());
                out.writeString(c.invocationId());
                out.writeLong(c.timeoutMillis());
                writePayload(out, c.payload());
                out.writeString(c.traceparent());
            }
            case Message.Data d -> {
                out.writeByte(DATA);
                out.writeLong(d.id());
                out.writeVarInt(d.slot());
                out.writeByte(d.op().ordinal());
                out.writeString(d.path());
                out.writeString(d.key());
                writeOptional(out, d.value());
                writeOptional(out, d.expected());
                out.writeLong(d.number());
                out.writeVarInt(d.count());
            }
            case Message.Result r -> {
                out.writeByte(RESULT);
                out.writeLong(r.id());
                writePayload(out, r.payload());
                writeSpent(out, r.spent());
            }
            case Message.Failure f -> {
                out.writeByte(FAILURE);
                out.writeLong(f.id());
                out.writeString(f.code());
                out.writeString(f.message());
                out.writeString(f.type());
                writeSpent(out, f.spent());
            }
            case Message.Cancel c -> {
                out.writeByte(CANCEL);
                out.writeLong(c.id());
            }
            case Message.Logs l -> {
                out.writeByte(LOGS);
                out.writeVarInt(l.slot());
                out.writeVarInt(l.lines().size());
                for (LogLine line : l.lines()) {
                    out.writeString(line.invocationId());
                    out.writeString(line.function());
                    out.writeByte(line.kind().ordinal());
                    out.writeLong(line.epochMillis());
                    out.writeString(line.text());
                }
            }
            case Message.Unload u -> {
                out.writeByte(UNLOAD);
                out.writeVarInt(u.slot());
            }
            case Message.Retire r -> {
                out.writeByte(RETIRE);
                out.writeString(r.code());
                out.writeString(r.reason());
            }
            case Message.Admit a -> {
                out.writeByte(ADMIT);
                out.writeLong(a.id());
                out.writeString(a.token());
            }
            case Message.Route r -> {
                out.writeByte(ROUTE);
                out.writeString(r.app());
                out.writeString(r.link());
                out.writeString(r.token());
                out.writeVarInt(r.slot());
                out.writeVarInt(r.maxInFlight());
            }
            case Message.Revoke r -> {
                out.writeByte(REVOKE);
                out.writeLong(r.id());
            }
            case Message.Concurrency c -> {
                out.writeByte(CONCURRENCY);
                out.writeVarInt(c.slots().size());
                for (Message.Concurrency.SlotCalls slot : c.slots()) {
                    out.writeVarInt(slot.slot());
                    out.writeVarInt(slot.inFlight());
                }
            }
        }
        out.putInt(0, out.size() - HEADER_BYTES);
    }

    /**
     * A read buffer made ready for the next read: compacted, grown for a frame larger than
     * {@code bufferBytes} whose length prefix it holds, shrunk back to {@code bufferBytes} after one.
     */
    static java.nio.ByteBuffer room(java.nio.ByteBuffer buf, int bufferBytes) {
        int needed = buf.remaining() >= HEADER_BYTES ? HEADER_BYTES + buf.getInt(buf.position()) : bufferBytes;
        int capacity = Math.max(bufferBytes, needed);
        if (capacity != buf.capacity()) {
            java.nio.ByteBuffer next = java.nio.ByteBuffer.allocate(capacity);
            next.put(buf);
            return next;
        }
        return buf.compact();
    }

    /** Decodes one frame's body: {@code length} bytes after the length prefix. */
    public static Message decode(byte[] buf, int offset, int length) {
        WireIn in = new WireIn(buf, offset, length);
        Message m = switch (in.readByte()) {
            case HELLO -> new Message.Hello(in.readInt(), in.readLong(), in.readString());
            case LOAD -> readLoad(in);
            case INVOKE -> new Message.Invoke(in.readLong(), in.readVarInt(), in.readString(), in.readString(), in.readLong(), readPayload(in),
                    in.readString());
            case INVOKE_EACH -> readInvokeEach(in);
            case RESULT -> new Message.Result(in.readLong(), readPayload(in), readSpent(in));
            case FAILURE -> new Message.Failure(in.readLong(), in.readString(), in.readString(), in.readString(), readSpent(in));
            case CANCEL -> new Message.Cancel(in.readLong());
            case LOGS -> readLogs(in);
            case RETIRE -> new Message.Retire(in.readString(), in.readString());
            case DATA -> new Message.Data(in.readLong(), in.readVarInt(), DataOp.of(in.readByte()), in.readString(), in.readString(),
                    readOptional(in), readOptional(in), in.readLong(), in.readVarInt());
            case CALL -> new Message.Call(in.readLong(), in.readVarInt(), in.readString(), in.readString(), in.readString(), in.readLong(),
                    readPayload(in), in.readString());
            case RUN -> readRun(in);
            case PROGRESS -> new Message.Progress(in.readVarInt(), in.readString(), readStep(in));
            case UNLOAD -> new Message.Unload(in.readVarInt());
            case USAGE -> readUsage(in);
            case ADMIT -> new Message.Admit(in.readLong(), in.readString());
            case ROUTE -> new Message.Route(in.readString(), in.readString(), in.readString(), in.readVarInt(), in.readVarInt());
            case REVOKE -> new Message.Revoke(in.readLong());
            case CONCURRENCY -> readConcurrency(in);
            default -> throw new ProtocolException("unknown frame type");
        };
        in.end();
        return m;
    }

    private static Message.Usage readUsage(WireIn in) {
        int slot = in.readVarInt();
        String function = in.readString();
        String invocationId = in.readString();
        int kind = in.readByte();
        if (kind > USAGE_DIRECT) {
            throw new ProtocolException("unknown kind of usage " + kind);
        }
        long nanos = in.readLong();
        String outcome = in.readString();
        Spent spent = readSpent(in);
        String traceparent = in.readString();
        boolean direct = kind == USAGE_DIRECT;
        long bytesIn = direct ? in.readLong() : 0;
        long bytesOut = direct ? in.readLong() : 0;
        if (bytesIn < 0 || bytesOut < 0) {
            throw new ProtocolException("a usage of " + bytesIn + " bytes in and " + bytesOut + " out");
        }
        return new Message.Usage(slot, function, invocationId, kind == USAGE_STEP, nanos, outcome, spent, traceparent, direct, bytesIn, bytesOut);
    }

    private static Message.Load readLoad(WireIn in) {
        long id = in.readLong();
        int slot = in.readVarInt();
        String app = in.readString();
        int version = in.readVarInt();
        String jar = in.readString();
        int maxResult = in.readVarInt();
        int n = in.count(MAX_COUNT);
        List<Message.HandlerRef> fns = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            fns.add(new Message.HandlerRef(in.readString(), in.readString(), in.readLong(), in.readVarInt(), readStrings(in)));
        }
        int w = in.count(MAX_COUNT);
        List<Message.WorkflowRef> workflows = new ArrayList<>(w);
        for (int i = 0; i < w; i++) {
            workflows.add(new Message.WorkflowRef(in.readString(), in.readString()));
        }
        return new Message.Load(id, slot, app, version, jar, maxResult, fns, workflows, in.readString(), readStrings(in), in.readByte() == 1,
                in.readVarInt());
    }

    private static Message.Run readRun(WireIn in) {
        long id = in.readLong();
        int slot = in.readVarInt();
        String workflow = in.readString();
        String execution = in.readString();
        long timeout = in.readLong();
        byte[] input = in.readBytes();
        int n = in.count(MAX_COUNT * 10);
        List<StepRecord> memo = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            memo.add(readStep(in));
        }
        return new Message.Run(id, slot, workflow, execution, timeout, input, memo);
    }

    private static void writeStep(WireOut out, StepRecord s) {
        out.writeString(s.key());
        out.writeString(s.state());
        out.writeString(s.type());
        out.writeByte(s.phase().ordinal());
        out.writeLong(s.atMicros());
        writeOptional(out, s.data());
        out.writeString(s.blob());
        out.writeString(s.error());
        out.writeString(s.cause());
        out.writeVarInt(s.attempt());
    }

    private static StepRecord readStep(WireIn in) {
        String key = in.readString();
        String state = in.readString();
        String type = in.readString();
        int phase = in.readByte();
        if (phase >= PHASES.length) {
            throw new ProtocolException("unknown step phase " + phase);
        }
        return new StepRecord(key, state, type, PHASES[phase], in.readLong(), readOptional(in), in.readString(),
                in.readString(), in.readString(), in.readVarInt());
    }

    private static Message.Concurrency readConcurrency(WireIn in) {
        int n = in.count(MAX_COUNT);
        List<Message.Concurrency.SlotCalls> slots = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            slots.add(new Message.Concurrency.SlotCalls(in.readVarInt(), in.readVarInt()));
        }
        return new Message.Concurrency(slots);
    }

    private static Message.Logs readLogs(WireIn in) {
        int slot = in.readVarInt();
        int n = in.count(MAX_COUNT);
        List<LogLine> lines = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String inv = in.readString();
            String function = in.readString();
            int kind = in.readByte();
            if (kind >= KINDS.length) {
                throw new ProtocolException("unknown log kind " + kind);
            }
            lines.add(new LogLine(inv, function, KINDS[kind], in.readLong(), in.readString()));
        }
        return new Message.Logs(slot, lines);
    }

    /** What a call spent: its CPU time (ns) and basic blocks, each -1 when not measured. */
    private static void writeSpent(WireOut out, Spent spent) {
        out.writeLong(spent.cpuNanos());
        out.writeLong(spent.blocks());
    }

    private static Spent readSpent(WireIn in) {
        long cpuNanos = in.readLong();
        long blocks = in.readLong();
        return cpuNanos < 0 && blocks < 0 ? Spent.UNKNOWN : new Spent(cpuNanos, blocks);
    }

    /** Bytes that may be absent: a presence byte, then the bytes. */
    private static void writeOptional(WireOut out, byte[] bytes) {
        out.writeByte(bytes == null ? 0 : 1);
        if (bytes != null) {
            out.writeBytes(bytes);
        }
    }

    private static byte[] readOptional(WireIn in) {
        return in.readByte() == 0 ? null : in.readBytes();
    }

    private static void writePayload(WireOut out, Payload payload) {
        switch (payload) {
            case Payload.Empty e -> out.writeByte(EMPTY);
            case Payload.Body b -> {
                out.writeByte(BODY);
                out.writeString(b.contentType());
                out.writeBytes(b.bytes());
            }
            case Payload.Request r -> {
                HttpRequest req = r.request();
                out.writeByte(REQUEST);
                out.writeString(req.method());
                out.writeString(req.path());
                out.writeString(req.query());
                writeHeaders(out, req.headers());
                out.writeBytes(req.body());
            }
            case Payload.Response r -> {
                HttpResponse res = r.response();
                out.writeByte(RESPONSE);
                out.writeVarInt(res.status());
                writeHeaders(out, res.headers());
                out.writeBytes(res.body());
            }
        }
    }

    private static Payload readPayload(WireIn in) {
        return switch (in.readByte()) {
            case EMPTY -> Payload.EMPTY;
            case BODY -> new Payload.Body(in.readString(), in.readBytes());
            case REQUEST -> readRequest(in);
            case RESPONSE -> readResponse(in);
            default -> throw new ProtocolException("unknown payload kind");
        };
    }

    private static Payload readRequest(WireIn in) {
        String method = in.readString();
        String path = in.readString();
        String query = in.readString();
        return new Payload.Request(new HttpRequest(method, path, query, readHeaders(in), in.readBytes()));
    }

    /** {@code count} n, n × ({@code string} name, {@code string} value). */
    private static void writeStrings(WireOut out, Map<String, String> values) {
        out.writeVarInt(values.size());
        for (Map.Entry<String, String> e : values.entrySet()) {
            out.writeString(e.getKey());
            out.writeString(e.getValue());
        }
    }

    private static Map<String, String> readStrings(WireIn in) {
        int n = in.count(MAX_COUNT);
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            values.put(in.readString(), in.readString());
        }
        return values;
    }

    /** Header values by name, as {@link #writeHeaders} wrote them. */
    private static Map<String, List<String>> readHeaders(WireIn in) {
        int n = in.count(MAX_COUNT);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            String name = in.readString();
            int values = in.count(MAX_COUNT);
            List<String> list = new ArrayList<>(values);
            for (int j = 0; j < values; j++) {
                list.add(in.readString());
            }
            headers.put(name, List.copyOf(list));
        }
        return headers;
    }

    /** {@code count} n, n × ({@code string} name, {@code count} m, m × {@code string} value). */
    private static void writeHeaders(WireOut out, Map<String, List<String>> headers) {
        out.writeVarInt(headers.size());
        for (Map.Entry<String, List<String>> h : headers.entrySet()) {
            out.writeString(h.getKey());
            out.writeVarInt(h.getValue().size());
            for (String v : h.getValue()) {
                out.writeString(v);
            }
        }
    }

    private static Payload readResponse(WireIn in) {
        int status = in.readVarInt();
        if (status < 100 || status > 599) {
            throw new ProtocolException("HTTP status out of range");
        }
        return new Payload.Response(new HttpResponse(status, readHeaders(in), in.readBytes()));
    }

    private static Message.InvokeEach readInvokeEach(WireIn in) {
        int slot = in.readVarInt();
        String function = in.readString();
        long timeoutMillis = in.readLong();
        int n = in.count(MAX_COUNT);
        List<Message.Item> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            items.add(new Message.Item(in.readLong(), in.readString(), readPayload(in), in.readString()));
        }
        return new Message.InvokeEach(slot, function, timeoutMillis, items);
    }

    private static int payloadSize(Message m) {
        return switch (m) {
            case Message.Invoke i -> sizeOf(i.payload());
            case Message.InvokeEach e -> e.items().stream().mapToInt(i -> sizeOf(i.payload()) + 64).sum();
            case Message.Call c -> sizeOf(c.payload());
            case Message.Result r -> sizeOf(r.payload());
            case Message.Data d -> d.value() == null ? 0 : d.value().length;
            case Message.Run r -> r.input().length;
            default -> 0;
        };
    }

    private static int sizeOf(Payload p) {
        return switch (p) {
            case Payload.Body b -> b.bytes().length;
            case Payload.Request r -> r.request().body().length + 256;
            case Payload.Response r -> r.response().body().length + 128;
            case Payload.Empty e -> 0;
        };
    }
}
