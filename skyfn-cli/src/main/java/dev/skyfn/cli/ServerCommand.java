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
abstract sealed class ServerCommand implements Callable<Integer> permits ServerCommand.Dev, ServerCommand.NodeProcess {

    @Option(names = "--host", description = "address to listen on (default ${DEFAULT-VALUE})", defaultValue = "127.0.0.1")
    String host;

    @Option(names = "--port", description = "port to listen on (default ${DEFAULT-VALUE})", defaultValue = "8080")
    int port;

    @Option(names = "--spares", description = "pre-booted sandboxes kept ready (default ${DEFAULT-VALUE})", defaultValue = "3")
    int spares;

    @Option(names = "--max-sandboxes", description = "app sandboxes at most; the least recently used idle one makes room "
            + "(default: one per 256 MiB of memory)")
    Integer maxSandboxes;

    @Option(names = "--sandbox-jvm-option", paramLabel = "OPTION",
            description = "an extra option for sandbox JVMs, e.g. -Xlog:gc (repeatable)")
    List<String> sandboxJvmOptions = new ArrayList<>();

    @Option(names = "--aot-cache", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "start sandboxes from an AOT cache of the sandbox runtime, trained at the first start (default ${DEFAULT-VALUE})")
    boolean aotCache;

    @Option(names = "--data", description = "where apps, tenants and keys are kept (default ~/.skyfn/dev or ~/.skyfn/node)")
    Path data;

    private final boolean dev;
    private final String name;

    ServerCommand(boolean dev, String name) {
        this.dev = dev;
        this.name = name;
    }

    private Path dataDir() {
        return data != null ? data : Path.of(System.getProperty("user.home"), ".skyfn", name);
    }

    @Override
    public Integer call() throws InterruptedException {
        NodeConfig.Builder config = NodeConfig.builder(dataDir()).host(host).port(port).spareSandboxes(spares)
                .sandboxJvmOptions(sandboxJvmOptions).aotCache(aotCache);
        if (maxSandboxes != null) {
            config.maxSandboxes(maxSandboxes);
        }
        SingleNode platform = SingleNode.start(config.build(), dev);
        System.err.println("skyfn " + name + " on http://" + host + ":" + platform.port()
                + " (data in " + dataDir() + (dev ? "; no API keys in dev mode" : "") + "). Ctrl-C stops it.");
        var stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            platform.close();
            stopped.countDown();
        }));
        stopped.await();
        return 0;
    }

    @Command(name = "dev", mixinStandardHelpOptions = true, description = "Run skyfn on this machine for development: no API keys, tenant 'dev'.")
    static final class Dev extends ServerCommand {
        Dev() {
            super(true, "dev");
        }
    }

    @Command(name = "node", mixinStandardHelpOptions = true, description = "Run a skyfn node with its control plane; every call needs an API key. "
            + "The first start writes an admin key to <data>/admin.key.")
    static final class NodeProcess extends ServerCommand {
        NodeProcess() {
            super(false, "node");
        }
    }
}
