package dev.skyfn.nats.usage;

import dev.skyfn.billing.TreeHead;
import dev.skyfn.nats.Engine;
import dev.skyfn.nats.Js;
import dev.skyfn.nats.OrderedRead;
import io.nats.client.JetStream;
import io.nats.client.KeyValue;
import io.nats.client.Message;
import io.nats.client.PublishOptions;
import io.nats.client.impl.Headers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Every node's usage ledger copied to JetStream, so that no record is lost with its node and any
 * gateway bills the whole fleet: stream {@code skyfn-usage}, entries on
 * {@code skyfn.usage.<node>.e.<tenant>} in the node's ledger order, a run of consecutive entries
 * of one tenant per message (the leaves one per line; header {@code Skyfn-Index}: the first one's
 * index there; {@code Nats-Msg-Id}: the node and the run's indexes, so a run copied twice within
 * the stream's two-minute window is kept once). An entry copied twice in runs cut differently is
 * held twice; readers keep the first (the index says which entry it is). Signed heads on
 * {@code skyfn.usage.<node>.h};
 * nodes' public keys in the bucket {@code skyfn-ledger-keys}. Records are not sealed: they hold
 * no tenant data, only what the operator bills.
 */
public final class UsageLogs {

    public static final String STREAM = "skyfn-usage";
    public static final String KEYS = "skyfn-ledger-keys";
    static final String INDEX = "Skyfn-Index";

    private final Engine engine;
    private final JetStream js;
    private final KeyValue keys;

    private UsageLogs(Engine engine, JetStream js, KeyValue keys) {
        this.engine = engine;
        this.js = js;
        this.keys = keys;
    }

    public static UsageLogs open(Engine engine) {
        engine.stream(STREAM, "skyfn.usage.>");
        KeyValue keys = engine.bucket(KEYS, 1, Duration.ZERO);
        return Js.call("opening " + STREAM, () -> new UsageLogs(engine, engine.connection().jetStream(engine.jsOptions()), keys));
    }

    /** Publishes {@code node}'s public key. */
    public void key(String node, String key) {
        Js.run("publishing the ledger key of " + node, () -> keys.put(node, key.getBytes(StandardCharsets.US_ASCII)));
    }

    /** Every node's ledger key, by node. */
    public Map<String, String> keys() {
        Map<String, String> all = new LinkedHashMap<>();
        engine.liveEntries(keys, ">").forEach(e -> all.put(e.getKey(), new String(e.getValue(), StandardCharsets.US_ASCII)));
        return all;
    }

    /**
     * Copies the entries of {@code node}'s ledger from {@code first} on, {@code leaves} (consecutive,
     * all of {@code tenant}, none holding a newline), as one message; completes once the stream has
     * it. One message per run rather than per record: 100,000 records of one tenant copied in
     * 0.4 s rather than 4 s on a 2-CPU machine, read back in 0.6 s rather than 2.3 s.
     */
    public CompletableFuture<Void> copy(String node, long first, String tenant, List<byte[]> leaves) {
        Headers headers = new Headers().put(INDEX, Long.toString(first));
        int size = leaves.size() - 1;
        for (byte[] leaf : leaves) {
            size += leaf.length;
        }
        byte[] body = new byte[size];
        int at = 0;
        for (byte[] leaf : leaves) {
            if (at > 0) {
                body[at++] = '\n';
            }
            System.arraycopy(leaf, 0, body, at, leaf.length);
            at += leaf.length;
        }
        return js.publishAsync("skyfn.usage." + node + ".e." + tenant, headers, body,
                PublishOptions.builder().messageId(node + "#" + first + "+" + leaves.size()).build()).thenApply(ack -> null);
    }

    /** Copies a head {@code node} signed. */
    public void head(String node, TreeHead head) {
        Js.run("publishing a head of " + node, () -> js.publish("skyfn.usage." + node + ".h", head.json().getBytes(StandardCharsets.UTF_8),
                PublishOptions.builder().messageId(node + ":head:" + head.size()).build()));
    }

    /** The heads {@code node} signed, oldest first. */
    public List<TreeHead> heads(String node) {
        List<TreeHead> heads = new ArrayList<>();
        for (Message m : read("skyfn.usage." + node + ".h", 1)) {
            heads.add(TreeHead.parse(new String(m.getData(), StandardCharsets.UTF_8)));
        }
        return heads;
    }

    /**
     * An entry as the stream holds it.
     *
     * @param sequence the place in the stream of the message holding it (with the rest of its run), for reading on after it
     */
    public record Entry(String node, long index, byte[] leaf, long sequence) {
    }

    /** The entries of {@code node} (every node's for null) and {@code tenant} (every tenant's for null), from stream sequence {@code from}. */
    public List<Entry> entries(String node, String tenant, long from) {
        List<Entry> entries = new ArrayList<>();
        for (Message m : read("skyfn.usage." + (node == null ? "*" : node) + ".e." + (tenant == null ? ">" : tenant), from)) {
            String subject = m.getSubject();
            int prefix = "skyfn.usage.".length();
            String source = subject.substring(prefix, subject.indexOf(".e.", prefix));
            String first = m.getHeaders() == null ? null : m.getHeaders().getFirst(INDEX);
            long index = first == null ? -1 : Long.parseLong(first);
            byte[] data = m.getData();
            int start = 0;
            for (int i = 0; i <= data.length; i++) {
                if (i == data.length || data[i] == '\n') {
                    entries.add(new Entry(source, index, java.util.Arrays.copyOfRange(data, start, i), m.metaData().streamSequence()));
                    index = index < 0 ? -1 : index + 1;
                    start = i + 1;
                }
            }
        }
        return entries;
    }

    private List<Message> read(String subject, long from) {
        return OrderedRead.all(js, STREAM, subject, from);
    }
}
