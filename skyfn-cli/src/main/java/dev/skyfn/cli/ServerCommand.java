package dev.skyfn.cli;

import dev.skyfn.node.NodeConfig;
import dev.skyfn.node.SingleNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code skyfn dev} and {@code skyfn node}: a control plane and a node in this process, until stopped. */
abstract class ServerCommand implements Callable<Integer> {

    @Option(names = "--host", description = "address to listen on (default ${DEFAULT-VALUE})", defaultValue = "127.0.0.1")
    String host;

    @Option(names = "--port", description = "port to listen on (default ${DEFAULT-VALUE})", defaultValue = "8080")
    int port;

    @Option(names = "--spares", description = "pre-booted sandboxes kept ready (default ${DEFAULT-VALUE})", defaultValue = "3")
    int spares;

    @Option(names = "--sandbox-jvm-option", paramLabel = "OPTION",
            description = "an extra option for sandbox JVMs, e.g. -Xlog:gc (repeatable)")
    List<String> sandboxJvmOptions = new ArrayList<>();

    abstract Path dataDir();

    abstract boolean dev();

    @Override
    public Integer call() throws InterruptedException {
        NodeConfig config = NodeConfig.builder(dataDir()).host(host).port(port).spareSandboxes(spares)
                .sandboxJvmOptions(sandboxJvmOptions).build();
        SingleNode platform = SingleNode.start(config, dev());
        System.err.println("skyfn " + (dev() ? "dev" : "node") + " on http://" + host + ":" + platform.port()
                + " (data in " + dataDir() + (dev() ? "; no API keys in dev mode" : "") + "). Ctrl-C stops it.");
        var stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            platform.close();
            stopped.countDown();
        }));
        stopped.await();
        return 0;
    }

    @Command(name = "dev", description = "Run skyfn on this machine for development: no API keys, tenant 'dev'.")
    static final class Dev extends ServerCommand {
        @Option(names = "--data", description = "where deployed apps are kept (default ${DEFAULT-VALUE})",
                defaultValue = "${sys:user.home}/.skyfn/dev")
        Path data;

        @Override
        Path dataDir() {
            return data;
        }

        @Override
        boolean dev() {
            return true;
        }
    }

    @Command(name = "node", description = "Run a skyfn node with its control plane; every call needs an API key. "
            + "The first start writes an admin key to <data>/admin.key.")
    static final class NodeProcess extends ServerCommand {
        @Option(names = "--data", description = "where apps, tenants and keys are kept (default ${DEFAULT-VALUE})",
                defaultValue = "${sys:user.home}/.skyfn/node")
        Path data;

        @Override
        Path dataDir() {
            return data;
        }

        @Override
        boolean dev() {
            return false;
        }
    }
}
