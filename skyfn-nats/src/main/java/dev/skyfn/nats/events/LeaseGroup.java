package dev.skyfn.nats.events;

import dev.skyfn.core.trigger.Event;
import dev.skyfn.nats.Js;
import io.nats.client.KeyValue;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link PartitionLease}s one node holds of one key-ordered trigger's {@value Event#PARTITIONS}
 * partitions, kept to its fair share, so that a node added to the app takes a share of them (what
 * a Kafka consumer group's rebalance does). Each node contending says so in an entry of
 * {@link JetStreamEventLog#LEASES}, {@code nodes.<trigger>.<node>}, written every third of
 * {@link PartitionLease#TTL} and gone {@code TTL} after its node stops: with {@code n} such
 * entries a node's share is {@code ceil(partitions / n)}. A node takes a free partition only below
 * its share, and lets the partitions above it go, each once no event of it is out — between two
 * of its batches, never under one running. A node whose lanes are all stopping (its app moved
 * elsewhere, a call still running) removes its entry at once: the others take up its share
 * while it finishes.
 */
final class LeaseGroup implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseGroup.class);
    private static final Base64.Encoder KEY = Base64.getUrlEncoder().withoutPadding();

    private final KeyValue leases;
    private final String prefix;
    private final String key;
    private final String trigger;
    private final Set<PartitionLease> members = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Thread rounds;
    /** How many nodes contend for the partitions, this one included, as last counted. */
    private volatile int nodes = 1;
    /** Guards the entry's writes: none lands after the group says it no longer contends. */
    private final Object entry = new Object();
    private boolean closed;

    /**
     * @param trigger the subscription name its partitions' names share ({@code <name>-<partition>})
     * @param node    this node's name among the contenders, unique to this process
     */
    LeaseGroup(KeyValue leases, String trigger, String node) {
        this.leases = leases;
        this.trigger = trigger;
        this.prefix = "nodes." + KEY.encodeToString(trigger.getBytes(StandardCharsets.UTF_8)) + ".";
        this.key = prefix + KEY.encodeToString(node.getBytes(StandardCharsets.UTF_8));
        round();
        this.rounds = Thread.ofVirtual().name("lease-group-" + trigger).start(this::run);
    }

    void add(PartitionLease lease) {
        members.add(lease);
    }

    /** Drops {@code lease}; whether it was the last. */
    boolean remove(PartitionLease lease) {
        members.remove(lease);
        return members.isEmpty();
    }

    /** This node's share of the partitions: {@code ceil(partitions / nodes)}. */
    int share() {
        return share(Event.PARTITIONS, nodes);
    }

    static int share(int partitions, int nodes) {
        return Math.ceilDiv(partitions, Math.max(1, nodes));
    }

    /** How many distinct partitions this node holds now. */
    int held() {
        return (int) members.stream().filter(PartitionLease::holding).mapToInt(PartitionLease::partition).distinct().count();
    }

    /** Whether some lane of this node still takes the partitions' events. */
    private boolean taking() {
        return members.stream().anyMatch(l -> !l.stopping());
    }

    /** A lane stops: once none takes any more, this node no longer contends. */
    void memberStopping() {
        if (!taking()) {
            withdraw();
        }
    }

    private void run() {
        while (true) {
            try {
                Thread.sleep(PartitionLease.TTL.dividedBy(3));
            } catch (InterruptedException e) {
                return;
            }
            synchronized (entry) {
                if (closed) {
                    return;
                }
            }
            round();
        }
    }

    /** Says this node contends (while a lane takes), counts the nodes that do, and has the partitions above this node's share let go. */
    private void round() {
        try {
            synchronized (entry) {
                if (closed) {
                    return;
                }
                if (taking() || members.isEmpty()) {
                    Js.call("saying " + key + " contends", () -> leases.put(key, new byte[] {1}));
                }
            }
            List<String> contending = Js.call("listing " + prefix + "*", () -> leases.keys(prefix + "*"));
            nodes = Math.max(1, contending.size());
        } catch (RuntimeException e) {
            // the count stands until JetStream answers again
            LOG.debug("the nodes taking the partitions of {} could not be counted: {}", trigger, e.getMessage());
        }
        int share = share();
        List<PartitionLease> above = members.stream().filter(PartitionLease::holding)
                .sorted(Comparator.comparingInt(PartitionLease::partition)).skip(share).toList();
        if (!above.isEmpty()) {
            LOG.info("{} nodes take the partitions of {}: this node lets {} of its {} go", nodes, trigger, above.size(), share + above.size());
            above.forEach(PartitionLease::letGo);
        }
    }

    /** Removes this node's entry, for the others to count it out at once; it lapses after the lease's TTL if JetStream does not answer. */
    private void withdraw() {
        synchronized (entry) {
            try {
                Js.run("saying " + key + " no longer contends", () -> leases.delete(key));
            } catch (RuntimeException e) {
                LOG.debug("{} could not be removed: {}", key, e.getMessage());
            }
        }
    }

    /** Says this node no longer contends: its last lane closed. */
    @Override
    public void close() {
        synchronized (entry) {
            closed = true;
        }
        rounds.interrupt();
        withdraw();
    }
}
