package dev.skyfn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.core.testing.JarBuilder;
import dev.skyfn.core.testing.OtlpCollector;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fleet of three clouds and four nodes on one machine, with real NATS servers and one real
 * node process per node: placement, routing by region, packages, shared state, and failover when a
 * node and then a whole cloud are killed, with the placement in force they leave. The kills come
 * last, in that order.
 */
@Tag("slow")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetTest {

    private static final String FUNCTIONS = """
            functions:
              where: {handler: dev.skyfn.cli.Fleetwide$Where, memory: 128, idempotent: true}
              say: {handler: dev.skyfn.cli.Fleetwide$Say, memory: 128}
              put: {handler: dev.skyfn.cli.Fleetwide$Put, memory: 128}
              get: {handler: dev.skyfn.cli.Fleetwide$Get, memory: 128, idempotent: true}
              nap: {handler: dev.skyfn.cli.Fleetwide$Nap, memory: 128}
              share: {handler: dev.skyfn.cli.Fleetwide$Share, memory: 128}
              take: {handler: dev.skyfn.cli.Fleetwide$Take, memory: 128}
              relay: {handler: dev.skyfn.cli.Fleetwide$Relay, memory: 128}
              env: {handler: dev.skyfn.cli.Fleetwide$Env, memory: 128}
            """;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS, factory = UnderTarget.class)
    static Path dir;
    static EmulatedFleet fleet;
    /** Where every node sends its spans. */
    static OtlpCollector collector;
    /** The spot node killed, and the one left. */
    static String victim;
    static String survivor;
    /** The nodes app near ran on before the kill. */
    static List<String> nearBefore;

    @BeforeAll
    static void start() throws Exception {
        Path topology = Files.write(dir.resolve("three-clouds.yaml"), FleetTest.class.getResourceAsStream("/three-clouds.yaml").readAllBytes());
        collector = new OtlpCollector();
        fleet = EmulatedFleet.start(topology, dir.resolve("fleet"), 0, 1, "--no-aot-cache", "--dead-after", "1500ms",
                "--otlp-endpoint", collector.endpoint().toString());
        deploy("vault", "placement: {require: {trust: trusted}}\n"
                + "workflows: {once: {StartAt: Where, States: {Where: {Type: Task, Resource: where, End: true}}}}\n");
        deploy("near", "env: {TIER: base}\nplacement: {spread: {minClouds: 3, maxClouds: 3}, scheduling: duplicated, "
                + "overrides: [{labels: {pricing: spot}, env: {TIER: spot}}]}\n");
        deploy("pair", "placement: {affinity: [{name: spot, clouds: [spot-eu]}], replicas: 2, scheduling: duplicated}\n");
        deploy("render", "placement: {require: {hardware: gpu}}\n");
    }

    @AfterAll
    static void stop() {
        if (fleet != null) {
            fleet.close();
        }
        if (collector != null) {
            collector.close();
        }
    }

    private static void deploy(String app, String placement) {
        byte[] jar = JarBuilder.app("app: " + app + "\n" + FUNCTIONS + placement).classes(Fleetwide.class).bytes();
        HttpResponse<String> res = send("spot-eu-1", "POST", "/v1/apps", jar, null);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
    }

    @Test
    @Order(1)
    void aTrustedAppRunsOnlyInThePrivateCloudWhicheverGatewayTakesTheCall() {
        for (EmulatedFleet.Member gateway : fleet.nodes()) {
            for (String region : List.of("eu", "us")) {
                assertThat(call(gateway.node(), "vault", "where", "?", region).body())
                        .as("from %s through %s", region, gateway.node()).isEqualTo("private-1");
            }
        }
        JsonNode placement = json(send("ondemand-us-1", "GET", "/v1/apps/vault/placement", null, null).body());
        assertThat(placement.toString()).contains("private-1").doesNotContain("\"spot-eu-1\"");
    }

    @Test
    @Order(1)
    void aCallThroughAGatewayInAnotherCloudRightAfterADeployIsServed() {
        deploy("fresh", "placement: {require: {trust: trusted}}\n");
        // the deploy waited for its own node to hear private-1 serve the app; a gateway in another cloud may not have yet
        HttpResponse<String> res = call("ondemand-us-1", "fresh", "where", "?", null);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        assertThat(res.body()).isEqualTo("private-1");
        assertThat(send("spot-eu-1", "DELETE", "/v1/apps/fresh", null, null).statusCode()).isEqualTo(204);
    }

    @Test
    @Order(1)
    void aTraceFollowsACallFromTheGatewayToTheNodeInAnotherCloudThatRunsIt() {
        String trace = "0af7651916cd43dd8448eb211c80319c";
        HttpResponse<String> res = FleetCalls.send(fleet, "spot-eu-1", "POST", "/v1/apps/vault/functions/where:invoke",
                "?".getBytes(StandardCharsets.UTF_8), "traceparent", "00-" + trace + "-b7ad6b7169203331-01");
        assertThat(res.body()).isEqualTo("private-1");
        // each node sends its spans in its own batches, and the gateway's ends only after its answer is sent: wait for all three
        await().atMost(Duration.ofSeconds(15)).until(() -> collector.trace(trace).stream().map(OtlpCollector.Received::kind).distinct().count() == 3
                && collector.trace(trace).stream().anyMatch(s -> s.name().equals("invoke vault/where"))
                && collector.trace(trace).stream().anyMatch(s -> s.name().equals("route vault/where")));
        List<OtlpCollector.Received> spans = collector.trace(trace);
        var server = spans.stream().filter(s -> s.kind().equals("SPAN_KIND_SERVER")).findFirst().orElseThrow();
        var hop = spans.stream().filter(s -> s.name().equals("call vault/where on private-1")).findFirst().orElseThrow();
        var run = spans.stream().filter(s -> s.name().equals("invoke vault/where")).findFirst().orElseThrow();
        assertThat(server.parentSpanId()).isEqualTo("b7ad6b7169203331");
        assertThat(server.resource()).containsEntry("host.name", "spot-eu-1").containsEntry("skyfn.cloud", "spot-eu");
        assertThat(hop.kind()).isEqualTo("SPAN_KIND_CLIENT");
        assertThat(hop.parentSpanId()).isEqualTo(server.spanId());
        assertThat(hop.attributes()).containsEntry("skyfn.node", "private-1").containsEntry("skyfn.cloud", "private");
        assertThat(run.parentSpanId()).as("the run in the other cloud, under the hop to it").isEqualTo(hop.spanId());
        assertThat(run.resource()).containsEntry("host.name", "private-1").containsEntry("skyfn.cloud", "private");
        // the routing decision, under the gateway's span: the caller's region and the candidates, the chosen one first
        var route = spans.stream().filter(s -> s.name().equals("route vault/where")).findFirst().orElseThrow();
        assertThat(route.parentSpanId()).isEqualTo(server.spanId());
        assertThat(route.resource()).containsEntry("host.name", "spot-eu-1");
        assertThat(route.attributes().get("skyfn.region")).isNotBlank();
        assertThat(route.attributes().get("skyfn.route.candidates")).startsWith("private-1 (private, ").contains(" ms, load ")
                .doesNotContain("spot-eu-1");
    }

    @Test
    @Order(1)
    void anAsyncCallsTraceGoesThroughTheFleetsQueueToTheNodeThatRunsIt() {
        String trace = "1af7651916cd43dd8448eb211c80319c";
        HttpResponse<String> accepted = FleetCalls.send(fleet, "spot-eu-1", "POST", "/v1/apps/vault/functions/where:invoke?async=true",
                "?".getBytes(StandardCharsets.UTF_8), "traceparent", "00-" + trace + "-b7ad6b7169203331-01");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        // each node sends its spans in its own batches, the gateway's after its answer: wait for all three
        await().atMost(Duration.ofSeconds(30)).until(() -> collector.trace(trace).stream().anyMatch(s -> s.name().equals("invoke vault/where"))
                && collector.trace(trace).stream().anyMatch(s -> s.name().equals("async vault/where"))
                && collector.trace(trace).stream().anyMatch(s -> s.parentSpanId().equals("b7ad6b7169203331")));
        List<OtlpCollector.Received> spans = collector.trace(trace);
        var server = spans.stream().filter(s -> s.parentSpanId().equals("b7ad6b7169203331")).findFirst().orElseThrow();
        var queued = spans.stream().filter(s -> s.name().equals("async vault/where")).findFirst().orElseThrow();
        var run = spans.stream().filter(s -> s.name().equals("invoke vault/where")).findFirst().orElseThrow();
        assertThat(server.resource()).containsEntry("host.name", "spot-eu-1");
        assertThat(queued.parentSpanId()).as("the job's run, under the request that queued it").isEqualTo(server.spanId());
        assertThat(queued.kind()).isEqualTo("SPAN_KIND_CONSUMER");
        assertThat(run.resource()).as("run where the app's placement allows").containsEntry("host.name", "private-1");
        // under the job's span, directly or through the hop to private-1
        var parents = spans.stream().collect(java.util.stream.Collectors.toMap(OtlpCollector.Received::spanId, OtlpCollector.Received::parentSpanId));
        String up = run.parentSpanId();
        while (parents.containsKey(up) && !up.equals(queued.spanId())) {
            up = parents.get(up);
        }
        assertThat(up).isEqualTo(queued.spanId());
    }

    @Test
    @Order(1)
    void aWorkflowStartedThroughANodeThatDoesNotServeItsAppRunsInTheTraceOfThatNodesSpan() {
        String trace = "3af7651916cd43dd8448eb211c80319c";
        HttpResponse<String> res = FleetCalls.send(fleet, "spot-eu-1", "POST", "/v1/apps/vault/workflows/once/executions",
                "\"?\"".getBytes(StandardCharsets.UTF_8), "traceparent", "00-" + trace + "-b7ad6b7169203331-01");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> collector.trace(trace).stream().anyMatch(s -> s.name().equals("execution vault/once"))
                && collector.trace(trace).stream().filter(s -> s.kind().equals("SPAN_KIND_SERVER")).count() == 2);
        List<OtlpCollector.Received> spans = collector.trace(trace);
        var gateway = spans.stream().filter(s -> s.parentSpanId().equals("b7ad6b7169203331")).findFirst().orElseThrow();
        var forwarded = spans.stream().filter(s -> s.kind().equals("SPAN_KIND_SERVER") && !s.spanId().equals(gateway.spanId())).findFirst().orElseThrow();
        var execution = spans.stream().filter(s -> s.name().equals("execution vault/once")).findFirst().orElseThrow();
        assertThat(gateway.resource()).containsEntry("host.name", "spot-eu-1");
        assertThat(forwarded.resource()).containsEntry("host.name", "private-1");
        assertThat(forwarded.parentSpanId()).as("the request sent on, under the span of the node that sent it").isEqualTo(gateway.spanId());
        assertThat(execution.parentSpanId()).isEqualTo(forwarded.spanId());
    }

    @Test
    @Order(2)
    void aCallRunsOnTheNodeNearestItsRegion() {
        assertThat(call("spot-eu-1", "near", "where", "?", "us").body()).isEqualTo("ondemand-us-1");
        assertThat(call("ondemand-us-1", "near", "where", "?", "eu").body())
                .isIn("spot-eu-1", "spot-eu-2");
        assertThat(call("private-1", "near", "where", "?", null).body())
                .as("without a region, the gateway's own region: eu").isNotEqualTo("ondemand-us-1");
    }

    @Test
    @Order(2)
    void aFunctionSeesItsCloudsRegionAndTheEnvironmentItsPlacementGivesItThere() {
        assertThat(call("spot-eu-1", "near", "env", "\"?\"", "us").body()).isEqualTo("\"us-east1 base\"");
        assertThat(call("ondemand-us-1", "near", "env", "\"?\"", "eu").body()).isEqualTo("\"eu-west-1 spot\"");
    }

    @Test
    @Order(3)
    void aFunctionCallsAnotherAppOnAnotherNode() {
        HttpResponse<String> res = call("ondemand-us-1", "near", "relay", "vault/where", "us");
        assertThat(res.headers().firstValue("X-Skyfn-Node")).hasValue("ondemand-us-1");
        assertThat(res.body()).as("the callee ran in the private cloud").isEqualTo("private-1");
    }

    @Test
    @Order(4)
    void everyNodeHoldsTheAppsPackageCheckedAgainstItsDigest() throws Exception {
        String sha = json(send("private-1", "GET", "/v1/apps/near", null, null).body()).get("sha256").asText();
        for (EmulatedFleet.Member m : fleet.nodes()) {
            Path jar = dir.resolve("fleet").resolve(m.node()).resolve("packages").resolve(sha + ".jar");
            assertThat(jar).as("on " + m.node()).exists();
            assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(jar)))).isEqualTo(sha);
        }
    }

    @Test
    @Order(5)
    void globalStateWrittenOnOneNodeIsReadOnAnother() {
        assertThat(call("spot-eu-1", "near", "put", "colour=blue", "eu").body()).isEqualTo("ok");
        assertThat(call("spot-eu-1", "near", "get", "colour", "us").body()).isEqualTo("blue");
        assertThat(call("private-1", "vault", "get", "colour", "eu").body()).as("another app's state").isEmpty();
    }

    @Test
    @Order(6)
    void anEphemeralNamespaceFilledOnOneNodeIsAwaitedAndReadOnAnother() throws Exception {
        // the taker, in the US, waits for the namespace to be ready unless the sharer, in Europe, got there first
        CompletableFuture<HttpResponse<String>> waiting = CompletableFuture.supplyAsync(() -> call("spot-eu-1", "near", "take", "job", "us"));
        assertThat(call("spot-eu-1", "near", "share", "job=42", "eu").body()).isEqualTo("ok");
        HttpResponse<String> taken = waiting.get();
        assertThat(taken.body()).isEqualTo("42");
        assertThat(taken.headers().firstValue("X-Skyfn-Node")).hasValue("ondemand-us-1");
    }

    @Test
    @Order(7)
    void anAsyncInvocationIsLookedUpThroughAnyNode() {
        HttpResponse<String> accepted = send("spot-eu-1", "POST", "/v1/apps/vault/functions/where:invoke?async=true", "?".getBytes(), "eu");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String id = json(accepted.body()).get("invocationId").asText();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode status = json(send("ondemand-us-1", "GET", "/v1/invocations/" + id, null, null).body());
            assertThat(status.path("state").asText()).isEqualTo("succeeded");
            assertThat(status.toString()).contains("private-1");
        });
        assertThat(send("private-1", "GET", "/v1/invocations/01nosuchinvocation", null, null).statusCode()).isEqualTo(404);
    }

    @Test
    @Order(7)
    void anAppsLogsComeFromEveryNodeThatRanItsCallsMergedInTimeOrderEachWithItsNode() {
        String inUs = call("spot-eu-1", "near", "say", "one", "us").body();
        String inEu = call("spot-eu-1", "near", "say", "two", "eu").body();
        assertThat(inUs).isEqualTo("ondemand-us-1");
        assertThat(inEu).isNotEqualTo(inUs);
        // read through a gateway that may have run neither call
        JsonNode first = json(send("private-1", "GET", "/v1/apps/near/logs?function=say", null, null).body());
        List<String> said = new ArrayList<>();
        first.get("lines").forEach(l -> said.add(l.get("node").asText() + ": " + l.get("text").asText()));
        assertThat(said).containsSubsequence(inUs + ": said one", inEu + ": said two");
        assertThat(first.get("unreachable")).isEmpty();

        call("spot-eu-1", "near", "say", "three", "us");
        call("spot-eu-1", "near", "say", "four", "eu");
        JsonNode next = json(send("private-1", "GET", "/v1/apps/near/logs?function=say&cursor=" + first.get("next").asText(), null, null).body());
        List<String> after = new ArrayList<>();
        next.get("lines").forEach(l -> after.add(l.get("node").asText() + ": " + l.get("text").asText()));
        assertThat(after).as("only the lines after the cursor, from both nodes").containsExactly(inUs + ": said three", inEu + ": said four");

        CliRun cli = CliRun.skyfn("logs", "--url", "http://127.0.0.1:" + fleet.node("ondemand-us-1").port(), "near/say");
        assertThat(cli.out()).contains(inUs + " ").contains(inEu + " ").contains("said one").contains("said four");
        assertThat(cli.err()).doesNotContain("no answer");

        // and what each node counted of them, through any gateway
        JsonNode stats = json(send("private-1", "GET", "/v1/stats", null, null).body());
        assertThat(stats.get("unreachable")).isEmpty();
        List<String> counted = new ArrayList<>();
        stats.get("nodes").forEach(n -> n.get("functions").forEach(f -> {
            if (f.get("app").asText().equals("near") && f.get("function").asText().equals("say")) {
                counted.add(n.get("node").asText() + " in " + n.get("cloud").asText() + ": " + f.get("calls").asLong());
            }
        }));
        assertThat(counted).contains(inUs + " in ondemand-us: 2");
        assertThat(stats.get("nodes")).hasSize(4);
    }

    @Test
    @Order(8)
    void whenANodeIsKilledIdempotentCallsMoveToItsPeerAndAnInterruptedCallGetsNodeLost() throws Exception {
        CompletableFuture<HttpResponse<String>> napping = CompletableFuture.supplyAsync(() -> call("private-1", "pair", "nap", "20000", "eu"));
        await().atMost(Duration.ofSeconds(10)).until(() -> !call("private-1", "pair", "get", "napping-on", "eu").body().isEmpty());
        victim = call("private-1", "pair", "get", "napping-on", "eu").body();
        survivor = victim.equals("spot-eu-1") ? "spot-eu-2" : "spot-eu-1";
        nearBefore = inForce("near");
        var stop = new AtomicBoolean();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<Void> callers = CompletableFuture.runAsync(() -> {
            while (!stop.get()) {
                HttpResponse<String> res = call("private-1", "pair", "where", "?", "eu");
                calls.incrementAndGet();
                if (res.statusCode() != 200) {
                    failures.add(res.statusCode() + " " + res.body());
                }
            }
        });
        Thread.sleep(300);
        fleet.kill(victim);
        HttpResponse<String> lost = napping.get();
        assertThat(lost.statusCode()).as(lost.body()).isEqualTo(502);
        assertThat(json(lost.body()).get("error").get("code").asText()).isEqualTo("NODE_LOST");
        await().atMost(Duration.ofSeconds(10)).until(() -> call("private-1", "pair", "where", "?", "eu").body()
                .equals(survivor));
        stop.set(true);
        callers.get();
        assertThat(calls.get()).as("idempotent calls while the node died").isPositive();
        assertThat(failures).as("idempotent calls that failed while the node died").isEmpty();
    }

    @Test
    @Order(9)
    void theReplicasOnLiveNodesStayWhereTheyWereAndThePlacementShowsWhereTheAppRuns() {
        assertThat(nearBefore).as("near runs in each cloud").hasSize(3).contains("ondemand-us-1", "private-1");
        // only a replica on the dead node may move, and only to the other spot node: the duplicated placement asks for one per cloud
        List<String> expected = nearBefore.stream().map(n -> n.equals(victim) ? survivor : n).toList();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(inForce("pair")).containsExactly(survivor);
            assertThat(inForce("near")).containsExactlyInAnyOrderElementsOf(expected);
        });
        JsonNode now = placement("pair").get("scheduler");
        assertThat(now.get("assignments").toString()).contains(survivor).doesNotContain(victim);
    }

    @Test
    @Order(9)
    void theConsoleShowsTheDeadNodeAndTheNodeTheAppMovedTo() throws Exception {
        try (Browser browser = new Browser()) {
            String console = "http://127.0.0.1:" + fleet.node("private-1").port() + "/console/";
            browser.open(console + "#/fleet");
            browser.await(d -> d.findElements(org.openqa.selenium.By.cssSelector("#nodes-table tbody tr")).stream()
                    .map(org.openqa.selenium.WebElement::getText).filter(row -> row.startsWith(victim + " ") && row.contains("dead"))
                    .findFirst().orElse(null));
            assertThat(browser.awaitText(org.openqa.selenium.By.id("clouds-table"), "spot-eu")).contains("private").contains("ondemand-us");
            // the clouds' matrix: how many of each cloud's nodes live, and the round trips between users and clouds
            assertThat(browser.<Map<String, String>>await(d -> Browser.row(d, "clouds-table", "spot-eu"))).containsEntry("alive", "1/2");
            assertThat(browser.<Map<String, String>>await(d -> Browser.row(d, "clouds-table", "private"))).containsEntry("alive", "1/1");
            assertThat(browser.<Map<String, String>>await(d -> Browser.row(d, "latency-table", "users in eu")))
                    .containsEntry("spot-eu", "10").containsEntry("ondemand-us", "60").containsEntry("private", "14");
            assertThat(browser.<Map<String, String>>await(d -> Browser.row(d, "latency-table", "ondemand-us")))
                    .containsEntry("spot-eu", "50").containsEntry("private", "56").containsEntry("ondemand-us", "0");
            browser.screenshot(Path.of("target", "console-screenshots", "fleet-node-dead.png"));
            // a call's trace across two clouds: the gateway in one, the node that ran it in the other
            String trace = "2af7651916cd43dd8448eb211c80319c";
            assertThat(FleetCalls.send(fleet, "ondemand-us-1", "POST", "/v1/apps/vault/functions/where:invoke", "?".getBytes(StandardCharsets.UTF_8),
                    "traceparent", "00-" + trace + "-b7ad6b7169203331-01").body()).isEqualTo("private-1");
            // found among the latest traces, as a person would find it, with both clouds it crossed
            browser.open(console + "#/traces");
            List<String> listed = browser.await(d -> {
                List<String> cells = d.findElements(org.openqa.selenium.By.xpath("//table[@id='traces-table']//tr[.//a[@data-trace='" + trace
                        + "']]/td")).stream().map(org.openqa.selenium.WebElement::getText).toList();
                return cells.size() == 8 && cells.get(5).equals("ondemand-us, private") ? cells : null;
            });
            assertThat(listed.getFirst()).as("named by its first span naming the app").endsWith(" vault/where");
            assertThat(listed.get(2)).isEqualTo("vault");
            assertThat(listed.get(6)).isEqualTo("ondemand-us-1, private-1");
            browser.screenshot(Path.of("target", "console-screenshots", "traces-fleet.png"));
            browser.driver.findElement(org.openqa.selenium.By.cssSelector("#traces-table a[data-trace='" + trace + "']")).click();
            String spans = browser.await(d -> {
                String text = d.findElement(org.openqa.selenium.By.id("trace-table")).getText();
                return text.contains("invoke vault/where") && text.contains("call vault/where on private-1") ? text : null;
            });
            assertThat(spans).contains("ondemand-us-1").contains("private-1").contains("route vault/where");
            browser.screenshot(Path.of("target", "console-screenshots", "trace-two-clouds.png"));
            browser.open(console + "#/apps/pair");
            String placed = browser.await(d -> {
                String rows = d.findElement(org.openqa.selenium.By.id("placement-table")).getText();
                return rows.contains(survivor) && !rows.contains(victim) ? rows : null;
            });
            assertThat(placed).contains("alive");
            // an app some clouds may not take: the scheduler scores none of those, and the page says why
            browser.open(console + "#/apps/vault");
            browser.shown(org.openqa.selenium.By.cssSelector("#explain summary")).click();
            Map<String, String> spot = browser.await(d -> Browser.row(d, "explain-table", "spot-eu"));
            assertThat(spot).containsEntry("taken", "no").containsEntry("score", "-");
            assertThat(spot.get("why")).contains("trust");
            assertThat(browser.<Map<String, String>>await(d -> Browser.row(d, "explain-table", "private"))).containsEntry("taken", "yes");
        }
    }

    @Test
    @Order(10)
    void whenAWholeCloudDiesItsUsersAreServedFromTheNextNearest() {
        fleet.killCloud("ondemand-us");
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(call(survivor, "near", "where", "?", "us").statusCode()).isEqualTo(200));
        assertThat(call("private-1", "near", "where", "?", "us").body()).isIn(survivor, "private-1");
        for (int i = 0; i < 20; i++) {
            assertThat(call("private-1", "near", "get", "colour", "us").body()).isEqualTo("blue");
        }
    }

    @Test
    @Order(11)
    void anAppNoLiveCloudCanTakeShowsWhereItRanAndWhyTheSchedulerCannotPlaceItNow() {
        await().atMost(Duration.ofSeconds(10)).until(() -> inForce("render").equals(List.of("ondemand-us-1 (dead)")));
        JsonNode now = placement("render").get("scheduler");
        assertThat(now.get("placed").asBoolean()).isFalse();
        assertThat(now.get("problem").asText()).isEqualTo("no cloud passed the filters");
    }

    @Test
    @Order(12)
    void anAcceptedAsyncInvocationRunsEvenWhenTheNodeThatAcceptedItDies() {
        HttpResponse<String> accepted = send("private-1", "POST", "/v1/apps/pair/functions/nap:invoke?async=true", "1000".getBytes(), "eu");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String id = json(accepted.body()).get("invocationId").asText();
        fleet.kill("private-1");
        await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> {
            JsonNode status = json(send(survivor, "GET", "/v1/invocations/" + id, null, null).body());
            assertThat(status.path("state").asText()).isEqualTo("succeeded");
            assertThat(status.toString()).contains("slept");
        });
    }

    private static HttpResponse<String> send(String node, String method, String path, byte[] body, String region) {
        return region == null ? FleetCalls.send(fleet, node, method, path, body) : FleetCalls.send(fleet, node, method, path, body, "X-Skyfn-Region", region);
    }

    private static JsonNode placement(String app) {
        HttpResponse<String> res = send("private-1", "GET", "/v1/apps/" + app + "/placement", null, null);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        return json(res.body());
    }

    /** The nodes of the app's placement in force, a dead one marked so. */
    private static List<String> inForce(String app) {
        List<String> nodes = new ArrayList<>();
        placement(app).get("inForce").forEach(r -> nodes.add(r.get("node").asText() + (r.get("alive").asBoolean() ? "" : " (dead)")));
        return nodes;
    }

    private static JsonNode json(String body) {
        return FleetCalls.json(body);
    }

    private static HttpResponse<String> call(String gateway, String app, String function, String body, String region) {
        return send(gateway, "POST", "/v1/apps/" + app + "/functions/" + function + ":invoke", body.getBytes(StandardCharsets.UTF_8), region);
    }

}
