package dev.skyfn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A schedule across a fleet of three nodes on real NATS servers, one node firing it SIGKILLed: each
 * tick fires once, none is missed.
 */
@Tag("slow")
@Tag("chaos")
class FleetTriggersTest {

    @TempDir(cleanup = CleanupMode.ON_SUCCESS, factory = UnderTarget.class)
    static Path dir;
    static EmulatedFleet fleet;

    @BeforeAll
    static void start() throws IOException {
        fleet = FleetCalls.start(dir, FleetCalls.TWO_CLOUDS, "2s");
    }

    @AfterAll
    static void stop() {
        if (fleet != null) {
            fleet.close();
        }
    }

    private static String read(String app, String what) {
        return FleetCalls.tally(fleet, app, what);
    }

    private static List<String> keys(String app) {
        return FleetCalls.tallied(fleet, app);
    }

    private static List<Instant> ticks() {
        return keys("clock").stream().map(Instant::parse).sorted().toList();
    }

    /** Whether the ticks run are a second apart each, none missing between the first and the last. */
    private static boolean contiguous(List<Instant> ticks) {
        return ticks.isEmpty() || Duration.between(ticks.getFirst(), ticks.getLast()).toSeconds() == ticks.size() - 1;
    }

    @Test
    void aScheduleFiresOncePerTickWhileANodeFiringItIsKilled() {
        FleetCalls.deploy(fleet, "b-1", """
                app: clock
                functions:
                  tick:
                    handler: dev.skyfn.cli.EventTally
                    memory: 128
                    triggers: [{schedule: rate(1 second)}]
                  read: {handler: dev.skyfn.cli.EventTally$Read, memory: 128}
                placement: {affinity: [{name: a, clouds: [a]}], replicas: 2, scheduling: duplicated}
                """, EventTally.class);
        await().atMost(Duration.ofSeconds(60)).until(() -> keys("clock").size() >= 4);
        fleet.kill("a-1");
        int atKill = keys("clock").size();
        // a tick whose call a-1 had taken when it died runs elsewhere once the queue's ack wait (10 s) is over
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            List<Instant> run = ticks(); // one read a poll: a read can meet the kill's aftermath
            return run.size() >= atKill + 8 && contiguous(run);
        });

        List<Instant> ticks = ticks();
        for (int i = 1; i < ticks.size(); i++) {
            assertThat(Duration.between(ticks.get(i - 1), ticks.get(i))).as("no tick missed between %s and %s", ticks.get(i - 1),
                    ticks.get(i)).isEqualTo(Duration.ofSeconds(1));
        }
        for (Instant tick : ticks) {
            List<String> runs = Arrays.asList(read("clock", tick.toString()).split(" "));
            // a tick runs twice only when the node running it died under it, as any async call
            if (runs.size() > 1) {
                assertThat(runs.subList(0, runs.size() - 1)).as("runs of tick %s before its last", tick).containsOnly("a-1");
            }
        }
        System.err.println(ticks.size() + " ticks from " + ticks.getFirst() + " to " + ticks.getLast() + ", a-1 killed after " + atKill);
    }

}
