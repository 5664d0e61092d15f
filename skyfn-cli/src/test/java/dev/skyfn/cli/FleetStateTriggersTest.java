package dev.skyfn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skyfn.nats.Engine;
import dev.skyfn.nats.NatsAccess;
import dev.skyfn.nats.servers.FleetSecrets;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ordered triggers across a fleet on real NATS servers: every change of a key arrives, in the
 * order made, also when JetStream refuses the changes' events for a while — the writes still
 * succeed, and the changes are told once it takes them again; batches of one key's events run one
 * at a time, in order, though two nodes take the topic.
 */
@Tag("slow")
@Tag("chaos")
class FleetStateTriggersTest {

    /** The stream tenants' events are kept in. */
    private static final String TOPICS = "skyfn-topics";

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

    @Test
    void everyChangeOfAKeyArrivesInOrderAlsoAfterJetStreamRefusedItsEvents() throws Exception {
        FleetCalls.deploy(fleet, "a-1", """
                app: carts
                functions:
                  watch:
                    handler: dev.skyfn.cli.StateWatch
                    memory: 128
                    triggers: [{state: carts/}]
                  put: {handler: dev.skyfn.cli.StateWatch$Put, memory: 128}
                  read: {handler: dev.skyfn.cli.StateWatch$Read, memory: 128}
                placement: {affinity: [{name: a, clouds: [a]}]}
                """, StateWatch.class, EventTally.class);
        write(1, 5);
        await().atMost(Duration.ofSeconds(60)).until(() -> seen("x").equals(values(1, 5)) && seen("y").equals(values(1, 5)));

        var access = new NatsAccess(fleet.natsUrl(fleet.topology().stateCloud()), Optional.of(fleet.natsSeed(FleetSecrets.OPERATOR)),
                Optional.of(fleet.natsCa()));
        try (Engine operator = Engine.connect(access, "test-operator")) {
            JetStreamManagement streams = operator.connection().jetStreamManagement(operator.jsOptions());
            StreamInfo before = streams.getStreamInfo(TOPICS);
            // full: the stream takes no event more, as JetStream out of space or reach would
            streams.updateStream(StreamConfiguration.builder(before.getConfiguration()).maxMessages(before.getStreamState().getMsgCount())
                    .discardPolicy(DiscardPolicy.New).build());
            write(6, 10);
            assertThat(seen("x")).as("no change was told while the stream refused its events").isEqualTo(values(1, 5));
            assertThat(FleetCalls.logs(fleet)).contains("it waits in the node's outbox");
            streams.updateStream(before.getConfiguration());
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> seen("x").equals(values(1, 10)) && seen("y").equals(values(1, 10)));
    }

    @Test
    void batchesOfOneKeyRunOneAtATimeInOrderThoughTwoNodesTakeTheTopic() {
        FleetCalls.deploy(fleet, "a-1", """
                app: ordered
                functions:
                  take:
                    handler: dev.skyfn.cli.OrderedBatches
                    memory: 128
                    triggers: [{topic: steps, ordering: key, batch: {size: 5, window: 200ms}}]
                  read: {handler: dev.skyfn.cli.StateWatch$Read, memory: 128}
                placement: {affinity: [{name: a, clouds: [a]}], replicas: 2, scheduling: duplicated}
                """, OrderedBatches.class, StateWatch.class, EventTally.class);
        assertThat(FleetCalls.inForce(fleet, "b-1", "ordered")).containsExactlyInAnyOrder("a-1", "a-2");
        for (int i = 0; i < 30; i++) {
            var res = FleetCalls.send(fleet, "b-1", "POST", "/v1/topics/steps", Integer.toString(i).getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    "Content-Type", "application/json", "ce-partitionkey", "order-7");
            assertThat(res.statusCode()).as(res.body()).isEqualTo(202);
        }
        String all = IntStream.range(0, 30).mapToObj(Integer::toString).collect(Collectors.joining(" "));
        await().atMost(Duration.ofSeconds(60)).until(() -> FleetCalls.read(fleet, "b-1", "ordered", "read", "seen").split(" ").length >= 30);
        assertThat(FleetCalls.read(fleet, "b-1", "ordered", "read", "seen")).isEqualTo(all);
    }

    /**
     * Events of one key trickling in, so that batches end with their window rather than full, and
     * the app redeployed from two nodes to one halfway: every event runs once, in order. (Batches
     * ending with their window lost their events for an ack wait, and a redeploy lost those that
     * reached the node as its trigger closed; either let later events run first.)
     */
    @Test
    void batchesOfOneKeyStayInOrderWhileEventsTrickleInAndTheAppIsRedeployedOntoOneNode() {
        String manifest = """
                app: trickle
                functions:
                  take:
                    handler: dev.skyfn.cli.OrderedBatches
                    memory: 128
                    triggers: [{topic: steps, ordering: key, batch: {size: 5, window: 200ms}}]
                  read: {handler: dev.skyfn.cli.StateWatch$Read, memory: 128}
                placement: {affinity: [{name: a, clouds: [a]}], replicas: %d, scheduling: duplicated}
                """;
        FleetCalls.deploy(fleet, "a-1", manifest.formatted(2), OrderedBatches.class, StateWatch.class, EventTally.class);
        assertThat(FleetCalls.inForce(fleet, "b-1", "trickle")).containsExactlyInAnyOrder("a-1", "a-2");
        int events = 40;
        for (int i = 0; i < events; i++) {
            if (i == events / 2) {
                FleetCalls.deploy(fleet, "a-1", manifest.formatted(1), OrderedBatches.class, StateWatch.class, EventTally.class);
            }
            var res = FleetCalls.send(fleet, "b-1", "POST", "/v1/topics/steps", Integer.toString(i).getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    "Content-Type", "application/json", "ce-partitionkey", "order-7");
            assertThat(res.statusCode()).as(res.body()).isEqualTo(202);
            // the pace of the load: a few events per batch window, so that most batches end with it
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(70).toNanos());
        }
        String all = IntStream.range(0, events).mapToObj(Integer::toString).collect(Collectors.joining(" "));
        await().atMost(Duration.ofSeconds(90))
                .until(() -> FleetCalls.read(fleet, "b-1", "trickle", "read", "seen").split(" ").length >= events);
        assertThat(FleetCalls.read(fleet, "b-1", "trickle", "read", "seen")).isEqualTo(all);
    }

    /** Writes carts/x and carts/y with the values from {@code first} to {@code last}, each write answered before the next. */
    private static void write(int first, int last) {
        for (int v = first; v <= last; v++) {
            for (String key : new String[] {"x", "y"}) {
                assertThat(FleetCalls.read(fleet, "b-1", "carts", "put", "carts/" + key + "=" + v)).isEqualTo("ok");
            }
        }
    }

    private static String seen(String key) {
        return FleetCalls.read(fleet, "b-1", "carts", "read", "seen/carts/" + key);
    }

    private static String values(int first, int last) {
        return IntStream.rangeClosed(first, last).mapToObj(Integer::toString).collect(Collectors.joining(" "));
    }
}
