package dev.skyfn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skyfn.control.capacity.NodeState;
import dev.skyfn.core.cloud.Cloud;
import dev.skyfn.core.cloud.NodeSpec;
import dev.skyfn.core.cloud.PreemptionTrace;
import dev.skyfn.nats.Engine;
import dev.skyfn.nats.NatsAccess;
import dev.skyfn.node.capacity.LocalCapacity;
import dev.skyfn.node.capacity.PreemptionNotices;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clouds of an emulated fleet as capacity providers: the API the {@code local} provider
 * ({@link LocalCapacity}) calls over NATS. A node acquired is one of its cloud's elastic nodes
 * ({@code maxNodes} bounds how many); its {@code skyfn node} process joins the fleet once the
 * cloud's {@code startup} time (scaled by the fleet's time scale) has passed, as a VM or container
 * would become available, and is stopped when the node is released. The process starts at once —
 * or was booted ahead, a standby of the cloud's like an EC2 Auto Scaling warm pool's, made whole
 * again as nodes are given back — and runs at
 * the lowest CPU priority until it is up: on one machine, a node's own JVM start would otherwise
 * lengthen a start-up compressed to seconds, and a dozen starting at once would slow the nodes
 * serving the burst they were asked for.
 */
final class EmulatedClouds implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmulatedClouds.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EmulatedFleet fleet;
    private final Engine engine;
    private final Connection nats;
    /** The elastic nodes given and not taken back, by name. */
    private final Map<String, Held> held = new LinkedHashMap<>();
    /** Node processes booted ahead and not given yet, by name. */
    private final Map<String, EmulatedFleet.Member> standby = new LinkedHashMap<>();
    private final double timeScale;
    private final int standbyPerCloud;
    /** Nodes whose preemption notice is running: a trace takes each back once. */
    private final java.util.Set<String> preempting = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** One node given: booting until its cloud's start-up time has passed. */
    private static final class Held {
        final NodeSpec spec;
        volatile NodeState state = NodeState.BOOTING;
        volatile Thread boot;

        Held(NodeSpec spec) {
            this.spec = spec;
        }
    }

    /**
     * Serves the clouds' capacity API through {@code access}, the operator's way to the fleet's NATS
     * servers; a node joins {@code timeScale} times its cloud's start-up time after it is asked for.
     * {@code standbyPerCloud} node processes per cloud are booted ahead, held before they join.
     */
    EmulatedClouds(EmulatedFleet fleet, NatsAccess access, double timeScale, int standbyPerCloud) {
        this.fleet = fleet;
        this.timeScale = timeScale;
        this.standbyPerCloud = standbyPerCloud;
        this.engine = Engine.connect(access, "emulated-clouds", null);
        this.nats = engine.connection();
        fleet.topology().clouds().forEach(c -> refill(c.name()));
        Dispatcher d = nats.createDispatcher(this::answer);
        d.subscribe("skyfn.capacity.*.*");
    }

    private void answer(Message m) {
        String[] parts = m.getSubject().split("\\.");
        String cloud = parts[2];
        String op = parts[3];
        Object reply;
        try {
            JsonNode body = JSON.readTree(m.getData().length == 0 ? "{}".getBytes() : m.getData());
            reply = switch (op) {
                case "acquire" -> acquire(cloud);
                case "release" -> release(cloud, body.path("node").asText());
                case "list" -> Map.of("nodes", list(cloud));
                case "preempt" -> preempt(cloud, body.path("node").asText(), Duration.ofMillis(body.path("noticeMs").asLong()));
                default -> Map.of("error", "no operation " + op + " (acquire, release, list, preempt)");
            };
        } catch (RuntimeException | IOException e) {
            reply = Map.of("error", String.valueOf(e.getMessage()));
        }
        try {
            nats.publish(m.getReplyTo(), JSON.writeValueAsBytes(reply));
        } catch (IOException e) {
            LOG.warn("cannot answer {}: {}", m.getSubject(), e.getMessage());
        }
    }

    private synchronized Object acquire(String cloud) throws IOException {
        Cloud c = fleet.topology().cloud(cloud).orElse(null);
        if (c == null) {
            return Map.of("error", "no cloud " + cloud + " in the topology");
        }
        EmulatedFleet.Member ahead = standby.values().stream().filter(m -> m.cloud().equals(cloud)).findFirst().orElse(null);
        NodeSpec node;
        if (ahead != null) {
            standby.remove(ahead.node());
            node = fleet.topology().node(ahead.node()).orElseThrow();
            fleet.adopt(ahead);
        } else {
            node = free(cloud).stream().findFirst().orElse(null);
            if (node == null) {
                return Map.of("error", "cloud " + cloud + " is at its maxNodes " + c.maxNodes());
            }
            fleet.adopt(spawn(node));
        }
        Held h = new Held(node);
        held.put(node.name(), h);
        Duration wait = Duration.ofNanos((long) (c.startup().toNanos() * timeScale));
        signal(node, Instant.now().plus(wait));
        h.boot = Thread.ofVirtual().name("boot-" + node.name()).start(() -> boot(h, wait));
        LOG.info("cloud {} gives node {}; it is up in {} ms", cloud, node.name(), wait.toMillis());
        return view(h);
    }

    /** Boots node processes ahead until {@code cloud} has its standby, within its maxNodes. */
    private synchronized void refill(String cloud) {
        long have = standby.values().stream().filter(n -> n.cloud().equals(cloud)).count();
        for (NodeSpec n : free(cloud)) {
            if (have++ >= standbyPerCloud) {
                return;
            }
            standby.put(n.name(), spawn(n));
        }
    }

    /** {@code cloud}'s elastic nodes neither given nor booted ahead. */
    private List<NodeSpec> free(String cloud) {
        return fleet.topology().elasticNodes(cloud).stream().filter(n -> !held.containsKey(n.name()) && !standby.containsKey(n.name())).toList();
    }

    /** Starts a node's process, held before it joins until its join signal is written. */
    private EmulatedFleet.Member spawn(NodeSpec node) {
        try {
            Files.deleteIfExists(fleet.joinSignal(node.name()));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return fleet.spawnElastic(node, fleet.joinSignal(node.name()));
    }

    /** Lets a node join at {@code at}: written whole, so that the node never reads half a time. */
    private void signal(NodeSpec node, Instant at) throws IOException {
        Path file = fleet.joinSignal(node.name());
        Path written = Files.writeString(file.resolveSibling(file.getFileName() + ".tmp"), at.toString());
        Files.move(written, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private void boot(Held h, Duration wait) {
        try {
            Thread.sleep(wait);
        } catch (InterruptedException released) {
            return; // given back before it was up
        }
        h.state = NodeState.READY;
        fleet.up(h.spec.name());
    }

    private Object release(String cloud, String node) {
        Held h;
        synchronized (this) {
            h = held.get(node);
            if (h == null || !h.spec.cloud().equals(cloud)) {
                return Map.of();
            }
            held.remove(node);
        }
        if (h.boot != null) {
            h.boot.interrupt();
        }
        // stopping takes up to its grace: off the NATS thread; the standby is made whole again when the load has fallen,
        // rather than while the burst that took it is served
        Thread.ofVirtual().start(() -> {
            fleet.stop(node);
            refill(cloud);
        });
        LOG.info("cloud {} takes node {} back", cloud, node);
        return Map.of();
    }

    /**
     * Takes a running node of {@code cloud} back as a spot market does: its notice now (on
     * {@link PreemptionNotices#subject}), the machine gone — its process SIGKILLed — when the
     * notice, scaled by the fleet's time scale, has run out.
     */
    private Object preempt(String cloud, String node, Duration notice) {
        EmulatedFleet.Member m;
        try {
            m = fleet.node(node);
        } catch (IllegalArgumentException e) {
            return Map.of("error", "node " + node + " is not running");
        }
        synchronized (this) {
            if (!m.cloud().equals(cloud) || standby.containsKey(node)) {
                return Map.of("error", "node " + node + " is not running in cloud " + cloud);
            }
        }
        Duration wait = Duration.ofNanos((long) (notice.toNanos() * timeScale));
        Instant at = Instant.now().plus(wait);
        preempting.add(node);
        nats.publish(PreemptionNotices.subject(node), PreemptionNotices.notice(at));
        LOG.info("cloud {} preempts node {}: gone in {} ms", cloud, node, wait.toMillis());
        Thread.ofVirtual().name("preempt-" + node).start(() -> {
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                return;
            }
            takeBack(cloud, node);
        });
        return Map.of("node", node, "at", at.toString());
    }

    /**
     * Replays {@code trace} from {@code epoch} on a thread of its own: at each of its times (scaled
     * by the fleet's time scale) the cloud takes back the node named, or the one of its running
     * nodes that has run longest, as {@link #preempt} does. A preemption whose cloud has no such
     * node running then is skipped, and said in the log.
     */
    void replay(PreemptionTrace trace, Instant epoch) {
        if (trace.preemptions().isEmpty()) {
            return;
        }
        Thread.ofVirtual().name("preemption-trace").start(() -> {
            for (PreemptionTrace.Preemption p : trace.preemptions()) {
                Duration wait = Duration.between(Instant.now(), epoch.plusNanos((long) (p.at().toNanos() * timeScale)));
                try {
                    Thread.sleep(wait.isNegative() ? Duration.ZERO : wait);
                } catch (InterruptedException e) {
                    return;
                }
                String node = p.node().orElseGet(() -> longestRunning(p.cloud()));
                Object answer = node == null ? Map.of("error", "no node of it is running") : preempt(p.cloud(), node, p.notice());
                if (answer instanceof Map<?, ?> m && m.containsKey("error")) {
                    LOG.warn("preemption trace at {}: cloud {} takes no node back: {}", p.at(), p.cloud(), m.get("error"));
                }
            }
        });
    }

    /** The node of {@code cloud} that has run longest among those running and given, or null. */
    private synchronized String longestRunning(String cloud) {
        return fleet.nodes().stream().filter(m -> m.cloud().equals(cloud) && !standby.containsKey(m.node()) && !preempting.contains(m.node()))
                .filter(m -> !held.containsKey(m.node()) || held.get(m.node()).state == NodeState.READY)
                .map(EmulatedFleet.Member::node).findFirst().orElse(null);
    }

    /** The end of a preemption notice: the machine is gone, whatever ran on it. */
    private void takeBack(String cloud, String node) {
        Held h;
        synchronized (this) {
            h = held.remove(node);
        }
        if (h != null && h.boot != null) {
            h.boot.interrupt();
        }
        if (fleet.vanish(node)) {
            LOG.info("cloud {} took node {} back at the end of its preemption notice", cloud, node);
        }
        preempting.remove(node);
        if (h != null) {
            Thread.ofVirtual().start(() -> refill(cloud));
        }
    }

    private synchronized List<Object> list(String cloud) {
        List<Object> nodes = new ArrayList<>();
        held.values().stream().filter(h -> h.spec.cloud().equals(cloud)).forEach(h -> nodes.add(view(h)));
        return nodes;
    }

    private static Map<String, String> view(Held h) {
        return Map.of("node", h.spec.name(), "cloud", h.spec.cloud(), "state", h.state.name());
    }

    /** Stops serving the capacity API, and the node processes booted ahead that nobody asked for. */
    @Override
    public void close() {
        engine.close();
        List<EmulatedFleet.Member> ahead;
        synchronized (this) {
            ahead = List.copyOf(standby.values());
            standby.clear();
        }
        EmulatedFleet.stop(ahead);
    }
}
