package dev.skyfn.nats.servers;

import dev.skyfn.core.cloud.Cloud;
import dev.skyfn.core.cloud.Topology;
import dev.skyfn.nats.Engine;
import dev.skyfn.nats.NatsAccess;
import io.nats.client.JetStreamOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The NATS servers of a topology on one machine, as real processes on loopback: a cluster per
 * cloud joined into a supercluster by gateways, each edge site a leaf node of its two nearest
 * clouds (one link at a time: the second when the first is lost);
 * every link TLS, every client authenticated by its own nkey ({@link FleetSecrets}, made fresh
 * under the servers' directory). What {@code skyfn dev --topology} and the integration tests run on.
 */
public final class LocalNats implements AutoCloseable {

    /** The clouds an edge site can attach to, nearest first, so that losing one does not cut it off. */
    private static final int HUBS_PER_EDGE = 2;

    private static final Logger LOG = LoggerFactory.getLogger(LocalNats.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    /** Each cloud's servers: {@link Topology#natsServers}. */
    private final Map<String, List<Server>> servers;
    private final FleetSecrets secrets;

    private record Server(String cloud, String name, int clientPort, Path config, Path log, Process process) {
        String url() {
            return "tls://127.0.0.1:" + clientPort;
        }
    }

    private LocalNats(Map<String, List<Server>> servers, FleetSecrets secrets) {
        this.servers = servers;
        this.secrets = secrets;
    }

    /** Starts the servers of {@code topology}, their files under {@code dir}, and waits until JetStream answers everywhere. */
    public static LocalNats start(Topology topology, Path dir) {
        List<Cloud> hubs = topology.clouds().stream().filter(c -> !c.edge()).toList();
        if (topology.stateMirror().isPresent()) {
            NatsServerBinary.requirePromotable();
        }
        if (hubs.isEmpty()) {
            throw new IllegalArgumentException("a topology needs at least one cloud that is not an edge site to hold the cluster");
        }
        Map<String, List<ServerConfig.Ports>> ports = new LinkedHashMap<>();
        for (Cloud c : hubs) {
            int count = topology.natsServers(c.name());
            ports.put(c.name(), Stream.generate(() -> new ServerConfig.Ports(LoopbackPorts.take(), LoopbackPorts.take(),
                    LoopbackPorts.take(), LoopbackPorts.take())).limit(count).toList());
        }
        List<ServerConfig.Gateway> gateways = hubs.stream().map(c -> new ServerConfig.Gateway(c.name(),
                ports.get(c.name()).stream().map(ServerConfig.Ports::gateway).toList())).toList();
        FleetSecrets secrets = FleetSecrets.create(topology, dir.resolve("secrets"));
        Map<String, List<Server>> servers = new LinkedHashMap<>();
        var local = new LocalNats(servers, secrets);
        List<Cloud> edges = topology.clouds().stream().filter(Cloud::edge).toList();
        Map<String, List<Cloud>> hubsOf = new LinkedHashMap<>();
        for (Cloud c : edges) {
            hubsOf.put(c.name(), hubs.stream().sorted(Comparator.comparingDouble(h -> topology.latencyBetween(c.name(), h.name())))
                    .limit(HUBS_PER_EDGE).toList());
        }
        try {
            for (Cloud c : hubs) {
                List<ServerConfig.Ports> own = ports.get(c.name());
                List<Integer> routes = own.stream().map(ServerConfig.Ports::cluster).toList();
                List<ServerConfig.LeafUser> leaves = edges.stream().filter(e -> hubsOf.get(e.name()).contains(c))
                        .map(e -> new ServerConfig.LeafUser(e.name(), secrets.leafPassword(e.name()))).toList();
                List<Server> started = new ArrayList<>();
                servers.put(c.name(), started);
                for (int i = 0; i < own.size(); i++) {
                    String name = i == 0 ? c.name() : c.name() + "-" + (i + 1);
                    started.add(launch(c.name(), name, own.get(i).client(), dir, ServerConfig.cluster(name, c.name(), own.get(i), routes,
                            store(dir, name), gateways, auth(topology, secrets, c, leaves))));
                }
            }
            for (Cloud c : edges) {
                int client = LoopbackPorts.take();
                var link = new ServerConfig.LeafUser(c.name(), secrets.leafPassword(c.name()));
                List<Integer> hubLeafPorts = hubsOf.get(c.name()).stream().flatMap(h -> ports.get(h.name()).stream())
                        .map(ServerConfig.Ports::leaf).toList();
                // a list of its own, as a cloud's: restart() replaces the server in it
                servers.put(c.name(), new ArrayList<>(List.of(launch(c.name(), c.name(), client, dir, ServerConfig.leaf(c.name(), client,
                        store(dir, c.name()), hubLeafPorts, link, auth(topology, secrets, c, List.of()))))));
            }
            for (List<Server> cloud : servers.values()) {
                for (Server s : cloud) {
                    local.awaitJetStream(s);
                }
            }
            LOG.info("NATS supercluster up: {}", local.urls());
            return local;
        } catch (RuntimeException | Error e) {
            local.close();
            throw e;
        }
    }

    private static ServerConfig.Auth auth(Topology topology, FleetSecrets secrets, Cloud c, List<ServerConfig.LeafUser> leaves) {
        return new ServerConfig.Auth(secrets.certificate(c.name()), secrets.privateKey(c.name()), secrets.ca(),
                secrets.skyfnUsers(topology, c.name()), secrets.systemUserKey(c.name()), leaves);
    }

    private static Path store(Path dir, String server) {
        return dir.resolve(server).resolve("jetstream");
    }

    private static Server launch(String cloud, String name, int clientPort, Path dir, String config) {
        Path home = dir.resolve(name);
        try {
            Files.createDirectories(home);
            Path conf = home.resolve("nats.conf");
            Files.writeString(conf, config, StandardCharsets.UTF_8);
            return run(cloud, name, clientPort, conf, home.resolve("nats.log"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start nats-server " + name + ": " + e.getMessage(), e);
        }
    }

    private static Server run(String cloud, String name, int clientPort, Path conf, Path log) throws IOException {
        Process p = new ProcessBuilder(NatsServerBinary.find().toString(), "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return new Server(cloud, name, clientPort, conf, log, p);
    }

    /** The client URLs of {@code cloud}'s servers, comma-separated (what {@code --nats} takes). */
    public String url(String cloud) {
        List<Server> cloudServers = servers.get(cloud);
        if (cloudServers == null) {
            throw new IllegalArgumentException("no NATS server for cloud " + cloud);
        }
        return cloudServers.stream().map(Server::url).collect(Collectors.joining(","));
    }

    /** How {@code identity} (a node of the topology, or {@link FleetSecrets#OPERATOR}) reaches {@code cloud}'s server. */
    public NatsAccess access(String cloud, String identity) {
        return secrets.access(url(cloud), identity);
    }

    /** The credentials the servers were started with. */
    public FleetSecrets secrets() {
        return secrets;
    }

    /** Every cloud's client URL. */
    public Map<String, String> urls() {
        Map<String, String> urls = new LinkedHashMap<>();
        servers.keySet().forEach(cloud -> urls.put(cloud, url(cloud)));
        return urls;
    }

    /** Ends {@code cloud}'s servers at once, as when the cloud fails. */
    public void kill(String cloud) {
        for (int i = 0; i < servers.get(cloud).size(); i++) {
            kill(cloud, i);
        }
    }

    /** Ends server {@code index} (from 0) of {@code cloud}'s cluster at once, as when one host fails. */
    public void kill(String cloud, int index) {
        Server s = servers.get(cloud).get(index);
        s.process().destroyForcibly();
        s.process().onExit().join();
    }

    /** Starts {@code cloud}'s servers again after {@link #kill}, with their configuration and stores, and waits until JetStream answers. */
    public void restart(String cloud) {
        List<Server> cloudServers = servers.get(cloud);
        for (int i = 0; i < cloudServers.size(); i++) {
            Server old = cloudServers.get(i);
            if (old.process().isAlive()) {
                continue;
            }
            try {
                cloudServers.set(i, run(cloud, old.name(), old.clientPort(), old.config(), old.log()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start nats-server " + old.name() + " again: " + e.getMessage(), e);
            }
        }
        cloudServers.forEach(this::awaitJetStream);
    }

    @Override
    public void close() {
        List<Server> all = servers.values().stream().flatMap(List::stream).toList();
        for (Server s : all) {
            s.process().destroy();
        }
        for (Server s : all) {
            try {
                s.process().onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                s.process().destroyForcibly();
            }
        }
    }

    private void awaitJetStream(Server s) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            if (!s.process().isAlive()) {
                throw new IllegalStateException("nats-server " + s.name() + " exited: " + tail(s.log()));
            }
            if (accepts(s.clientPort())) {
                try (Engine engine = Engine.connect(secrets.access(s.url(), FleetSecrets.OPERATOR), "skyfn-start-check")) {
                    engine.connection().jetStreamManagement(JetStreamOptions.builder().domain(Engine.DOMAIN).build()).getAccountStatistics();
                    return;
                } catch (Exception e) {
                    last = e.getMessage();
                }
            }
            sleep();
        }
        throw new IllegalStateException("JetStream did not answer through nats-server " + s.name() + " within "
                + START_TIMEOUT.toSeconds() + " s (" + last + "): " + tail(s.log()));
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(50); // polling a starting process: there is nothing to wait on
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }
}
