package dev.skyfn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skyfn.control.capacity.NodeState;
import dev.skyfn.core.cloud.Cloud;
import dev.skyfn.core.cloud.NodeSpec;
import dev.skyfn.nats.Engine;
import dev.skyfn.nats.NatsAccess;
import dev.skyfn.node.capacity.LocalCapacity;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clouds of an emulated fleet as capacity providers: the API the {@code local} provider
 * ({@link LocalCapacity}) calls over NATS. A node acquired is one of its cloud's elastic nodes
 * ({@code maxNodes} bounds how many); its {@code skyfn node} process starts once the cloud's
 * {@code startup} time (scaled by the fleet's time scale) has passed, as a VM or container would
 * become available, and is stopped when the node is released.
 */
final class EmulatedClouds implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmulatedClouds.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EmulatedFleet fleet;
    private final Engine engine;
    private final Connection nats;
    /** The elastic nodes given and not taken back, by name. */
    private final Map<String, Held> held = new LinkedHashMap<>();
    private final double timeScale;

    /** One node given: booting until its process starts. */
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
     * servers; a node starts {@code timeScale} times its cloud's start-up time after it is asked for.
     */
    EmulatedClouds(EmulatedFleet fleet, NatsAccess access, double timeScale) {
        this.fleet = fleet;
        this.timeScale = timeScale;
        this.engine = Engine.connect(access, "emulated-clouds", null);
        this.nats = engine.connection();
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
                default -> Map.of("error", "no operation " + op + " (acquire, release, list)");
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

    private synchronized Object acquire(String cloud) {
        Cloud c = fleet.topology().cloud(cloud).orElse(null);
        if (c == null) {
            return Map.of("error", "no cloud " + cloud + " in the topology");
        }
        NodeSpec free = fleet.topology().elasticNodes(cloud).stream().filter(n -> !held.containsKey(n.name())).findFirst().orElse(null);
        if (free == null) {
            return Map.of("error", "cloud " + cloud + " is at its maxNodes " + c.maxNodes());
        }
        Held h = new Held(free);
        held.put(free.name(), h);
        Duration wait = Duration.ofNanos((long) (c.startup().toNanos() * timeScale));
        h.boot = Thread.ofVirtual().name("boot-" + free.name()).start(() -> boot(h, wait));
        LOG.info("cloud {} gives node {}; it starts in {} ms", cloud, free.name(), wait.toMillis());
        return view(h);
    }

    private void boot(Held h, Duration wait) {
        try {
            Thread.sleep(wait);
        } catch (InterruptedException released) {
            return;
        }
        synchronized (this) {
            if (held.get(h.spec.name()) != h) {
                return; // released while it booted
            }
            fleet.launchElastic(h.spec);
            h.state = NodeState.READY;
        }
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
        // stopping takes up to its grace: off the NATS thread
        Thread.ofVirtual().start(() -> fleet.stop(node));
        LOG.info("cloud {} takes node {} back", cloud, node);
        return Map.of();
    }

    private synchronized List<Object> list(String cloud) {
        List<Object> nodes = new ArrayList<>();
        held.values().stream().filter(h -> h.spec.cloud().equals(cloud)).forEach(h -> nodes.add(view(h)));
        return nodes;
    }

    private static Map<String, String> view(Held h) {
        return Map.of("node", h.spec.name(), "cloud", h.spec.cloud(), "state", h.state.name());
    }

    @Override
    public void close() {
        engine.close();
    }
}
