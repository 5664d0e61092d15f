package dev.skyfn.billing;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * What one call used, as the node that ran it measured it: the unit of metering, rated later by
 * {@link Rating}. Written once, never changed; its {@link #canonical() bytes} are what the node
 * signs and what the ledger's leaf holds.
 *
 * @param id          unique across the fleet: {@code <kind>:<node>:<invocation>@<start>} (a call
 *                    run again, by a retry or a redelivery, is another record); a record written
 *                    twice is counted once
 * @param tenant      whose call it was
 * @param app         the app called
 * @param function    the function called
 * @param kind        what ran: an invocation (sync, async, a trigger's delivery or a call from
 *                    another function) or a workflow step
 * @param invocation  the invocation's id, as the caller saw it
 * @param node        the node that ran it
 * @param cloud       the cloud of that node
 * @param start       when the call reached the node (epoch ms)
 * @param billedMs    the call's duration rounded up to the next millisecond, as Lambda bills it
 *                    (at least 1)
 * @param memoryMb    the function's configured memory (MiB)
 * @param bytesIn     the request's payload (bytes)
 * @param bytesOut    the response's payload (bytes)
 * @param egressBytes bytes sent to a caller in another cloud (0 when it called from the node's own)
 * @param cold        whether the call waited for its app to load into a sandbox
 * @param outcome     {@code ok}, or the call's error code
 * @param blocks      the basic blocks of the app's own code the call executed, when its app meters
 *                    useful work ({@code metering: useful-work}); null otherwise
 * @param prices      the running cloud's unit prices when the call ran, so that any reader rates
 *                    the record as the node did
 */
@JsonPropertyOrder({"id", "tenant", "app", "function", "kind", "invocation", "node", "cloud", "start", "billedMs", "memoryMb",
        "bytesIn", "bytesOut", "egressBytes", "cold", "outcome", "blocks", "prices"})
@com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
public record UsageRecord(String id, String tenant, String app, String function, Kind kind, String invocation, String node,
                          String cloud, long start, long billedMs, int memoryMb, long bytesIn, long bytesOut, long egressBytes,
                          boolean cold, String outcome, Long blocks, UnitPrices prices) {

    /** What ran. */
    public enum Kind { invocation, step }

    /**
     * A cloud's unit prices in US dollars.
     *
     * @param gbSecond   per GiB of configured memory per second
     * @param vcpuSecond per vCPU-second (a call is rated as one vCPU)
     * @param request    per call
     * @param egressGb   per GiB sent out of the cloud
     */
    @JsonPropertyOrder({"gbSecond", "vcpuSecond", "request", "egressGb"})
    public record UnitPrices(double gbSecond, double vcpuSecond, double request, double egressGb) {
        public static final UnitPrices FREE = new UnitPrices(0, 0, 0, 0);
        /** Prices change seldom and every record carries them: their JSON is written once per set of prices. */
        private static final java.util.Map<UnitPrices, byte[]> JSON = new java.util.concurrent.ConcurrentHashMap<>();

        /** {@code {"gbSecond":…,"vcpuSecond":…,"request":…,"egressGb":…}} as ASCII bytes. */
        byte[] json() {
            byte[] json = JSON.get(this);
            if (json == null) {
                if (JSON.size() > 1024) {
                    JSON.clear();
                }
                json = ("{\"gbSecond\":" + gbSecond + ",\"vcpuSecond\":" + vcpuSecond + ",\"request\":" + request + ",\"egressGb\":"
                        + egressGb + "}").getBytes(StandardCharsets.US_ASCII);
                JSON.put(this, json);
            }
            return json;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public UsageRecord {
        if (id == null || tenant == null || app == null || function == null || kind == null || node == null || cloud == null
                || outcome == null || prices == null) {
            throw new IllegalArgumentException("a usage record names its id, tenant, app, function, kind, node, cloud, outcome and prices");
        }
        if (billedMs < 1 || memoryMb < 1 || bytesIn < 0 || bytesOut < 0 || egressBytes < 0 || (blocks != null && blocks < 0)) {
            throw new IllegalArgumentException("a usage record's duration and memory are positive and its byte counts not negative");
        }
    }

    /** A record id: one per kind, node, invocation and start. */
    public static String id(Kind kind, String node, String invocation, long start) {
        return kind + ":" + node + ":" + invocation + "@" + start;
    }

    /** A call's duration billed as Lambda does: rounded up to the millisecond, at least 1 ms. */
    public static long billedMillis(long nanos) {
        return Math.max(1, (nanos + 999_999) / 1_000_000);
    }

    /** GiB-seconds: configured memory times billed duration. */
    public double gbSeconds() {
        return memoryMb / 1024.0 * billedMs / 1000.0;
    }

    public Instant startTime() {
        return Instant.ofEpochMilli(start);
    }

    public boolean ok() {
        return outcome.equals("ok");
    }

    /**
     * The record as compact JSON in a fixed field order, ASCII (other characters escaped): what
     * the ledger's leaf holds. Written byte by byte, not by a mapper: it is on every call's path.
     */
    public byte[] canonical() {
        Ascii b = new Ascii(448);
        b.bytes(ID_).string(id).bytes(TENANT_).string(tenant).bytes(APP_).string(app).bytes(FUNCTION_).string(function)
                .bytes(KIND_).string(kind.name()).bytes(INVOCATION_).string(invocation).bytes(NODE_).string(node).bytes(CLOUD_)
                .string(cloud).bytes(START_).number(start).bytes(BILLED_).number(billedMs).bytes(MEMORY_).number(memoryMb)
                .bytes(IN_).number(bytesIn).bytes(OUT_).number(bytesOut).bytes(EGRESS_).number(egressBytes).bytes(COLD_)
                .bytes(cold ? TRUE_ : FALSE_).bytes(OUTCOME_).string(outcome);
        if (blocks != null) {
            b.bytes(BLOCKS_).number(blocks);
        }
        b.bytes(PRICES_).bytes(prices.json()).bytes(END_);
        return b.done();
    }

    private static final byte[] ID_ = ascii("{\"id\":");
    private static final byte[] TENANT_ = ascii(",\"tenant\":");
    private static final byte[] APP_ = ascii(",\"app\":");
    private static final byte[] FUNCTION_ = ascii(",\"function\":");
    private static final byte[] KIND_ = ascii(",\"kind\":");
    private static final byte[] INVOCATION_ = ascii(",\"invocation\":");
    private static final byte[] NODE_ = ascii(",\"node\":");
    private static final byte[] CLOUD_ = ascii(",\"cloud\":");
    private static final byte[] START_ = ascii(",\"start\":");
    private static final byte[] BILLED_ = ascii(",\"billedMs\":");
    private static final byte[] MEMORY_ = ascii(",\"memoryMb\":");
    private static final byte[] IN_ = ascii(",\"bytesIn\":");
    private static final byte[] OUT_ = ascii(",\"bytesOut\":");
    private static final byte[] EGRESS_ = ascii(",\"egressBytes\":");
    private static final byte[] COLD_ = ascii(",\"cold\":");
    private static final byte[] TRUE_ = ascii("true");
    private static final byte[] FALSE_ = ascii("false");
    private static final byte[] OUTCOME_ = ascii(",\"outcome\":");
    private static final byte[] BLOCKS_ = ascii(",\"blocks\":");
    private static final byte[] PRICES_ = ascii(",\"prices\":");
    private static final byte[] END_ = ascii("}");

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** A growing buffer of ASCII bytes. */
    private static final class Ascii {
        private byte[] buf;
        private int size;

        Ascii(int capacity) {
            buf = new byte[capacity];
        }

        Ascii bytes(byte[] b) {
            ensure(b.length);
            System.arraycopy(b, 0, buf, size, b.length);
            size += b.length;
            return this;
        }

        Ascii number(long v) {
            if (v < 0) {
                return bytes(ascii(Long.toString(v)));
            }
            int digits = v < 10 ? 1 : (int) Math.floor(Math.log10(v)) + 1;
            ensure(digits);
            for (int i = size + digits - 1; i >= size; i--) {
                buf[i] = (byte) ('0' + v % 10);
                v /= 10;
            }
            size += digits;
            return this;
        }

        /** A JSON string: every character outside printable ASCII, {@code "} and {@code \\} escaped. */
        @SuppressWarnings("deprecation") // String.getBytes(int, int, byte[], int): the fastest copy of ASCII
        Ascii string(String s) {
            if (s == null) {
                return bytes(ascii("null"));
            }
            int n = s.length();
            boolean plain = true;
            for (int i = 0; i < n && plain; i++) {
                char c = s.charAt(i);
                plain = c >= 0x20 && c <= 0x7e && c != '"' && c != '\\';
            }
            ensure(n + 2);
            buf[size++] = '"';
            if (plain) {
                s.getBytes(0, n, buf, size);
                size += n;
            } else {
                for (int i = 0; i < n; i++) {
                    char c = s.charAt(i);
                    if (c == '"' || c == '\\') {
                        ensure(2);
                        buf[size++] = '\\';
                        buf[size++] = (byte) c;
                    } else if (c < 0x20 || c > 0x7e) {
                        bytes(ascii(String.format("\\u%04x", (int) c)));
                    } else {
                        ensure(1);
                        buf[size++] = (byte) c;
                    }
                }
            }
            ensure(1);
            buf[size++] = '"';
            return this;
        }

        private void ensure(int more) {
            if (size + more > buf.length) {
                buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
            }
        }

        byte[] done() {
            return java.util.Arrays.copyOf(buf, size);
        }
    }

    /** The id of a record's {@link #canonical()} bytes, read without parsing the rest; IllegalArgumentException when it has none. */
    public static String idOf(byte[] leaf) {
        int at = afterId(leaf);
        if (at < 0) {
            throw new IllegalArgumentException("no id first");
        }
        return new String(leaf, ID.length, at - ID.length, StandardCharsets.US_ASCII);
    }

    /** The tenant of a record's {@link #canonical()} bytes, read without parsing the rest; IllegalArgumentException when it has none there. */
    public static String tenantOf(byte[] leaf) {
        int at = afterId(leaf);
        int from = at + TENANT.length;
        if (at < 0 || !java.util.Arrays.equals(leaf, at, Math.min(from, leaf.length), TENANT, 0, Math.min(TENANT.length, leaf.length - at))) {
            throw new IllegalArgumentException("no tenant after the id");
        }
        int to = from;
        while (to < leaf.length && leaf[to] != '"') {
            if (leaf[to] == '\\') {
                throw new IllegalArgumentException("a tenant's name has no escapes");
            }
            to++;
        }
        return new String(leaf, from, to - from, StandardCharsets.US_ASCII);
    }

    /** The start of a record's {@link #canonical()} bytes; IllegalArgumentException when it has none. */
    public static long startOf(byte[] leaf) {
        byte[] field = START_;
        for (int i = 0; i + field.length < leaf.length; i++) {
            if (leaf[i] == ',' && leaf[i + 2] == 's' && java.util.Arrays.equals(leaf, i, i + field.length, field, 0, field.length)) {
                long v = 0;
                int j = i + field.length;
                int digits = 0;
                while (j < leaf.length && leaf[j] >= '0' && leaf[j] <= '9' && digits < 18) {
                    v = v * 10 + (leaf[j++] - '0');
                    digits++;
                }
                if (digits == 0) {
                    throw new IllegalArgumentException("the start is not a number");
                }
                return v;
            }
        }
        throw new IllegalArgumentException("no start");
    }

    private static final byte[] ID = "{\"id\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TENANT = "\",\"tenant\":\"".getBytes(StandardCharsets.US_ASCII);

    /** Where the id's closing quote is, or -1 when the bytes do not start with an id. */
    static int afterId(byte[] leaf) {
        if (leaf.length < ID.length || !java.util.Arrays.equals(leaf, 0, ID.length, ID, 0, ID.length)) {
            return -1;
        }
        int at = ID.length;
        while (at < leaf.length && leaf[at] != '"') {
            at += leaf[at] == '\\' ? 2 : 1;
        }
        return at < leaf.length ? at : -1;
    }

    /** Reads {@link #canonical()} bytes; IllegalArgumentException saying why when they are not a usage record. */
    public static UsageRecord parse(byte[] json) {
        try {
            return JSON.readValue(json, UsageRecord.class);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IllegalArgumentException("not a usage record: " + dev.skyfn.core.Documents.why(e), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
