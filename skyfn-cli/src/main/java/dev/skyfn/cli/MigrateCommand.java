package dev.skyfn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code skyfn migrate APP --to CLOUD}: moves an app to another cloud while it serves. */
@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = "Move an app to a cloud while it serves: replicas start and warm up there, routing switches to them, the old "
                + "ones drain and go. The app stays on that cloud (its placement confined to it) until migrated again or --anywhere.")
final class MigrateCommand implements Callable<Integer> {

    private static final Duration POLL = Duration.ofMillis(500);

    @Mixin
    ClientOptions api;

    @Parameters(paramLabel = "APP")
    String app;

    @ArgGroup(multiplicity = "1")
    Where where;

    static final class Where {
        @Option(names = "--to", paramLabel = "CLOUD", description = "the cloud to move the app to")
        String to;

        @Option(names = "--anywhere", description = "lift the confinement: the scheduler places the app on any cloud its manifest allows")
        boolean anywhere;
    }

    @Option(names = "--no-wait", description = "return once the migration is asked, without waiting for the move")
    boolean noWait;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10m",
            description = "how long to wait for the move (default: ${DEFAULT-VALUE}); the move goes on after it")
    String timeout;

    @Override
    public Integer call() throws Exception {
        Client client = api.client();
        if (where.anywhere) {
            client.json("DELETE", "/v1/apps/" + Client.segment(app) + "/migration", null);
            System.out.println(app + " may run on any cloud its placement allows again");
            return 0;
        }
        JsonNode asked = client.json("POST", "/v1/apps/" + Client.segment(app) + "/migration", Client.JSON.writeValueAsBytes(Map.of("to", where.to)));
        var from = new java.util.ArrayList<String>();
        asked.get("from").forEach(r -> from.add(r.get("node").asText() + " (" + r.get("cloud").asText() + ")"));
        System.out.println("migrating " + app + " to " + where.to + " from " + (from.isEmpty() ? "no node (scaled to zero)" : String.join(", ", from)));
        if (noWait) {
            return 0;
        }
        long start = System.nanoTime();
        long deadline = start + dev.skyfn.core.Durations.parse(timeout).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode p = client.json("GET", "/v1/apps/" + Client.segment(app) + "/placement", null);
            if (moved(p.get("inForce"), where.to)) {
                System.out.printf("%s runs on %s, %.1f s after it was asked%n", app, CloudCommands.inForce(p.get("inForce")),
                        (System.nanoTime() - start) / 1e9);
                return 0;
            }
            Thread.sleep(POLL);
        }
        throw new CliException("the move of " + app + " to " + where.to + " is not done after " + timeout + " (it goes on: see skyfn explain "
                + app + ")");
    }

    /** Whether every replica in force is a live node of the cloud. */
    static boolean moved(JsonNode inForce, String cloud) {
        if (inForce.isEmpty()) {
            return false;
        }
        for (JsonNode r : inForce) {
            if (!r.get("cloud").asText().equals(cloud) || !r.get("alive").asBoolean()) {
                return false;
            }
        }
        return true;
    }
}
