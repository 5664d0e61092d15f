package dev.skyfn.bench;

import dev.skyfn.core.cloud.NodeSpec;
import dev.skyfn.core.cloud.Topology;
import dev.skyfn.core.cloud.TopologyReader;
import dev.skyfn.core.cloud.Trust;
import dev.skyfn.nats.servers.LocalNats;
import dev.skyfn.nats.servers.LoopbackPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A fleet on this machine for benchmarks: the topology's NATS servers, and a {@code skyfn node
 * --dev} process from the built jar for each of its nodes, each with its own credentials; no WAN
 * latency emulated.
 */
final class BenchFleet implements AutoCloseable {

    private final LocalNats nats;
    /** Where the fleet's NATS servers, nodes and their logs live: removed at close. */
    private final Path dir;
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final List<Process> processes = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    private BenchFleet(LocalNats nats, Path dir) {
        this.dir = dir;
        this.nats = nats;
    }

    /**
     * A topology's YAML with one trusted private cloud in region {@code here} per entry of
     * {@code clouds} (its name → its nodes, each {@code name: {cpus: …, memory: …}}), in this
     * order, a user {@code here} 1 ms from each, and 1 ms between them.
     */
    @SafeVarargs
    static String privateClouds(Map.Entry<String, List<String>>... clouds) {
        StringBuilder yaml = new StringBuilder("clouds:\n");
        for (var cloud : clouds) {
            yaml.append("  ").append(cloud.getKey()).append(":\n    provider: private\n    region: here\n    trust: trusted\n")
                    .append("    pricing: {model: owned}\n    nodes:\n");
            cloud.getValue().forEach(n -> yaml.append("      ").append(n).append('\n'));
        }
        List<String> names = java.util.Arrays.stream(clouds).map(Map.Entry::getKey).toList();
        yaml.append("users:\n  here: {").append(String.join(", ", names.stream().map(n -> n + ": 1").toList())).append("}\n");
        if (names.size() == 1) {
            return yaml.append("latency: {}\n").toString();
        }
        yaml.append("latency:\n");
        for (int i = 0; i < names.size() - 1; i++) {
            yaml.append("  ").append(names.get(i)).append(": {")
                    .append(String.join(", ", names.subList(i + 1, names.size()).stream().map(n -> n + ": 1").toList())).append("}\n");
        }
        return yaml.toString();
    }

    static BenchFleet start(Path root, String topologyYaml) {
        return start(root, topologyYaml, Map.of());
    }

    /** {@link #start(Path, String)}, some nodes given options of their own ({@code perNode}: a test fault, say). */
    static BenchFleet start(Path root, String topologyYaml, Map<String, List<String>> perNode) {
        return start(root, topologyYaml, perNode, false);
    }

    /**
     * {@link #start(Path, String, Map)}; with {@code cpuPerCloud}, each cloud's node processes (and
     * so their sandboxes) run on a CPU of their own, the clouds taking the machine's CPUs in turn:
     * clouds are different machines, and one cloud's work (a boot, a JIT warming up) does not
     * slow another's calls as it would on shared CPUs.
     */
    static BenchFleet start(Path root, String topologyYaml, Map<String, List<String>> perNode, boolean cpuPerCloud) {
        Path dir = temp();
        Topology topology = TopologyReader.read(topologyYaml.getBytes(StandardCharsets.UTF_8));
        var fleet = new BenchFleet(LocalNats.start(topology, dir.resolve("nats")), dir);
        try {
            Path topologyFile = Files.writeString(dir.resolve("fleet.yaml"), topologyYaml);
            for (NodeSpec n : topology.nodes()) {
                int port = LoopbackPorts.take();
                fleet.ports.put(n.name(), port);
                List<String> cmd = new ArrayList<>();
                if (cpuPerCloud) {
                    int cloud = topology.clouds().stream().map(c -> c.name()).toList().indexOf(n.cloud());
                    cmd.addAll(List.of("taskset", "-c", Integer.toString(cloud % Runtime.getRuntime().availableProcessors())));
                }
                cmd.add(Procs.JAVA.toString());
                // NODE_JVM_OPTIONS (bench/run): a profiler's flags, say, for every node of the fleet
                cmd.addAll(java.util.Arrays.stream(System.getProperty("nodeJvmOptions", "").split(" ")).filter(o -> !o.isBlank()).toList());
                cmd.addAll(List.of("-jar", root.resolve("skyfn-cli/target/skyfn.jar").toString(),
                        "node", "--dev", "--nats", fleet.nats.url(n.cloud()), "--nats-seed", fleet.nats.secrets().seed(n.name()).toString(),
                        "--nats-ca", fleet.nats.secrets().ca().toString(), "--data-key", fleet.nats.secrets().dataKey(Trust.UNTRUSTED).toString(),
                        "--topology", topologyFile.toString(), "--name", n.name(), "--port", Integer.toString(port),
                        "--spares", "1", "--data", dir.resolve(n.name()).toString()));
                cmd.addAll(perNode.getOrDefault(n.name(), List.of()));
                fleet.processes.add(Procs.start(null, dir.resolve(n.name() + ".log"), cmd));
            }
            for (int port : fleet.ports.values()) {
                fleet.awaitAlive(port, topology.nodes().size());
            }
            return fleet;
        } catch (IOException | RuntimeException e) {
            fleet.close();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    LocalNats nats() {
        return nats;
    }

    /** The HTTP port of node {@code name}. */
    int port(String name) {
        return ports.get(name);
    }

    /** Sends a request to the node on {@code port}; its body, or an exception for a status of 300 or more. */
    String send(int port, String method, String path, byte[] body) {
        return send(http, port, method, path, body);
    }

    /** Sends a request with {@code http} to the node on {@code port}; its body, or an exception for a status of 300 or more. */
    static String send(HttpClient http, int port, String method, String path, byte[] body) {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", "application/octet-stream").build();
        try {
            HttpResponse<String> res = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (res.statusCode() >= 300) {
                throw new IllegalStateException(method + " " + path + ": " + res.statusCode() + " " + res.body());
            }
            return res.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void awaitAlive(int port, int nodes) {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            try {
                String body = send(port, "GET", "/v1/nodes", null);
                if (body.split("\"alive\":true", -1).length - 1 == nodes) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the fleet did not come up on port " + port);
            }
            Procs.sleep(Duration.ofMillis(100));
        }
    }

    @Override
    public void close() {
        processes.forEach(Procs::stop);
        nats.close();
        try {
            dev.skyfn.control.AtomicFiles.deleteTree(dir);
        } catch (IOException e) {
            System.err.println("the fleet's files in " + dir + " were not all removed: " + e.getMessage());
        }
    }

    private static Path temp() {
        try {
            return Files.createTempDirectory("skyfn-fleet-bench-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
