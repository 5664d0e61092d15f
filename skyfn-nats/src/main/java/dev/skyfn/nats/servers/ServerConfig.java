package dev.skyfn.nats.servers;

import dev.skyfn.nats.Engine;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The configuration file of one NATS server of a topology. Every server has a system account
 * (this server version will not start one with both leaf nodes and gateways otherwise) and puts
 * clients without credentials in skyfn's account. Cluster servers share one JetStream domain,
 * {@link Engine#DOMAIN}, so clients anywhere, edge sites included, reach the same streams and buckets.
 */
final class ServerConfig {

    /** The ports one server listens on; zero where it has no such listener. */
    record Ports(int client, int cluster, int gateway, int leaf) {
    }

    /** A gateway of another cloud's cluster. */
    record Gateway(String cloud, int port) {
    }

    /** The largest message a server accepts. */
    static final int MAX_PAYLOAD = 8 << 20;

    private ServerConfig() {
    }

    /**
     * A server of cloud {@code cloud}'s cluster, joined to the others' by {@code gateways} (itself
     * among them). A topology of one cloud has neither: JetStream runs standalone there.
     */
    static String cluster(String cloud, Ports ports, Path store, List<Gateway> gateways) {
        String leaves = "leafnodes { listen: 127.0.0.1:" + ports.leaf() + " }\n";
        if (gateways.size() == 1) {
            return common(cloud, ports.client(), store, Engine.DOMAIN) + leaves;
        }
        String gatewayList = gateways.stream().map(g -> "{name: " + g.cloud() + ", url: \"nats://127.0.0.1:" + g.port() + "\"}")
                .collect(Collectors.joining(", "));
        return common(cloud, ports.client(), store, Engine.DOMAIN)
                // a one-server cluster with JetStream needs a route, and a route to itself will do
                + "cluster { name: " + cloud + ", listen: 127.0.0.1:" + ports.cluster()
                + ", routes: [\"nats-route://127.0.0.1:" + ports.cluster() + "\"] }\n"
                + "gateway { name: " + cloud + ", listen: 127.0.0.1:" + ports.gateway() + ", gateways: [" + gatewayList + "] }\n"
                + leaves;
    }

    /** A server of edge site {@code cloud}, attached as a leaf node to the hub whose leaf port is {@code hubLeafPort}. */
    static String leaf(String cloud, int clientPort, Path store, int hubLeafPort) {
        // the leaf keeps a JetStream domain of its own; skyfn's data stays in the hub's
        return common(cloud, clientPort, store, cloud)
                + "leafnodes { remotes: [{url: \"nats-leaf://skyfn:skyfn@127.0.0.1:" + hubLeafPort + "\", account: SKYFN}] }\n";
    }

    private static String common(String name, int clientPort, Path store, String domain) {
        return "server_name: " + name + "\n"
                + "listen: 127.0.0.1:" + clientPort + "\n"
                // room for a package chunk or a state value of several MiB in one message
                + "max_payload: " + MAX_PAYLOAD + "\n"
                + "jetstream { store_dir: \"" + store.toAbsolutePath() + "\", domain: " + domain + " }\n"
                + "accounts {\n"
                + "  SYS { users: [{user: sys, password: sys}] }\n"
                + "  SKYFN { jetstream: enabled, users: [{user: skyfn, password: skyfn}] }\n"
                + "}\n"
                + "system_account: SYS\n"
                + "no_auth_user: skyfn\n";
    }
}
