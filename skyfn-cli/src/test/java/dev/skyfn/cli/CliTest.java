package dev.skyfn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.core.testing.JarBuilder;
import dev.skyfn.node.NodeConfig;
import dev.skyfn.node.SingleNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands a user types, against a real dev node. */
@Tag("slow")
class CliTest {

    @TempDir
    static Path dir;
    static SingleNode node;
    static String url;

    @BeforeAll
    static void start() {
        node = SingleNode.start(NodeConfig.builder(dir.resolve("data")).port(0).spareSandboxes(1).aotCache(false)
                .tracing(dev.skyfn.node.tracing.Tracing.Export.kept(1.0)).build(), true);
        url = "http://127.0.0.1:" + node.port();
    }

    @AfterAll
    static void stop() {
        node.close();
    }


    @Test
    void deploysInvokesListsShowsLogsAndRemoves() {
        Path jar = JarBuilder.app("app: cli\nfunctions: {echo: {handler: dev.skyfn.cli.Echo}, refuse: {handler: dev.skyfn.cli.Echo$Refuses}}")
                .classes(Echo.class, Echo.Refuses.class).writeTo(dir.resolve("cli.jar"));
        CliRun deployed = CliRun.skyfn("deploy", "--url", url, jar.toString());
        assertThat(deployed.exit()).as(deployed.err()).isZero();
        assertThat(deployed.out()).contains("deployed cli version 1 (2 functions)");

        CliRun invoked = CliRun.skyfn("invoke", "--url", url, "cli/echo", "--data", "ping", "--content-type", "text/plain", "-v");
        assertThat(invoked.out()).isEqualTo("echo: ping\n");
        assertThat(invoked.err()).contains("cold start").contains("on node " + url);
        CliRun failed = CliRun.skyfn("invoke", "--url", url, "cli/refuse", "--data", "ping", "--content-type", "text/plain", "-v");
        assertThat(failed.exit()).isEqualTo(1);
        assertThat(failed.out()).isEmpty();
        // which call failed, and where, before why
        assertThat(failed.err()).containsPattern("invocation \\S{28}, (warm|cold start), [0-9.]+ ms round trip from this command, on node "
                + url + "\n").contains("FUNCTION_ERROR").contains("refused ping");

        assertThat(CliRun.skyfn("ls", "--url", url).out()).contains("cli").contains("1");
        assertThat(CliRun.skyfn("ls", "--url", url, "cli").out()).contains("dev.skyfn.cli.Echo")
                .containsPattern("deployed \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ,");
        assertThat(CliRun.skyfn("triggers", "--url", url, "cli").out()).isEqualTo("app cli has no triggers: it is called over HTTP alone\n");
        assertThat(CliRun.skyfn("logs", "--url", url, "cli/echo").out()).contains("stdout").contains("echoing ping");
        List<JsonNode> asJson = CliRun.skyfn("logs", "--url", url, "cli/echo", "--json").out().lines().map(FleetCalls::json).toList();
        assertThat(asJson).isNotEmpty().allSatisfy(line -> assertThat(line.get("function").asText()).isEqualTo("echo"))
                .allSatisfy(line -> assertThat(line.get("node").asText()).as("the node that ran the call").isNotEmpty())
                .anySatisfy(line -> assertThat(line.get("text").asText()).contains("echoing ping"))
                .anySatisfy(line -> assertThat(line.get("kind").asText()).isEqualTo("stdout"));
        CliRun none = CliRun.skyfn("logs", "--url", url, "cli/echo", "--invocation", "no-such-invocation");
        assertThat(none.exit()).isZero();
        assertThat(none.out()).isEmpty();
        assertThat(none.err()).contains("no log lines for cli/echo in invocation no-such-invocation");

        String id = CliRun.skyfn("invoke", "--url", url, "cli/echo", "--data", "later", "--async").out().strip();
        assertThat(id).hasSize(28);

        assertThat(CliRun.skyfn("rm", "--url", url, "cli").out()).contains("removed cli");
        CliRun gone = CliRun.skyfn("invoke", "--url", url, "cli/echo", "--data", "x");
        assertThat(gone.exit()).isEqualTo(1);
        assertThat(gone.err()).contains("error: APP_NOT_FOUND: no app cli");
    }

    @Test
    void topShowsTheCallsOfItsWindowByCloudNodeAndApp() throws Exception {
        Path jar = JarBuilder.app("app: watched\nfunctions: {echo: {handler: dev.skyfn.cli.Echo}}").classes(Echo.class)
                .writeTo(dir.resolve("watched.jar"));
        assertThat(CliRun.skyfn("deploy", "--url", url, jar.toString()).exit()).isZero();
        var http = java.net.http.HttpClient.newHttpClient();
        var invoke = java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "/v1/apps/watched/functions/echo:invoke"))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("x")).header("Content-Type", "text/plain").build();
        var stop = new java.util.concurrent.atomic.AtomicBoolean();
        var calls = new java.util.concurrent.atomic.AtomicInteger();
        // calls all through top's window, whenever it falls
        var caller = java.util.concurrent.CompletableFuture.runAsync(() -> {
            while (!stop.get()) {
                try {
                    if (http.send(invoke, java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                        calls.incrementAndGet();
                    }
                } catch (java.io.IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        org.awaitility.Awaitility.await().until(() -> calls.get() > 0);
        CliRun top;
        try {
            top = CliRun.skyfn("top", "--url", url, "--once", "--interval", "1s");
        } finally {
            stop.set(true);
        }
        caller.get();
        assertThat(top.exit()).as(top.err()).isZero();
        assertThat(top.out()).contains("1 node(s) in 1 cloud(s)").contains("CLOUD").contains("NODE").contains("APP").contains("COST $");
        String[] app = top.out().lines().filter(l -> l.startsWith("watched ")).findFirst().orElseThrow().split("\\s+");
        assertThat(Double.parseDouble(app[1])).as("calls per second in the window").isPositive();
        assertThat(app[3]).as("its p50, ms").isNotEqualTo("-");
        assertThat(CliRun.skyfn("top", "--url", url, "--interval", "10ms").err()).contains("--interval must be at least 100ms");
    }

    @Test
    void runsWorkflowsAndShowsListsAndCancelsExecutions() {
        Path jar = JarBuilder.app("""
                app: flow
                functions: {echo: {handler: dev.skyfn.cli.Echo}}
                workflows:
                  twice:
                    StartAt: First
                    States:
                      First: {Type: Task, Resource: echo, Next: Second}
                      Second: {Type: Task, Resource: echo, End: true}
                  broken:
                    StartAt: Stop
                    States:
                      Stop: {Type: Fail, Error: Out.Of.Stock, Cause: none left}
                  waits:
                    StartAt: Wait
                    States:
                      Wait: {Type: Wait, Seconds: 300, End: true}
                """).classes(Echo.class).writeTo(dir.resolve("flow.jar"));
        assertThat(CliRun.skyfn("deploy", "--url", url, jar.toString()).exit()).isZero();

        CliRun ran = CliRun.skyfn("run", "--url", url, "flow/twice", "--data", "\"hi\"", "-v");
        assertThat(ran.exit()).as(ran.err()).isZero();
        assertThat(ran.out()).isEqualTo("\"echo: echo: hi\"\n");
        var said = java.util.regex.Pattern.compile("execution (\\w+): SUCCEEDED in [0-9.]+ ms").matcher(ran.err());
        assertThat(said.find()).as(ran.err()).isTrue();
        String id = said.group(1);

        CliRun shown = CliRun.skyfn("execution", "--url", url, id);
        assertThat(shown.out()).contains("flow/twice " + id + ": SUCCEEDED").contains("First").contains("Second");
        assertThat(CliRun.skyfn("executions", "--url", url, "flow").out()).contains(id).contains("SUCCEEDED");

        CliRun failed = CliRun.skyfn("run", "--url", url, "flow/broken");
        assertThat(failed.exit()).isEqualTo(1);
        assertThat(failed.err()).contains("FAILED: Out.Of.Stock: none left");

        String waiting = CliRun.skyfn("run", "--url", url, "flow/waits", "--async").out().strip();
        assertThat(CliRun.skyfn("executions", "--url", url, "flow/waits", "--status", "running").out()).contains(waiting);
        assertThat(CliRun.skyfn("cancel", "--url", url, waiting).out()).isEqualTo(waiting + " ABORTED\n");
        CliRun aborted = CliRun.skyfn("execution", "--url", url, waiting);
        assertThat(aborted.exit()).isEqualTo(1);
        assertThat(aborted.err()).startsWith("execution " + waiting + " ABORTED: cancelled");
    }

    @Test
    void showsTheCloudsTheNodesAndWhyAnAppRunsWhereItDoes() {
        Path jar = JarBuilder.app("app: placed\nfunctions: {echo: {handler: dev.skyfn.cli.Echo}}\nplacement: {require: {trust: trusted}}")
                .classes(Echo.class).writeTo(dir.resolve("placed.jar"));
        assertThat(CliRun.skyfn("deploy", "--url", url, jar.toString()).exit()).isZero();

        assertThat(CliRun.skyfn("clouds", "--url", url).out()).contains("local").contains("owned").contains("trusted");
        assertThat(CliRun.skyfn("nodes", "--url", url).out()).contains("local").contains("alive");
        CliRun explained = CliRun.skyfn("explain", "--url", url, "placed");
        assertThat(explained.out()).contains("in force:      placed runs on local (skyfn, 256 MiB)")
                .contains("scheduler now: placed would run on local (skyfn, 256 MiB)").containsPattern("local +- +1 +0\\.\\d+");
    }

    @Test
    void thePlacementInForceOfAnAppOnOneNodeIsThisNodeBesideWhatTheSchedulerWouldChooseNow() throws Exception {
        Path jar = JarBuilder.app("app: here\nfunctions: {echo: {handler: dev.skyfn.cli.Echo, memory: 128}}").classes(Echo.class)
                .writeTo(dir.resolve("here.jar"));
        assertThat(CliRun.skyfn("deploy", "--url", url, jar.toString()).exit()).isZero();
        HttpResponse<String> res = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + "/v1/apps/here/placement")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        JsonNode p = FleetCalls.json(res.body());
        assertThat(p.get("inForce").toString()).isEqualTo("[{\"node\":\"skyfn\",\"cloud\":\"local\",\"memoryMb\":128,\"alive\":true}]");
        assertThat(p.get("scheduler").get("placed").asBoolean()).isTrue();
        assertThat(p.get("scheduler").get("assignments").get(0).get("nodes").toString()).isEqualTo("[\"skyfn\"]");
        assertThat(p.get("scheduler").get("clouds").get(0).get("taken").asBoolean()).isTrue();
        // the explanation's fields stay at the top for clients that read them there
        for (String field : List.of("placed", "assignments", "clouds")) {
            assertThat(p.get(field)).as(field).isEqualTo(p.get("scheduler").get(field));
        }
    }

    @Test
    void refusesAnAppNoCloudCanTakeAndSaysWhyForEachCloud() {
        Path jar = JarBuilder.app("app: needs-gpu\nfunctions: {echo: {handler: dev.skyfn.cli.Echo}}\nplacement: {require: {hardware: gpu}}")
                .classes(Echo.class).writeTo(dir.resolve("gpu.jar"));
        CliRun refused = CliRun.skyfn("deploy", "--url", url, jar.toString());
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("PLACEMENT_UNSATISFIABLE: cannot place app needs-gpu: no cloud passed the filters (local: no gpu hardware)");
        assertThat(CliRun.skyfn("ls", "--url", url).out()).doesNotContain("needs-gpu");
    }

    @Test
    void psListsTheCallsRunningNowAndTraceDrawsACallsSpansUnderEachOther() throws Exception {
        Path jar = JarBuilder.app("app: live\nfunctions: {hold: {handler: dev.skyfn.cli.Fleetwide$Hold}, echo: {handler: dev.skyfn.cli.Echo}}")
                .classes(Fleetwide.class, Echo.class).writeTo(dir.resolve("live.jar"));
        assertThat(CliRun.skyfn("deploy", "--url", url, jar.toString()).exit()).isZero();
        var held = java.util.concurrent.CompletableFuture.supplyAsync(() -> CliRun.skyfn("invoke", "--url", url, "live/hold", "--data", "3000",
                "--content-type", "text/plain"));
        String running = org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                .until(() -> CliRun.skyfn("ps", "--url", url, "live").out(), out -> out.contains("hold"));
        assertThat(running.lines().skip(1).toList()).singleElement().satisfies(line -> assertThat(line).contains("live", "hold", "skyfn"));
        assertThat(held.join().exit()).isZero();
        assertThat(CliRun.skyfn("ps", "--url", url, "live").out().lines().count()).as("the header alone once it ended").isEqualTo(1);

        String trace = "4cf92f3577b34da6a3ce929d0e0e4736";
        var res = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url
                + "/v1/apps/live/functions/echo:invoke")).header("traceparent", "00-" + trace + "-00f067aa0ba902b7-01")
                .header("Content-Type", "text/plain").POST(java.net.http.HttpRequest.BodyPublishers.ofString("x")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).isEqualTo(200);
        String shown = org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> CliRun.skyfn("trace", "--url", url, trace).out(), out -> out.contains("POST /v1/apps"));
        List<String> lines = shown.lines().toList();
        assertThat(lines.get(1)).startsWith("POST /v1/apps/{app}/functions/{function}:invoke");
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("  invoke live/echo").contains("skyfn"));
        List<String> listed = CliRun.skyfn("traces", "--url", url).out().lines().toList();
        assertThat(listed.getFirst()).startsWith("TRACE").contains("NAME", "SPANS", "CLOUDS");
        assertThat(listed).anySatisfy(l -> assertThat(l).startsWith(trace).contains("invoke live/echo", "local"));
        CliRun unknown = CliRun.skyfn("trace", "--url", url, "ffffffffffffffffffffffffffffff02");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).contains("TRACE_NOT_FOUND");
    }

    @Test
    void helpListsEveryCommandAndEachCommandHasItsOwn() {
        CliRun all = CliRun.skyfn("--help");
        assertThat(all.exit()).as(all.err()).isZero();
        assertThat(all.out()).contains("publish", "triggers", "deploy", "invoke");
        for (String command : java.util.List.of("publish", "triggers", "invoke", "deploy", "run", "node", "dev", "top", "logs", "ps", "trace", "traces")) {
            CliRun one = CliRun.skyfn(command, "--help");
            assertThat(one.exit()).as(command + ": " + one.err()).isZero();
            assertThat(one.out()).contains("Usage: skyfn " + command);
        }
    }

    @Test
    void publishesAnEventAndNamesABadSubjectAsTyped() {
        CliRun published = CliRun.skyfn("publish", "orders.eu", "-d", "{\"n\": 1}", "--partition-key", "k1", "--url", url);
        assertThat(published.exit()).as(published.err()).isZero();
        assertThat(published.out().strip()).isNotEmpty();
        CliRun first = CliRun.skyfn("publish", "orders.eu", "--id", "cli-dup-1", "-d", "{}", "--url", url);
        assertThat(first.out().strip()).isEqualTo("cli-dup-1");
        CliRun again = CliRun.skyfn("publish", "orders.eu", "--id", "cli-dup-1", "-d", "{}", "--url", url);
        assertThat(again.exit()).as(again.err()).isZero();
        assertThat(again.out()).startsWith("cli-dup-1 (a duplicate").contains("dropped");
        CliRun bad = CliRun.skyfn("publish", "orders eu", "-d", "{}", "--url", url);
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("'orders eu' is not a subject");
        java.util.Map.of("", "a subject is not empty", "..", "'..' is not a subject", "orders/eu", "'orders/eu' is not a subject").forEach((none, why) -> {
            CliRun refused = CliRun.skyfn("publish", none, "-d", "{}", "--url", url);
            assertThat(refused.exit()).isEqualTo(1);
            assertThat(refused.err()).as(none).contains(why);
        });
    }

    @Test
    void saysWhenTheServerIsNotThere() {
        CliRun run = CliRun.skyfn("ls", "--url", "http://127.0.0.1:1");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("cannot reach skyfn at http://127.0.0.1:1");
    }

    @Test
    void namesAFileThatIsNotThere() {
        CliRun deploy = CliRun.skyfn("deploy", "--url", url, "nosuch.jar");
        assertThat(deploy.exit()).isEqualTo(1);
        assertThat(deploy.err()).startsWith("error: the app jar nosuch.jar does not exist (in ");
        CliRun invoke = CliRun.skyfn("invoke", "--url", url, "cli/echo", "--data-file", dir.toString());
        assertThat(invoke.err()).isEqualTo("error: the data file " + dir + " is a directory, not a file\n");
        CliRun topology = CliRun.skyfn("dev", "--topology", dir.resolve("none.yaml").toString());
        assertThat(topology.exit()).isEqualTo(1);
        assertThat(topology.err()).isEqualTo("error: the topology " + dir.resolve("none.yaml") + " does not exist\n");
    }

    @Test
    void refusesDataGivenBothWays() throws java.io.IOException {
        Path file = java.nio.file.Files.writeString(dir.resolve("data.json"), "{}");
        for (List<String> command : List.of(List.of("invoke", "cli/echo"), List.of("run", "cli/flow"), List.of("publish", "orders.eu"))) {
            List<String> args = new java.util.ArrayList<>(command);
            args.addAll(List.of("--url", url, "-d", "{}", "--data-file", file.toString()));
            CliRun run = CliRun.skyfn(args.toArray(String[]::new));
            assertThat(run.exit()).as(command.getFirst()).isEqualTo(1);
            assertThat(run.err()).as(command.getFirst()).isEqualTo("error: give the data as -d or --data-file, not both\n");
        }
    }

    @Test
    void aWordThatNamesNoCommandIsSaidToBeNoneWithTheCommandsSpelledLikeIt() {
        CliRun typo = CliRun.skyfn("invok", "cli/echo");
        assertThat(typo.exit()).isEqualTo(2);
        assertThat(typo.err()).isEqualTo("error: 'invok' is not a command of 'skyfn'; 'skyfn --help' lists them\n"
                + "did you mean: invoke, invocation, scaling?\n");
        CliRun sub = CliRun.skyfn("tenant", "typo");
        assertThat(sub.exit()).isEqualTo(2);
        assertThat(sub.err()).startsWith("error: 'typo' is not a command of 'skyfn tenant'; 'skyfn tenant --help' lists them\n");
        CliRun option = CliRun.skyfn("--typo");
        assertThat(option.exit()).isEqualTo(2);
        assertThat(option.err()).startsWith("error: '--typo' is not an option of 'skyfn'; 'skyfn --help' lists them\n");
        CliRun missing = CliRun.skyfn("invoke");
        assertThat(missing.exit()).as("a command's own errors keep its usage").isEqualTo(2);
        assertThat(missing.err()).startsWith("Missing required parameter: 'APP/FUNCTION'\nUsage: skyfn invoke");
    }

    @Test
    void aNameOrIdTypedIsOneSegmentOfItsPathAndReachesNoOtherEndpoint() {
        CliRun rm = CliRun.skyfn("rm", "../tenants/dev/keys/x", "--url", url);
        assertThat(rm.exit()).isEqualTo(1);
        assertThat(rm.err()).isEqualTo("error: NOT_FOUND: no such endpoint: DELETE /v1/apps/..%2Ftenants%2Fdev%2Fkeys%2Fx\n");
        CliRun apps = CliRun.skyfn("invocation", "../apps", "--url", url);
        assertThat(apps.exit()).isEqualTo(1);
        assertThat(apps.out()).as("not the app list").isEmpty();
        CliRun dots = CliRun.skyfn("execution", "..", "--url", url);
        assertThat(dots.exit()).isEqualTo(1);
        assertThat(dots.err()).isEqualTo("error: '..' is not a name or an id\n");
    }

    @Test
    void aNodesOptionOutOfRangeIsNamed() {
        CliRun dev = CliRun.skyfn("dev", "--port", "0", "--data", dir.resolve("never").toString(), "--sandbox-memory", "0");
        assertThat(dev.exit()).isEqualTo(1);
        assertThat(dev.err()).isEqualTo("error: --sandbox-memory is at least 1, not 0\n");
    }

    @Test
    void refusesAPortInUseAtOnce() {
        CliRun dev = CliRun.skyfn("dev", "--port", Integer.toString(node.port()), "--data", dir.resolve("second").toString(), "--no-aot-cache");
        assertThat(dev.exit()).isEqualTo(1);
        assertThat(dev.err()).contains("error: cannot start skyfn dev: cannot listen on 127.0.0.1:" + node.port()
                + " (Address already in use)");
    }

    @Test
    void refusesABadTopologyInOneLine() throws java.io.IOException {
        Path bad = java.nio.file.Files.writeString(dir.resolve("bad-topology.yaml"), "clouds:\n  a: {bogus: 1}\n");
        CliRun dev = CliRun.skyfn("dev", "--topology", bad.toString());
        assertThat(dev.exit()).isEqualTo(1);
        assertThat(dev.err()).startsWith("error: topology: clouds.a.bogus: unknown field");
    }

    @Test
    void explainsABadFunctionName() {
        CliRun run = CliRun.skyfn("invoke", "--url", url, "just-an-app");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("APP/FUNCTION");
    }
}
