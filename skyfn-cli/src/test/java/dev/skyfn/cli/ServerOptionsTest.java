package dev.skyfn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.node.NodeConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** What the server options set in the node's configuration. */
class ServerOptionsTest {

    @Test
    void sparesAndTheirMemoryBudgetInMib() {
        NodeConfig config = parse("--spares", "5", "--spare-memory", "1536");

        assertThat(config.spareSandboxes()).isEqualTo(5);
        assertThat(config.spareMemoryBytes()).isEqualTo(1536L << 20);
        assertThat(config.fitSpares()).isFalse();
        assertThat(parse("--fit-spares").fitSpares()).as("--fit-spares").isTrue();
    }

    @Test
    void withoutOptionsThreeSparesAndAQuarterOfTheHostsMemory() {
        long hostMemory = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();

        NodeConfig config = parse();

        assertThat(config.spareSandboxes()).isEqualTo(3);
        assertThat(config.spareMemoryBytes()).isEqualTo(hostMemory / 4);
    }

    private static NodeConfig parse(String... args) {
        var dev = new ServerCommand.Dev();
        new CommandLine(dev).parseArgs(args);
        return dev.config();
    }
}
