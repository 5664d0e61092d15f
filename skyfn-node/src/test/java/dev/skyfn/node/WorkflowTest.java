package dev.skyfn.node;

import static dev.skyfn.node.Errors.assertError;
import static dev.skyfn.node.Errors.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.core.testing.JarBuilder;
import dev.skyfn.node.apps.Callers;
import dev.skyfn.node.apps.Stateful;
import dev.skyfn.node.apps.Steps;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Workflow executions on a real node: states, errors, timeouts, cancelling, other apps, crashes, large values. */
@Tag("slow")
class WorkflowTest {

    @TempDir
    static Path dir;
    static TestNode node;

    static final String FUNCTIONS = """
            app: flows
            memory: 512
            functions:
              inc: {handler: dev.skyfn.node.apps.Steps$Inc}
              flaky: {handler: dev.skyfn.node.apps.Steps$Flaky}
              refuses: {handler: dev.skyfn.node.apps.Steps$Refuses}
              crashes: {handler: dev.skyfn.node.apps.Steps$CrashesOnce}
              make: {handler: dev.skyfn.node.apps.Steps$Make}
              upper: {handler: dev.skyfn.node.apps.Steps$Upper}
              describe: {handler: dev.skyfn.node.apps.Steps$Describe}
              sleeps: {handler: dev.skyfn.node.apps.Misbehaving$Sleeps, timeout: 2s}
              hangs: {handler: dev.skyfn.node.apps.Misbehaving$Hangs, timeout: 10m}
              keys: {handler: dev.skyfn.node.apps.Stateful$Keys}
            """;

    @BeforeAll
    static void start() {
        node = TestNode.dev(dir);
        var res = node.deploy(JarBuilder.app(FUNCTIONS + """
                workflows:
                  three:
                    StartAt: A
                    States:
                      A: {Type: Task, Resource: inc, Next: B}
                      B: {Type: Task, Resource: inc, Next: C}
                      C: {Type: Task, Resource: inc, End: true}
                  shapes: flows/shapes.json
                  errors:
                    StartAt: Flaky
                    States:
                      Flaky:
                        Type: Task
                        Resource: flaky
                        Retry: [{ErrorEquals: [IllegalStateException], IntervalSeconds: 0.01, MaxAttempts: 2}]
                        Next: Refuse
                      Refuse:
                        Type: Task
                        Resource: refuses
                        Catch: [{ErrorEquals: [IllegalArgumentException], ResultPath: $.problem, Next: Handled}]
                        End: true
                      Handled: {Type: Pass, Result: handled, ResultPath: $.outcome, End: true}
                  uncaught:
                    StartAt: Refuse
                    States:
                      Refuse: {Type: Task, Resource: refuses, End: true}
                  slowTask:
                    StartAt: Sleep
                    States:
                      Sleep: {Type: Task, Resource: sleeps, TimeoutSeconds: 1, End: true}
                  slowFlow:
                    TimeoutSeconds: 1
                    StartAt: Wait
                    States:
                      Wait: {Type: Wait, Seconds: 30, End: true}
                  spins:
                    StartAt: Spin
                    States:
                      Spin: {Type: Task, Resource: hangs, End: true}
                  long:
                    StartAt: Wait
                    States:
                      Wait: {Type: Wait, Seconds: 600, End: true}
                  viaOther:
                    StartAt: Echo
                    States:
                      Echo: {Type: Task, Resource: other/echo, End: true}
                  crashing:
                    StartAt: Before
                    States:
                      Before: {Type: Task, Resource: inc, Next: Crash}
                      Crash: {Type: Task, Resource: crashes, Next: After}
                      After: {Type: Task, Resource: inc, End: true}
                  modern:
                    QueryLanguage: JSONata
                    StartAt: Count
                    States:
                      Count:
                        Type: Task
                        Resource: inc
                        Arguments: {n: "{% $sum($states.input.items[price > 1].price) %}"}
                        Assign: {counted: "{% $states.result.n %}"}
                        Next: Label
                      Label:
                        Type: Pass
                        Output: {total: "{% $counted %}", label: "{% $string($states.input.n) & ' counted' %}", ok: "{% $exists($states.input.n) %}"}
                        End: true
                  paths:
                    StartAt: Pick
                    States:
                      Pick:
                        Type: Pass
                        Parameters: {cheap.$: "$.items[?(@.price < 2)].price", count.$: "States.ArrayLength($.items)", first.$: "$$.Execution.Input.items[0]"}
                        End: true
                  large:
                    StartAt: Make
                    States:
                      Make: {Type: Task, Resource: make, Next: Upper}
                      Upper: {Type: Task, Resource: upper, Next: Describe}
                      Describe: {Type: Task, Resource: describe, End: true}
                """).entry("flows/shapes.json", """
                {"StartAt": "Items", "States": {
                  "Items": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2,
                            "ItemProcessor": {"StartAt": "Inc", "States": {"Inc": {"Type": "Task", "Resource": "inc", "End": true}}},
                            "ResultPath": "$.items", "Next": "Both"},
                  "Both": {"Type": "Parallel", "ResultPath": "$.both", "Next": "Big?", "Branches": [
                    {"StartAt": "One", "States": {"One": {"Type": "Pass", "Result": 1, "End": true}}},
                    {"StartAt": "Two", "States": {"Two": {"Type": "Pass", "Result": 2, "End": true}}}]},
                  "Big?": {"Type": "Choice", "Choices": [{"Variable": "$.items[0].n", "NumericGreaterThan": 10, "Next": "Big"}],
                           "Default": "Small"},
                  "Big": {"Type": "Pass", "Result": "big", "ResultPath": "$.size", "End": true},
                  "Small": {"Type": "Pass", "Result": "small", "ResultPath": "$.size", "End": true}}}
                """).classes(Steps.class, Stateful.class, dev.skyfn.node.apps.Misbehaving.class));
        assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
        res = node.deploy(JarBuilder.app("""
                app: other
                functions:
                  echo: {handler: dev.skyfn.node.apps.Callers$Echo}
                """).classes(Callers.class));
        assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void runsJsonataStatesAndTheStatesLanguagesPathsAndIntrinsicsInTheSandbox() {
        JsonNode modern = succeeded("modern", "{\"items\": [{\"price\": 1}, {\"price\": 2}, {\"price\": 3}]}").get("output");
        assertThat(modern.get("total").asInt()).as(modern.toString()).isEqualTo(6); // 2 + 3, then inc
        // a Task passes on its result (no Output): the next state's input
        assertThat(modern.get("label").asText()).isEqualTo("6 counted");
        assertThat(modern.get("ok").asBoolean()).isTrue();
        JsonNode paths = succeeded("paths", "{\"items\": [{\"price\": 1}, {\"price\": 2.5}, {\"price\": 1.5}]}").get("output");
        assertThat(paths.toString()).isEqualTo("{\"cheap\":[1,1.5],\"count\":3,\"first\":{\"price\":1}}");
    }

    static HttpResponse<String> run(String workflow, String input, String... query) {
        return node.send("POST", "/v1/apps/flows/workflows/" + workflow + "/executions" + String.join("", query),
                input.getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json");
    }

    static JsonNode succeeded(String workflow, String input) {
        var res = run(workflow, input);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        JsonNode body = json(res);
        assertThat(body.get("status").asText()).as(res.body()).isEqualTo("SUCCEEDED");
        return body;
    }

    @Test
    void runsAChainOfTasksAndShowsEachStepWithItsTimings() {
        JsonNode done = succeeded("three", "{\"n\": 1}");
        assertThat(done.get("output").get("n").asInt()).isEqualTo(4);

        JsonNode history = json(node.get(done.get("url").asText()));
        assertThat(history.get("input").get("n").asInt()).isEqualTo(1);
        assertThat(history.get("output").get("n").asInt()).isEqualTo(4);
        List<String> keys = new ArrayList<>();
        for (JsonNode step : history.get("steps")) {
            keys.add(step.get("key").asText());
            assertThat(step.get("status").asText()).isEqualTo("SUCCEEDED");
            assertThat(step.get("durationMicros").asLong()).isNotNegative();
        }
        assertThat(keys).containsExactly("A", "B", "C");
        assertThat(history.get("steps").get(1).get("input").get("n").asInt()).isEqualTo(2);
        assertThat(history.get("steps").get(1).get("output").get("n").asInt()).isEqualTo(3);
    }

    @Test
    void runsMapParallelChoiceAndPassFromADefinitionFile() {
        JsonNode output = succeeded("shapes", "{\"items\": [{\"n\": 1}, {\"n\": 20}, {\"n\": 3}]}").get("output");
        assertThat(output.get("items").toString()).isEqualTo("[{\"n\":2},{\"n\":21},{\"n\":4}]");
        assertThat(output.get("both").toString()).isEqualTo("[1,2]");
        assertThat(output.get("size").asText()).isEqualTo("small");
    }

    @Test
    void retriesAndCatchesTaskErrorsByTheirJavaType() {
        var done = succeeded("errors", "{\"n\": 1}");
        JsonNode output = done.get("output");
        assertThat(output.get("n").asInt()).isEqualTo(2);
        assertThat(output.get("problem").get("Error").asText()).isEqualTo("java.lang.IllegalArgumentException");
        assertThat(output.get("problem").get("Cause").asText()).isEqualTo("no orders of 2");
        assertThat(output.get("outcome").asText()).isEqualTo("handled");
        JsonNode flaky = json(node.get(done.get("url").asText())).get("steps").get(0);
        assertThat(flaky.get("attempts").asInt()).isEqualTo(3);
        assertThat(flaky.get("lastError").asText()).isEqualTo("java.lang.IllegalStateException");
    }

    @Test
    void anUncaughtErrorFailsTheExecutionWithItsNameAndCause() {
        var res = run("uncaught", "{\"n\": 7}");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        JsonNode body = json(res);
        assertThat(body.get("status").asText()).isEqualTo("FAILED");
        assertThat(body.get("error").asText()).isEqualTo("java.lang.IllegalArgumentException");
        assertThat(body.get("cause").asText()).isEqualTo("no orders of 7");
        assertThat(body.has("output")).isFalse();
    }

    @Test
    void aTaskPastItsTimeoutFailsWithStatesTimeout() {
        JsonNode body = json(run("slowTask", "1900"));
        assertThat(body.get("status").asText()).isEqualTo("FAILED");
        assertThat(body.get("error").asText()).isEqualTo("States.Timeout");
    }

    @Test
    void anExecutionPastItsTimeoutEndsTimedOut() {
        JsonNode body = json(run("slowFlow", "{}"));
        assertThat(body.get("status").asText()).isEqualTo("TIMED_OUT");
        assertThat(body.get("error").asText()).isEqualTo("States.Timeout");
        assertThat(body.get("durationMs").asDouble()).isLessThan(10_000);
    }

    @Test
    void startsAsynchronouslyListsAndCancels() {
        var res = run("long", "{}", "?async=true");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(202);
        String url = json(res).get("url").asText();
        assertThat(res.headers().firstValue("Location")).hasValue(url);
        String id = json(res).get("executionId").asText();
        await().atMost(Duration.ofSeconds(20)).until(() -> json(node.get(url)).get("steps").size() == 1);
        assertThat(json(node.get(url)).get("steps").get(0).get("status").asText()).isEqualTo("WAITING");
        assertThat(node.get("/v1/apps/flows/workflows/long/executions?status=running").body()).contains(id);

        var cancelled = node.send("POST", url + ":cancel", null);
        assertThat(json(cancelled).get("status").asText()).as(cancelled.body()).isEqualTo("ABORTED");
        assertThat(json(node.get(url)).get("status").asText()).isEqualTo("ABORTED");
        assertThat(node.get("/v1/apps/flows/executions?status=aborted").body()).contains(id);
        assertThat(node.get("/v1/apps/flows/workflows/long/executions?status=running").body()).doesNotContain(id);
    }

    @Test
    void aTaskThatIgnoresItsExecutionsCancellationHasItsSandboxReplaced() {
        succeeded("three", "{\"n\": 0}"); // the app's sandbox is up before its processes are counted
        List<Long> before = sandboxPids();
        var res = run("spins", "\"spin\"", "?async=true");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(202);
        String url = json(res).get("url").asText();
        await().atMost(Duration.ofSeconds(20)).until(() -> json(node.get(url)).get("steps").size() == 1);
        var cancelled = node.send("POST", url + ":cancel", null);
        assertThat(json(cancelled).get("status").asText()).as(cancelled.body()).isEqualTo("ABORTED");
        // its task spins on, deaf to the interrupt, ten minutes before its own timeout: its sandbox goes instead
        await().atMost(Duration.ofSeconds(60)).until(() -> !sandboxPids().containsAll(before));
        assertThat(succeeded("three", "{\"n\": 0}").get("output").get("n").asInt()).as("the app served afresh").isEqualTo(3);
    }

    private static List<Long> sandboxPids() {
        return ProcessHandle.current().descendants().filter(p -> p.info().commandLine().orElse("").contains("SandboxMain"))
                .map(ProcessHandle::pid).toList();
    }

    @Test
    void tasksCallFunctionsOfOtherAppsOfTheTenant() {
        JsonNode done = succeeded("viaOther", "\"hi\"");
        assertThat(done.get("output").asText()).isEqualTo("other/echo got hi as " + done.get("executionId").asText() + "/Echo");
    }

    @Test
    void resumesInANewSandboxWhenItsSandboxDiesWithoutRunningSettledStepsAgain() {
        JsonNode done = succeeded("crashing", "{\"n\": 0}");
        assertThat(done.get("output").get("n").asInt()).isEqualTo(3);
        String id = done.get("executionId").asText();
        // "Before" settled before the crash: it ran once; the crashed step ran twice
        assertThat(node.invoke("flows", "keys", "global runs/" + id + "/Before").body()).isEqualTo("1");
        assertThat(node.invoke("flows", "keys", "global runs/" + id + "/After").body()).isEqualTo("1");
    }

    @Test
    void aFiftyMegabyteValueFlowsThroughStepsAndItsOutputStreamsBack() {
        JsonNode done = succeeded("large", "50");
        assertThat(done.get("output").asText()).isEqualTo((50 << 20) + " chars of X");
        JsonNode steps = json(node.get(done.get("url").asText())).get("steps");
        assertThat(steps.get(0).get("outputBytes").asLong()).isGreaterThan(50L << 20);
        assertThat(steps.get(1).has("output")).isFalse();
    }

    @Test
    void refusesUnknownWorkflowsAndInputThatIsNotJson() {
        assertError(run("nope", "{}"), 404, "WORKFLOW_NOT_FOUND", "app flows has no workflow nope (it has: three, shapes");
        assertError(run("three", "{not json"), 400, "INVALID_INPUT", "the input of an execution is JSON");
        assertError(node.get("/v1/executions/0123456789abcdef"), 404, "EXECUTION_NOT_FOUND", "no execution 0123456789abcdef");
    }
}
