package dev.skyfn.nats.nodes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skyfn.nats.Engine;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.KeyValueWatcher;
import io.nats.client.impl.NatsKeyValueWatchSubscription;
import java.io.IOException;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which nodes are alive, from their heartbeats in a JetStream bucket. A node that has not been
 * heard from for {@code deadAfter} is dead; one that says goodbye is gone at once. Time is this
 * process's own clock at the moment a heartbeat arrives, so clocks of other hosts do not matter;
 * silence this process slept through (stopped, paused) does not count, see {@link Watch}.
 */
public final class NodeDirectory implements AutoCloseable {

    public static final String BUCKET = "skyfn-nodes";
    private static final Logger LOG = LoggerFactory.getLogger(NodeDirectory.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A node as last heard of. */
    public record Member(NodeReport report, boolean alive, long heardAtNanos) {
    }

    private final Map<String, Member> members = new ConcurrentHashMap<>();
    private final List<Consumer<Member>> listeners = new CopyOnWriteArrayList<>();
    private final Duration deadAfter;
    private final NatsKeyValueWatchSubscription watch;
    private final Thread reaper;
    private volatile boolean closed;

    private NodeDirectory(KeyValue bucket, Duration deadAfter) throws IOException, InterruptedException, JetStreamApiException {
        this.deadAfter = deadAfter;
        this.watch = bucket.watchAll(new KeyValueWatcher() {
            @Override
            public void watch(KeyValueEntry entry) {
                heard(entry);
            }

            @Override
            public void endOfData() {
            }
        });
        this.reaper = Thread.ofVirtual().name("node-directory-reaper").start(this::reap);
    }

    /** Watches the nodes' heartbeats; a node silent for {@code deadAfter} is reported dead. */
    public static NodeDirectory watch(Engine engine, Duration deadAfter) {
        try {
            return new NodeDirectory(engine.bucket(BUCKET, 1, Duration.ZERO), deadAfter);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (JetStreamApiException e) {
            throw new IllegalStateException("cannot watch " + BUCKET + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts beating for a node: {@code report} every {@code every}, until the heartbeat is closed. */
    public static Heartbeat beat(Engine engine, Duration every, java.util.function.Supplier<NodeReport> report) {
        return new Heartbeat(engine.bucket(BUCKET, 1, Duration.ZERO), every, report);
    }

    /** Calls {@code listener} whenever a node appears, changes between alive and dead, or leaves. */
    public void onChange(Consumer<Member> listener) {
        listeners.add(listener);
    }

    /** Every node heard of, by name. */
    public List<Member> members() {
        return members.values().stream().sorted(Comparator.comparing(m -> m.report().node())).toList();
    }

    public Optional<Member> member(String node) {
        return Optional.ofNullable(members.get(node));
    }

    private void heard(KeyValueEntry entry) {
        if (entry.getOperation() != KeyValueOperation.PUT) {
            Member gone = members.remove(entry.getKey());
            if (gone != null) {
                tell(new Member(gone.report(), false, gone.heardAtNanos()));
            }
            return;
        }
        NodeReport report;
        try {
            report = JSON.readValue(entry.getValue(), NodeReport.class);
        } catch (IOException e) {
            LOG.warn("ignoring an unreadable heartbeat under {}: {}", entry.getKey(), e.getMessage());
            return;
        }
        Member now = new Member(report, true, System.nanoTime());
        Member before = members.put(report.node(), now);
        if (before == null || !before.alive() || !before.report().equals(report)) {
            tell(now);
        }
    }

    private void reap() {
        long period = Math.max(10, deadAfter.toMillis() / 5);
        var watch = new Watch(deadAfter, deadAfter.dividedBy(2), System.nanoTime());
        while (!closed) {
            watch.look(System.nanoTime());
            for (Member m : members.values()) {
                if (m.alive() && watch.dead(m.heardAtNanos())) {
                    Member dead = new Member(m.report(), false, m.heardAtNanos());
                    if (members.replace(m.report().node(), m, dead)) {
                        LOG.warn("node {} of {} missed its heartbeats for {} ms: dead", m.report().node(), m.report().cloud(),
                                deadAfter.toMillis());
                        tell(dead);
                    }
                }
            }
            try {
                Thread.sleep(period); // a clock tick: deaths are noticed within deadAfter + period
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void tell(Member m) {
        for (Consumer<Member> l : listeners) {
            try {
                l.accept(m);
            } catch (RuntimeException e) {
                LOG.error("a node listener failed", e);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        reaper.interrupt();
        try {
            watch.unsubscribe();
        } catch (RuntimeException e) {
            // the connection is already gone
        }
    }

    static byte[] json(NodeReport report) {
        try {
            return JSON.writeValueAsBytes(report);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
