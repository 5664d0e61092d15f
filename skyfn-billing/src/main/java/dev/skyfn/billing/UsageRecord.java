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
 * signs and what the ledger's leaf holds. Its {@link #id()} is derived from its kind, node,
 * invocation and start.
 *
 * @param tenant      whose call it was
 * @param app         the app called
 * @param function    the function called
 * @param kind        what ran: an invocation (sync, async, a trigger's delivery or a call from
 *                    another function) or a workflow step; or {@code egress}, the bytes the app's
 *                    sandbox sent out of the node (function {@code (network)}, 0 ms, 0 MiB)
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
 * @param cpuMicros   the CPU time the call's own thread used (µs, rounded up), as its sandbox
 *                    measured it on its carriers (runs under 50 µs by the monotonic clock, longer
 *                    ones by the carrier's CPU clock); null when it could not (threads the call
 *                    starts are not counted)
 * @param blocks      the basic blocks of the app's own code the call executed, when its app meters
 *                    useful work ({@code metering: useful-work}); null otherwise
 * @param prices      the running cloud's unit prices when the call ran, so that any reader rates
 *                    the record as the node did
 */
@com.fasterxml.jackson.annotation.JsonIgnoreProperties(value = "id", allowGetters = true)
@JsonPropertyOrder({"id", "tenant", "app", "function", "kind", "invocation", "node", "cloud", "start", "billedMs", "memoryMb",
        "bytesIn", "bytesOut", "egressBytes", "cold", "outcome", "cpuMicros", "blocks", "prices"})
@com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
public record UsageRecord(String tenant, String app, String function, Kind kind, String invocation, String node,
                          String cloud, long start, long billedMs, int memoryMb, long bytesIn, long bytesOut, long egressBytes,
                          boolean cold, String outcome, Long cpuMicros, Long blocks, UnitPrices prices) {

    /**
     * What ran: a call ({@code invocation}, {@code step}), or the bytes an app's sandbox sent out of
     * its node over a while ({@code egress}: no duration, no memory, counted every few seconds).
     */
    public enum Kind {
        invocation, step, egress;

        /** Whether a record of this kind is a call (it has a duration and memory, and counts as a request). */
        public boolean call() {
            return this != egress;
        }
    }

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

        /** The prices written last, and their JSON: a node's records carry its cloud's prices of the hour, one set after another. */
        private record Written(UnitPrices prices, byte[] json) {
        }

        private static volatile Written lastWritten = new Written(null, null);

        /** {@code {"gbSecond":…,"vcpuSecond":…,"request":…,"egressGb":…}} as ASCII bytes. */
        byte[] json() {
            Written last = lastWritten;
            if (this == last.prices() || equals(last.prices())) {
                return last.json(); // at most four comparisons, not a hash of four doubles and a lookup
            }
            byte[] json = JSON.get(this);
            if (json == null) {
                if (JSON.size() > 1024) {
                    JSON.clear();
                }
                json = ("{\"gbSecond\":" + gbSecond + ",\"vcpuSecond\":" + vcpuSecond + ",\"request\":" + request + ",\"egressGb\":"
                        + egressGb + "}").getBytes(StandardCharsets.US_ASCII);
                JSON.put(this, json);
            }
            lastWritten = new Written(this, json);
            return json;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public UsageRecord {
        if (tenant == null || app == null || function == null || kind == null || node == null || cloud == null || outcome == null
                || prices == null) {
            throw new IllegalArgumentException("a usage record names its tenant, app, function, kind, node, cloud, outcome and prices");
        }
        if (billedMs < (kind.call() ? 1 : 0) || memoryMb < (kind.call() ? 1 : 0) || bytesIn < 0 || bytesOut < 0 || egressBytes < 0 || (cpuMicros != null && cpuMicros < 0)
                || (blocks != null && blocks < 0)) {
            throw new IllegalArgumentException("a usage record's duration and memory are positive and its byte counts, CPU time and blocks not negative");
        }
    }

    /**
     * The record's id, unique across the fleet: {@code <kind>:<node>:<invocation>@<start>} (a call
     * run again, by a retry or a redelivery, is another record). Derived, not written in the
     * record's canonical bytes (records written before it was dropped from them carry it first,
     * and still read and verify as they are).
     */
    @com.fasterxml.jackson.annotation.JsonProperty("id")
    public String id() {
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
        return CanonicalRecord.write(this);
    }

    /**
     * The id of the record in {@link #canonical()} bytes: the one written first in a record written
     * before ids were left out, else derived; IllegalArgumentException when they are not a usage record.
     */
    public static String idOf(byte[] leaf) {
        String written = CanonicalRecord.writtenId(leaf);
        return written != null ? written : parse(leaf).id();
    }

    /** The tenant of a record's {@link #canonical()} bytes, read without parsing the rest; IllegalArgumentException when it has none there. */
    public static String tenantOf(byte[] leaf) {
        return CanonicalRecord.tenant(leaf);
    }

    /** The start of a record's {@link #canonical()} bytes; IllegalArgumentException when it has none. */
    public static long startOf(byte[] leaf) {
        return CanonicalRecord.start(leaf);
    }

    /**
     * Whether {@code leaf} is a record's canonical bytes exactly — as written now, or with the id
     * first as records were written before — rather than, say, spliced bytes of two records that
     * a lenient reader would take.
     */
    public static boolean isCanonical(byte[] leaf) {
        try {
            return CanonicalRecord.isCanonical(parse(leaf), leaf);
        } catch (IllegalArgumentException e) {
            return false;
        }
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
