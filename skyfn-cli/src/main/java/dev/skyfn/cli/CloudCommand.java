package dev.skyfn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code skyfn cloud}: do what a cloud of the fleet would do to it, to see how the fleet rides it out (emulated clouds only). */
@Command(name = "cloud", mixinStandardHelpOptions = true,
        description = "Act as a cloud of the fleet: preempt a node (the emulated clouds of skyfn dev --topology only).",
        subcommands = {CloudCommand.Preempt.class})
final class CloudCommand {

    @Command(name = "preempt", mixinStandardHelpOptions = true,
            description = "Take a node back as a spot market does: it hears its preemption notice now and is gone when the notice runs "
                    + "out; the fleet moves its apps meanwhile. Needs an admin key outside dev mode.")
    static final class Preempt implements Callable<Integer> {
        @Mixin
        ClientOptions api;

        @Parameters(paramLabel = "NODE")
        String node;

        @Option(names = "--in", paramLabel = "DURATION", defaultValue = "2m",
                description = "how long the notice gives, in the fleet's time (default: ${DEFAULT-VALUE}, as AWS gives; GCP and Azure "
                        + "give 30s); 0s for none: the node dies at once")
        String in;

        @Override
        public Integer call() throws Exception {
            byte[] body = Client.JSON.writeValueAsBytes(Map.of("notice", in));
            JsonNode r = api.client().json("POST", "/v1/nodes/" + Client.segment(node) + "/preemption", body);
            System.out.println("node " + r.get("node").asText() + " has its preemption notice: its cloud takes it back at "
                    + r.get("at").asText());
            return 0;
        }
    }
}
