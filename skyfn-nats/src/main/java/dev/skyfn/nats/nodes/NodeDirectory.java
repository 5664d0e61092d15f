package dev.skyfn.nats.nodes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skyfn.nats.Engine;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
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
 * Which nodes are alive, from their heartbeats on {@code skyfn.heartbeat.<node>} (core NATS: a
 * fleet whose state cloud is unreachable still knows who is alive). A node that has not been
 * heard from for {@code deadAfter} is dead; one that says goodbye is gone at once. A node joining
 * hears of the others within one heartbeat. Time is this
 * process's own clock at the moment a heartbeat arrives, so clocks of other hosts do not matter;
 * silence this process slept through (stopped, paused) does not count, see {@link Watch}.
 */
public final class NodeDirectory implements AutoCloseable {

    private static final String SUBJECTS = "skyfn.heartbeat.";
    private static final Logger LOG = LoggerFactory.getLogger(NodeDirectory.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A node as last heard of. */
    public record Member(NodeReport report, boolean alive, long heardAtNanos) {
    }

    private final Map<String, Member> members = new ConcurrentHashMap<>();
    /** Nodes that said goodbye while leaving (their cloud taking them back): they do not start again as themselves. */
    private final java.util.Set<String> departed = ConcurrentHashMap.newKeySet();
    private final List<Consumer<Member>> listeners = new CopyOnWriteArrayList<>();
    private final Duration deadAfter;
    private final Engine engine;
    private final String self;
    private final Dispatcher watch;
    private final Thread reaper;
    private volatile boolean closed;

    private NodeDirectory(Engine engine, Duration deadAfter, String self) {
        this.engine = engine;
        this.deadAfter = deadAfter;
        this.self = self;
        this.watch = engine.connection().createDispatcher(this::heard);
        watch.subscribe(SUBJECTS + ">");
        this.reaper = Thread.ofVirtual().name("node-directory-reaper").start(this::reap);
    }

    /** Watches the nodes' heartbeats; a node silent for {@code deadAfter} is reported dead. */
    public static NodeDirectory watch(Engine engine, Duration deadAfter) {
        return new NodeDirectory(engine, deadAfter, null);
    }

    /**
     * Watches the nodes' heartbeats for node {@code self}, which beats too. While {@code self}
     * does not hear its own heartbeat, it is the one cut off (its NATS server gone, its link
     * down), not the others: it then judges no other node dead.
     */
    public static NodeDirectory watch(Engine engine, Duration deadAfter, String self) {
        return new NodeDirectory(engine, deadAfter, self);
    }

    /** Starts beating for a node: {@code report} every {@code every}, until the heartbeat is closed. */
    public static Heartbeat beat(Engine engine, Duration every, java.util.function.Supplier<NodeReport> report) {
        return new Heartbeat(engine.connection(), every, report);
    }

    static String subject(String node) {
        return SUBJECTS + node;
    }

    /** Calls {@code listener} whenever a node appears, changes between alive and dead, or leaves. */
    public void onChange(Consumer<Member> listener) {
        listeners.add(listener);
    }

    /** Every node heard of, by name. */
    public List<Member> members() {
        return sorted;
    }

    /**
     * The members by name, made again after each change: every call a gateway routes reads them,
     * a heartbeat changes them about once a second per node. Each change is followed by a sort of
     * what the map holds then, so the last sort sees the last change.
     */
    private volatile List<Member> sorted = List.of();

    private synchronized void sort() {
        sorted = members.values().stream().sorted(Comparator.comparing(m -> m.report().node())).toList();
    }

    public Optional<Member> member(String node) {
        return Optional.ofNullable(members.get(node));
    }

    /**
     * The nodes heard saying goodbye while their last report said they were leaving ({@link
     * NodeReport#leaving()}, their cloud takes them back): unlike a node stopped to be started
     * again, they will not resume what they held. A name heard again is a new machine, and no
     * longer departed.
     */
    public java.util.Set<String> departed() {
        return java.util.Set.copyOf(departed);
    }

    private void heard(Message beat) {
        String node = beat.getSubject().substring(SUBJECTS.length());
        if (beat.getData() == null || beat.getData().length == 0) {
            Member gone = members.remove(node);
            sort();
            if (gone != null && gone.report().leaving()) {
                departed.add(node);
            }
            if (gone != null) {
                tell(new Member(gone.report(), false, gone.heardAtNanos()));
            }
            return;
        }
        NodeReport report;
        try {
            report = JSON.readValue(beat.getData(), NodeReport.class);
        } catch (IOException e) {
            LOG.warn("ignoring an unreadable heartbeat on {}: {}", beat.getSubject(), e.getMessage());
            return;
        }
        if (!report.node().equals(node)) {
            LOG.warn("ignoring a heartbeat of {} sent on {}", report.node(), beat.getSubject());
            return;
        }
        departed.remove(report.node());
        Member now = new Member(report, true, System.nanoTime());
        Member before = members.put(report.node(), now);
        sort();
        if (before == null || !before.alive() || !before.report().equals(report)) {
            tell(now);
        }
    }

    private void reap() {
        long period = Math.max(10, deadAfter.toMillis() / 5);
        var watch = new Watch(deadAfter, deadAfter.dividedBy(2), System.nanoTime());
        boolean wasCutOff = false;
        while (!closed) {
            watch.look(System.nanoTime());
            Member me = self == null ? null : members.get(self);
            boolean cutOff = me != null && watch.cutOff(me.heardAtNanos());
            if (cutOff != wasCutOff) {
                LOG.warn(cutOff ? "node {} does not hear its own heartbeat: it is cut off from the fleet, and takes no other node for dead meanwhile"
                        : "node {} hears its own heartbeat again", self);
                wasCutOff = cutOff;
                if (!cutOff) {
                    watch.rejoin(System.nanoTime());
                }
            }
            for (Member m : cutOff ? List.<Member>of() : members.values()) {
                if (m.alive() && watch.dead(m.heardAtNanos())) {
                    Member dead = new Member(m.report(), false, m.heardAtNanos());
                    if (members.replace(m.report().node(), m, dead)) {
                        sort();
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
            engine.connection().closeDispatcher(watch);
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
