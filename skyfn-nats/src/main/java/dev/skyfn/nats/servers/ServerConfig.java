package dev.skyfn.nats.servers;

import dev.skyfn.nats.Engine;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The configuration file of one NATS server of a topology. Every link is TLS with the fleet's
 * certificates, verified at both ends between servers (routes, gateways, leaf-node links).
 * Clients authenticate with their own nkeys; there is no anonymous user, and the system account
 * admits only its cloud's system user (this server version will not start one with both leaf
 * nodes and gateways without a system account). Cluster servers share one JetStream domain,
 * {@link Engine#DOMAIN}, so clients anywhere, edge sites included, reach the same streams and buckets.
 */
final class ServerConfig {

    /** The ports one server listens on; zero where it has no such listener. */
    record Ports(int client, int cluster, int gateway, int leaf) {
    }

    /** The gateway of a cloud's cluster: the gateway ports of its servers. */
    record Gateway(String cloud, List<Integer> ports) {
    }

    /**
     * Who a server admits and how it proves itself.
     *
     * @param cert       its certificate (PEM)
     * @param key        its private key (PEM)
     * @param ca         the fleet's certificate authority (PEM)
     * @param skyfnUsers public nkeys admitted to skyfn's account
     * @param systemUser public nkey of the one user of the system account
     * @param leaves     edge sites' leaf-node users and their passwords, on a hub
     */
    record Auth(Path cert, Path key, Path ca, List<String> skyfnUsers, String systemUser, List<LeafUser> leaves) {
        String tls(boolean verify) {
            return "tls { cert_file: \"" + cert.toAbsolutePath() + "\", key_file: \"" + key.toAbsolutePath()
                    + "\", ca_file: \"" + ca.toAbsolutePath() + "\", timeout: 5" + (verify ? ", verify: true" : "") + " }";
        }
    }

    /** The user an edge site's leaf-node link logs in as on its hub. */
    record LeafUser(String cloud, String password) {
        String user() {
            return "leaf-" + cloud;
        }
    }

    /** The largest message a server accepts. */
    static final int MAX_PAYLOAD = 8 << 20;

    private ServerConfig() {
    }

    /**
     * Server {@code name} of cloud {@code cloud}'s cluster, whose servers' cluster ports are
     * {@code routes}, joined to the other clouds' clusters by {@code gateways} (its own among
     * them). One cloud of one server has neither: JetStream runs standalone there.
     */
    static String cluster(String name, String cloud, Ports ports, List<Integer> routes, Path store, List<Gateway> gateways, Auth auth) {
        String leaves = "leafnodes { listen: 127.0.0.1:" + ports.leaf() + ", " + auth.tls(true) + " }\n";
        if (gateways.size() == 1 && routes.size() == 1) {
            return common(name, ports.client(), store, Engine.DOMAIN, auth) + leaves;
        }
        // a one-server cluster with JetStream needs a route, and a route to itself will do
        String routeList = routes.stream().map(port -> "\"nats-route://127.0.0.1:" + port + "\"").collect(Collectors.joining(", "));
        String config = common(name, ports.client(), store, Engine.DOMAIN, auth)
                + "cluster { name: " + cloud + ", listen: 127.0.0.1:" + ports.cluster() + ", routes: [" + routeList + "], "
                + auth.tls(true) + " }\n";
        if (gateways.size() > 1) {
            String gatewayList = gateways.stream().map(g -> "{name: " + g.cloud() + ", urls: [" + g.ports().stream()
                    .map(port -> "\"nats://127.0.0.1:" + port + "\"").collect(Collectors.joining(", ")) + "]}").collect(Collectors.joining(", "));
            config += "gateway { name: " + cloud + ", listen: 127.0.0.1:" + ports.gateway() + ", gateways: [" + gatewayList + "], "
                    + auth.tls(true) + " }\n";
        }
        return config + leaves;
    }

    /**
     * A server of edge site {@code cloud}, attached as a leaf node to the hubs whose leaf ports are
     * {@code hubLeafPorts}, nearest first: one link at a time, to the next hub when the one it
     * uses goes away.
     */
    static String leaf(String cloud, int clientPort, Path store, List<Integer> hubLeafPorts, LeafUser link, Auth auth) {
        String urls = hubLeafPorts.stream().map(port -> "\"nats-leaf://" + link.user() + ":" + link.password() + "@127.0.0.1:" + port + "\"")
                .collect(Collectors.joining(", "));
        // the leaf keeps a JetStream domain of its own; skyfn's data stays in the hub's
        return common(cloud, clientPort, store, cloud, auth)
                + "leafnodes { remotes: [{urls: [" + urls + "], dont_randomize: true, account: SKYFN, " + auth.tls(false) + "}] }\n";
    }

    private static String common(String name, int clientPort, Path store, String domain, Auth auth) {
        String skyfnUsers = auth.skyfnUsers().stream().map(u -> "{nkey: " + u + "}").collect(Collectors.joining(", "));
        String leafUsers = auth.leaves().stream().map(l -> ", {user: " + l.user() + ", password: \"" + l.password() + "\"}")
                .collect(Collectors.joining());
        return "server_name: " + name + "\n"
                + "listen: 127.0.0.1:" + clientPort + "\n"
                + auth.tls(false) + "\n"
                // room for a package chunk or a state value of several MiB in one message
                + "max_payload: " + MAX_PAYLOAD + "\n"
                + "jetstream { store_dir: \"" + store.toAbsolutePath() + "\", domain: " + domain + " }\n"
                + "accounts {\n"
                + "  SYS { users: [{nkey: " + auth.systemUser() + "}] }\n"
                + "  SKYFN { jetstream: enabled, users: [" + skyfnUsers + leafUsers + "] }\n"
                + "}\n"
                + "system_account: SYS\n";
    }
}
