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
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    private final Map<String, Server> servers;
    private final FleetSecrets secrets;

    private record Server(String cloud, int clientPort, Path config, Path log, Process process) {
        String url() {
            return "tls://127.0.0.1:" + clientPort;
        }
    }

    private LocalNats(Map<String, Server> servers, FleetSecrets secrets) {
        this.servers = servers;
        this.secrets = secrets;
    }

    /** Starts the servers of {@code topology}, their files under {@code dir}, and waits until JetStream answers everywhere. */
    public static LocalNats start(Topology topology, Path dir) {
        List<Cloud> hubs = topology.clouds().stream().filter(c -> !c.edge()).toList();
        if (hubs.isEmpty()) {
            throw new IllegalArgumentException("a topology needs at least one cloud that is not an edge site to hold the cluster");
        }
        Map<String, ServerConfig.Ports> ports = new LinkedHashMap<>();
        for (Cloud c : hubs) {
            ports.put(c.name(), new ServerConfig.Ports(LoopbackPorts.take(), LoopbackPorts.take(), LoopbackPorts.take(), LoopbackPorts.take()));
        }
        List<ServerConfig.Gateway> gateways = hubs.stream().map(c -> new ServerConfig.Gateway(c.name(), ports.get(c.name()).gateway())).toList();
        FleetSecrets secrets = FleetSecrets.create(topology, dir.resolve("secrets"));
        Map<String, Server> servers = new LinkedHashMap<>();
        var local = new LocalNats(servers, secrets);
        List<Cloud> edges = topology.clouds().stream().filter(Cloud::edge).toList();
        Map<String, List<Cloud>> hubsOf = new LinkedHashMap<>();
        for (Cloud c : edges) {
            hubsOf.put(c.name(), hubs.stream().sorted(Comparator.comparingDouble(h -> topology.latencyBetween(c.name(), h.name())))
                    .limit(HUBS_PER_EDGE).toList());
        }
        try {
            for (Cloud c : hubs) {
                ServerConfig.Ports p = ports.get(c.name());
                List<ServerConfig.LeafUser> leaves = edges.stream().filter(e -> hubsOf.get(e.name()).contains(c))
                        .map(e -> new ServerConfig.LeafUser(e.name(), secrets.leafPassword(e.name()))).toList();
                servers.put(c.name(), launch(c.name(), p.client(), dir,
                        ServerConfig.cluster(c.name(), p, store(dir, c), gateways, auth(topology, secrets, c, leaves))));
            }
            for (Cloud c : edges) {
                int client = LoopbackPorts.take();
                var link = new ServerConfig.LeafUser(c.name(), secrets.leafPassword(c.name()));
                servers.put(c.name(), launch(c.name(), client, dir, ServerConfig.leaf(c.name(), client, store(dir, c),
                        hubsOf.get(c.name()).stream().map(h -> ports.get(h.name()).leaf()).toList(), link, auth(topology, secrets, c, List.of()))));
            }
            for (Server s : servers.values()) {
                local.awaitJetStream(s);
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

    private static Path store(Path dir, Cloud cloud) {
        return dir.resolve(cloud.name()).resolve("jetstream");
    }

    private static Server launch(String cloud, int clientPort, Path dir, String config) {
        Path home = dir.resolve(cloud);
        try {
            Files.createDirectories(home);
            Path conf = home.resolve("nats.conf");
            Files.writeString(conf, config, StandardCharsets.UTF_8);
            return run(cloud, clientPort, conf, home.resolve("nats.log"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start nats-server for " + cloud + ": " + e.getMessage(), e);
        }
    }

    private static Server run(String cloud, int clientPort, Path conf, Path log) throws IOException {
        Process p = new ProcessBuilder(NatsServerBinary.find().toString(), "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return new Server(cloud, clientPort, conf, log, p);
    }

    /** The client URL of {@code cloud}'s server. */
    public String url(String cloud) {
        Server s = servers.get(cloud);
        if (s == null) {
            throw new IllegalArgumentException("no NATS server for cloud " + cloud);
        }
        return s.url();
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
        servers.forEach((cloud, s) -> urls.put(cloud, s.url()));
        return urls;
    }

    /** Ends {@code cloud}'s server at once, as when the cloud fails. */
    public void kill(String cloud) {
        Server s = servers.get(cloud);
        s.process().destroyForcibly();
        s.process().onExit().join();
    }

    /** Starts {@code cloud}'s server again after {@link #kill}, with its configuration and its store, and waits until JetStream answers. */
    public void restart(String cloud) {
        Server old = servers.get(cloud);
        try {
            Server s = run(cloud, old.clientPort(), old.config(), old.log());
            servers.put(cloud, s);
            awaitJetStream(s);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start nats-server for " + cloud + " again: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        for (Server s : servers.values()) {
            s.process().destroy();
        }
        for (Server s : servers.values()) {
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
                throw new IllegalStateException("nats-server for " + s.cloud() + " exited: " + tail(s.log()));
            }
            if (accepts(s.clientPort())) {
                try (Engine engine = Engine.connect(access(s.cloud(), FleetSecrets.OPERATOR), "skyfn-start-check")) {
                    engine.connection().jetStreamManagement(JetStreamOptions.builder().domain(Engine.DOMAIN).build()).getAccountStatistics();
                    return;
                } catch (Exception e) {
                    last = e.getMessage();
                }
            }
            sleep();
        }
        throw new IllegalStateException("JetStream did not answer through " + s.cloud() + "'s server within "
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
