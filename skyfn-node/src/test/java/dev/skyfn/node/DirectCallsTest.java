package dev.skyfn.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skyfn.core.testing.JarBuilder;
import dev.skyfn.node.apps.Callers;
import dev.skyfn.node.apps.Misbehaving;
import dev.skyfn.node.apps.Shared;
import dev.skyfn.node.apps.Stateful;
import dev.skyfn.node.sandbox.SandboxLauncher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Calls between apps of a tenant in two sandboxes of one node: the first goes through the node,
 * which then routes the caller to the callee's sandbox, and the next go straight there with the
 * same answers, errors and timeouts; when the callee's sandbox is replaced, calls carry on.
 */
@Tag("slow")
class DirectCallsTest {

    @TempDir
    static Path dir;
    static TestNode node;

    @BeforeAll
    static void start() {
        // heads signed often: a record is listed by GET /v1/bills/records once a signed head holds it
        node = TestNode.start(TestNode.config(dir).ledgerHeadInterval(Duration.ofMillis(200)).build(), true);
        deploy("""
                app: calc
                shareSandbox: false
                functions:
                  repeats: {handler: dev.skyfn.node.apps.Callers$Repeats}
                """);
        deployOther();
    }

    private static void deployOther() {
        deploy("""
                app: other
                shareSandbox: false
                functions:
                  echo: {handler: dev.skyfn.node.apps.Callers$Echo}
                  throws: {handler: dev.skyfn.node.apps.Misbehaving$Throws}
                  slow: {handler: dev.skyfn.node.apps.Misbehaving$Sleeps, timeout: 300ms}
                  lingers: {handler: dev.skyfn.node.apps.Callers$Lingers, timeout: 10s}
                """);
    }

    private static void deploy(String manifest) {
        var res = node.deploy(JarBuilder.app(manifest).classes(Callers.class, Misbehaving.class));
        assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    /** Calls {@code n} times, one after another, from one invocation of calc; how each ended, one per line. */
    private static String[] repeat(int n, String target) {
        var res = node.send("POST", "/v1/apps/calc/functions/repeats:invoke", (n + ":" + target).getBytes());
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        return res.body().split("\n");
    }

    /** Calls to app other counted by the node's metrics, through it ({@code node}) or direct. */
    private static double calls(String path) {
        return calls(node, "other", path);
    }

    /** Calls to {@code app} counted by {@code on}'s metrics, through it ({@code node}) or direct. */
    private static double calls(TestNode on, String app, String path) {
        Matcher m = Pattern.compile("skyfn_calls_between_apps_total\\{app=\"" + app + "\",cloud=\"local\",path=\"" + path + "\",tenant=\"dev\"} ([0-9.E]+)")
                .matcher(on.get("/metrics").body());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private static double echoes() {
        Matcher m = Pattern.compile("skyfn_invocations_total\\{app=\"other\",cloud=\"local\",function=\"echo\",outcome=\"ok\",tenant=\"dev\"} ([0-9.E]+)")
                .matcher(node.get("/metrics").body());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private static void routed() {
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            repeat(5, "other/echo");
            return calls("direct") > 0;
        });
    }

    @Test
    void afterTheFirstCallCallsGoStraightToTheCalleesSandbox() {
        routed();
        double throughNode = calls("node");
        double direct = calls("direct");
        double echoes = echoes();

        String[] answers = repeat(20, "other/echo");

        assertThat(answers).hasSize(20).allMatch(a -> a.matches("ok: other/echo got payload as [0-9a-f-]+\\.\\d+"), "echoed");
        // each metered as the callee's usage frame comes, which may follow its answer
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(calls("direct")).as("direct calls, each metered").isEqualTo(direct + 20);
            assertThat(echoes()).as("counted as invocations of other/echo, as through the node").isEqualTo(echoes + 20);
        });
        assertThat(calls("node")).as("calls through the node").isEqualTo(throughNode);
        // each billed with the bodies that crossed: "payload" in, the echo out, both strings sent as their text
        String last = answers[19].substring("ok: ".length());
        String invocation = last.substring(last.lastIndexOf(' ') + 1);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(usage(invocation))
                .as("the usage record of the direct call " + invocation)
                .containsEntry("bytesIn", (long) "payload".length()).containsEntry("bytesOut", (long) last.length())
                .containsEntry("egressBytes", 0L).containsEntry("kind", "invocation"));
    }

    /** The fields of the usage record of {@code invocation} in the node's ledger (none yet: empty). */
    private static Map<String, Object> usage(String invocation) {
        var res = node.get("/v1/bills/records?tenant=dev");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        var records = Errors.json(res).get("entries");
        var mapper = new ObjectMapper();
        for (var entry : records) {
            try {
                Map<String, Object> record = mapper.readValue(entry.get("leaf").asText(), new TypeReference<>() { });
                if (invocation.equals(record.get("invocation"))) {
                    record.replaceAll((k, v) -> v instanceof Integer i ? (Object) i.longValue() : v);
                    return record;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return Map.of();
    }

    @Test
    void errorsAndTimeoutsComeBackAsThroughTheNode() {
        routed();
        double throughNode = calls("node");

        assertThat(repeat(1, "other/throws")[0]).isEqualTo("failed: FUNCTION_ERROR (java.lang.IllegalStateException) boom: payload");
        assertThat(repeat(1, "other/slow=5000")[0]).startsWith("failed: FUNCTION_TIMEOUT");
        assertThat(repeat(1, "other/slow=1")[0]).isEqualTo("ok: slept 1");
        assertThat(repeat(1, "other/nope")[0]).startsWith("failed: FUNCTION_NOT_FOUND");
        assertThat(calls("node")).as("calls through the node").isEqualTo(throughNode);
    }

    @Test
    void callsToAnotherAppInTheCallersOwnSandboxStayInIt(@TempDir Path elsewhere) {
        // boots take three seconds and there is no spare: apps called while both boot turns are taken share the warm sandbox
        System.setProperty(SandboxLauncher.SLOW_BOOT_PROPERTY, "3000ms");
        try (TestNode shared = TestNode.start(TestNode.config(elsewhere).spareSandboxes(0).build(), true)) {
            deployShared(shared, "host", "  repeats: {handler: dev.skyfn.node.apps.Callers$Repeats, memory: 128}\n");
            String hostJvm = jvm(shared.invoke("host", "which", "warm").body());
            List<String> guests = List.of("g0", "g1", "g2", "g3");
            guests.forEach(g -> deployShared(shared, g, ""));
            List<CompletableFuture<String>> burst = guests.stream()
                    .map(g -> CompletableFuture.supplyAsync(() -> shared.invoke(g, "which", "burst").body(), Thread.ofVirtual()::start))
                    .toList();
            String guest = null;
            for (int i = 0; i < guests.size(); i++) {
                if (jvm(burst.get(i).join()).equals(hostJvm)) {
                    guest = guests.get(i);
                }
            }
            assertThat(guest).as("a guest sharing host's sandbox").isNotNull();
            String target = guest + "/which";
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                shared.send("POST", "/v1/apps/host/functions/repeats:invoke", ("5:" + target).getBytes());
                return calls(shared, target.split("/")[0], "direct") > 0;
            });
            double throughNode = calls(shared, guest, "node");

            var res = shared.send("POST", "/v1/apps/host/functions/repeats:invoke", ("20:" + target).getBytes());

            assertThat(res.body().split("\n")).hasSize(20).allMatch(a -> a.startsWith("ok: " + hostJvm + " "), "answered in host's JVM");
            assertThat(calls(shared, guest, "node")).as("calls through the node").isEqualTo(throughNode);
        } finally {
            System.clearProperty(SandboxLauncher.SLOW_BOOT_PROPERTY);
        }
    }

    private static void deployShared(TestNode on, String app, String more) {
        var res = on.deploy(JarBuilder.app("app: " + app + "\nshareSandbox: true\nfunctions:\n"
                + "  which: {handler: dev.skyfn.node.apps.Shared$Which, memory: 128, timeout: 60s}\n" + more)
                .classes(Shared.class, Stateful.class, Callers.class, Misbehaving.class));
        assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
    }

    private static String jvm(String which) {
        return which.replace("\"", "").split(" ")[0];
    }

    @Test
    void aRetiredCalleesSandboxIsNotStoppedUnderADirectCall() {
        routed();
        double direct = calls("direct");
        var lingering = CompletableFuture.supplyAsync(() -> repeat(1, "other/lingers=2001")[0], Thread.ofVirtual()::start);
        await().atMost(Duration.ofSeconds(10)).until(() -> node.get("/v1/apps/other/logs").body().contains("lingering 2001 ms"));
        deployOther(); // the old sandbox retires: the node would stop it 250 ms after it looks drained

        assertThat(lingering.join()).isEqualTo("ok: slept 2001");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(calls("direct")).as("it went straight there")
                .isEqualTo(direct + 1));
    }

    @Test
    void directCallsRunningCountAmongTheCalleesCallsInFlight() {
        routed();
        double direct = calls("direct");
        // nothing runs in other yet: a call of a test before may still be counted, until the callee's sandbox says it ended
        await().atMost(Duration.ofSeconds(10)).until(() -> inFlight("other") == 0);
        var lingering = CompletableFuture.supplyAsync(() -> repeat(1, "other/lingers=3000")[0], Thread.ofVirtual()::start);

        // what the fleet's autoscaler scales other on, though no call to it passes the node
        await().atMost(Duration.ofSeconds(10)).until(() -> inFlight("other") == 1);
        assertThat(lingering.join()).isEqualTo("ok: slept 3000");
        await().atMost(Duration.ofSeconds(5)).until(() -> inFlight("other") == 0);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(calls("direct")).as("it went straight there")
                .isEqualTo(direct + 1));
    }

    /** The calls in flight on the node the stats give for {@code app} (each of its functions' rows says the app's). */
    private static int inFlight(String app) {
        var res = node.get("/v1/stats?scope=node");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        for (var f : Errors.json(res).get("functions")) {
            if (f.get("app").asText().equals(app)) {
                return f.get("inFlight").asInt();
            }
        }
        return 0;
    }

    @Test
    void aSandboxRetiredForRoomIsNotKilledUnderADirectCall(@TempDir Path elsewhere) {
        try (TestNode full = TestNode.start(TestNode.config(elsewhere).spareSandboxes(0).maxSandboxes(2).build(), true)) {
            for (String app : List.of("calc", "other", "third")) {
                var res = full.deploy(JarBuilder.app("app: " + app + "\nshareSandbox: false\nfunctions:\n"
                        + "  repeats: {handler: dev.skyfn.node.apps.Callers$Repeats, timeout: 60s}\n"
                        + "  lingers: {handler: dev.skyfn.node.apps.Callers$Lingers, timeout: 30s}\n").classes(Callers.class, Misbehaving.class));
                assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                full.send("POST", "/v1/apps/calc/functions/repeats:invoke", "1:other/lingers=1".getBytes());
                return calls(full, "other", "direct") > 0;
            });
            double direct = calls(full, "other", "direct");
            // well past the 5 s a node gives a retired sandbox to stop when it needs room
            var lingering = CompletableFuture.supplyAsync(() -> {
                String answer = full.send("POST", "/v1/apps/calc/functions/repeats:invoke", "1:other/lingers=12000".getBytes()).body();
                return System.nanoTime() + " " + answer;
            }, Thread.ofVirtual()::start);
            await().atMost(Duration.ofSeconds(10)).until(() -> full.get("/v1/apps/other/logs").body().contains("lingering 12000 ms"));

            // calc's sandbox runs a call the node counts; other's looks idle to it, and is retired to make room for third
            var third = full.send("POST", "/v1/apps/third/functions/lingers:invoke", "1".getBytes());
            long thirdAnswered = System.nanoTime();

            String[] lingered = lingering.join().split(" ", 2);
            assertThat(lingered[1]).isEqualTo("ok: slept 12000\n");
            assertThat(third.statusCode()).as(third.body()).isEqualTo(200);
            assertThat(third.body()).isEqualTo("slept 1");
            assertThat(thirdAnswered).as("third loaded once the direct call had ended and other's sandbox with it")
                    .isGreaterThan(Long.parseLong(lingered[0]));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(calls(full, "other", "direct"))
                    .as("the long call went straight to other's sandbox").isEqualTo(direct + 1));
        }
    }

    @Test
    void callsCarryOnWhileTheCalleeIsRedeployedAndGoStraightToItsNewSandbox() {
        routed();
        var calling = CompletableFuture.supplyAsync(() -> repeat(400, "other/echo"), Thread.ofVirtual()::start);
        deployOther();
        deployOther();

        assertThat(calling.join()).hasSize(400).allMatch(a -> a.startsWith("ok: other/echo got payload"), "answered");
        double direct = calls("direct");
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            repeat(5, "other/echo");
            return calls("direct") > direct;
        });
    }
}
