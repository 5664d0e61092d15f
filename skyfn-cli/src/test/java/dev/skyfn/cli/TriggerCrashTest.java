package dev.skyfn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skyfn.core.testing.JarBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * On one machine triggers' events and async invocations are kept on the node's disk: a node killed
 * with SIGKILL while the calls of some run and others wait, started again on the same data, runs
 * every one of them, and one whose call ended is not run twice.
 */
@Tag("slow")
@Tag("chaos")
class TriggerCrashTest {

    private static final int EVENTS = 100;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS, factory = UnderTarget.class)
    Path dir;
    private NodeCrashRecoveryTest.NodeProcess node;

    @AfterEach
    void stop() {
        if (node != null) {
            node.kill();
        }
    }

    @Test
    void aChangeWhoseTriggerCallDiedWithTheNodeIsToldAfterItsRestart() throws Exception {
        startWith(JarBuilder.app("""
                app: watched
                functions:
                  put: {handler: dev.skyfn.cli.StateWatch$Put}
                  read: {handler: dev.skyfn.cli.StateWatch$Read}
                  watch: {handler: dev.skyfn.cli.StateWatch$Gated, timeout: 5m, triggers: [{state: carts/}]}
                """).classes(StateWatch.class, StateWatch.Gated.class, StateWatch.Put.class, StateWatch.Read.class, EventTally.class));

        put("allow=yes");
        put("carts/done=1");
        await().atMost(Duration.ofSeconds(30)).until(() -> read("seen/carts/done").equals("1"));
        put("allow=no");
        put("carts/a=1");
        // the change's call runs, held by the gate, when the node dies
        killWhileRunning("watch");
        put("allow=yes");
        await().atMost(Duration.ofSeconds(60)).until(() -> read("seen/carts/a").equals("1"));
        put("carts/b=1");
        await().atMost(Duration.ofSeconds(30)).until(() -> read("seen/carts/b").equals("1"));
        assertThat(read("seen/carts/done")).as("a change whose call had ended, told again").isEqualTo("1");
        assertThat(read("seen/carts/a")).isEqualTo("1");
    }

    @Test
    void eventsRunningOrWaitingWhenTheNodeDiedRunAfterItsRestart() throws Exception {
        startWith(orders("{handler: dev.skyfn.cli.EventTally$Gated, timeout: 5m, triggers: [{topic: orders}]}"));

        call("put", "allow=no");
        List<String> ids = IntStream.range(0, EVENTS).mapToObj(i -> "o" + i).toList();
        for (String id : ids) {
            var res = node.send("POST", "/v1/topics/orders", ("{\"n\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8), "ce-id", id);
            assertThat(res.statusCode()).as(res.body()).isBetween(200, 202);
        }
        // some of them run, held by the gate, the others wait their turn, when the node dies
        killWhileRunning("tally");
        call("put", "allow=yes");
        await().atMost(Duration.ofSeconds(90)).until(() -> Arrays.asList(call("read", "keys").split(" ")).containsAll(ids));
        assertThat(call("read", "keys").split(" ")).as("each event's key, once").hasSize(EVENTS);
    }

    @Test
    void asyncInvocationsAcceptedAndNotFinishedWhenTheNodeDiedRunAfterItsRestart() throws Exception {
        startWith(orders("{handler: dev.skyfn.cli.EventTally$Gated, timeout: 5m}"));
        call("put", "allow=yes");
        String done = submit("done");
        await().atMost(Duration.ofSeconds(30)).until(() -> state(done).equals("succeeded"));

        call("put", "allow=no");
        List<String> keys = IntStream.range(0, EVENTS).mapToObj(i -> "a" + i).toList();
        List<String> ids = keys.stream().map(this::submit).toList();
        // some of them run, held by the gate, the others wait for a slot, when the node dies
        killWhileRunning("tally");
        assertThat(state(done)).as("ended before the kill").isEqualTo("succeeded");
        assertThat(node.send("GET", "/v1/invocations/" + done, null).body()).contains("done");
        call("put", "allow=yes");
        await().atMost(Duration.ofSeconds(90)).until(() -> ids.stream().allMatch(id -> state(id).equals("succeeded")));
        assertThat(call("read", "keys").split(" ")).as("each call's key, once").hasSize(EVENTS + 1).contains(keys.toArray(String[]::new));
    }

    @Test
    void asyncInvocationsOfAnAppRemovedAndCreatedAgainBeforeTheNodeDiedDoNotRunInTheNewApp() throws Exception {
        JarBuilder app = orders("{handler: dev.skyfn.cli.EventTally, timeout: 5m}");
        startWith(app);
        List<String> ids = List.of("s0", "s1", "s2").stream()
                .map(key -> submitJson("{\"id\":\"" + key + "\",\"data\":{\"sleep\":60000}}")).toList();
        killWhileRunning("tally", () -> {
            assertThat(node.send("DELETE", "/v1/apps/orders", null).statusCode()).isBetween(200, 204);
            var again = node.send("POST", "/v1/apps", app.bytes());
            assertThat(again.statusCode()).as(again.body()).isEqualTo(201);
        });
        await().atMost(Duration.ofSeconds(60)).until(() -> ids.stream().allMatch(id -> state(id).equals("failed")));
        assertThat(node.send("GET", "/v1/invocations/" + ids.getFirst(), null).body()).contains("APP_NOT_FOUND");
        assertThat(call("read", "keys")).as("what the new app ran").isEmpty();
    }

    private String submit(String key) {
        return submitJson("{\"id\":\"" + key + "\"}");
    }

    private String submitJson(String json) {
        var res = node.send("POST", "/v1/apps/orders/functions/tally:invoke?async=true", json.getBytes(StandardCharsets.UTF_8));
        assertThat(res.statusCode()).as(res.body()).isEqualTo(202);
        return FleetCalls.json(res.body()).get("invocationId").asText();
    }

    private String state(String invocationId) {
        var res = node.send("GET", "/v1/invocations/" + invocationId, null);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        return FleetCalls.json(res.body()).path("state").asText();
    }

    private void startWith(JarBuilder app) throws java.io.IOException {
        node = NodeCrashRecoveryTest.NodeProcess.start(dir.resolve("data"), dir.resolve("node-0.log"));
        var deployed = node.send("POST", "/v1/apps", app.bytes());
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
    }

    /** The app "orders": {@code put} a key, {@code read} what the tally saw, and {@code tally} as {@code tally} declares it. */
    private static JarBuilder orders(String tally) {
        return JarBuilder.app("""
                app: orders
                functions:
                  put: {handler: dev.skyfn.cli.StateWatch$Put}
                  read: {handler: dev.skyfn.cli.EventTally$Read}
                  tally: %s
                """.formatted(tally)).classes(EventTally.class, EventTally.Gated.class, EventTally.Read.class, StateWatch.class,
                StateWatch.Put.class);
    }

    /** Kills the node with SIGKILL once {@code function} runs there, and starts it again on the same data. */
    private void killWhileRunning(String function) throws java.io.IOException {
        killWhileRunning(function, () -> { });
    }

    /** Kills the node with SIGKILL once {@code function} runs there and {@code then} is done, and starts it again on the same data. */
    private void killWhileRunning(String function, Runnable then) throws java.io.IOException {
        await().atMost(Duration.ofSeconds(30)).until(() -> node.send("GET", "/v1/invocations?state=running&scope=node", null).body()
                .contains("\"" + function + "\""));
        then.run();
        node.kill();
        node = NodeCrashRecoveryTest.NodeProcess.start(dir.resolve("data"), dir.resolve("node-1.log"));
    }

    private void put(String keyAndValue) {
        var res = node.send("POST", "/v1/apps/watched/functions/put:invoke", keyAndValue.getBytes(StandardCharsets.UTF_8));
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    }

    private String read(String key) {
        var res = node.send("POST", "/v1/apps/watched/functions/read:invoke", key.getBytes(StandardCharsets.UTF_8));
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        return res.body().replace("\"", "");
    }

    private String call(String function, String body) {
        var res = node.send("POST", "/v1/apps/orders/functions/" + function + ":invoke", body.getBytes(StandardCharsets.UTF_8));
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        return res.body().replace("\"", "");
    }
}
