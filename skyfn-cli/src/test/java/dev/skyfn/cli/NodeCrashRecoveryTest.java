package dev.skyfn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.control.Json;
import dev.skyfn.core.testing.JarBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * SAND's backup and recovery with real process kills: a node running workflows is killed with
 * SIGKILL in the middle of them, again and again, and started again on the same data. Every step
 * waits until the test lets it through, so the test knows which steps can have settled at each kill.
 */
@Tag("slow")
@Tag("chaos")
class NodeCrashRecoveryTest {

    private static final Pattern LISTENING = Pattern.compile("skyfn dev on http://127\\.0\\.0\\.1:(\\d+)");
    private static final int STEP_MS = 0;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS, factory = UnderTarget.class)
    Path dir;
    private NodeProcess node;

    @AfterEach
    void stop() {
        if (node != null) {
            node.kill();
        }
    }

    @Test
    void everyExecutionCompletesAndSettledStepsDoNotRunAgainAcrossRepeatedKills() throws Exception {
        Path data = dir.resolve("data");
        node = NodeProcess.start(data, dir.resolve("node-0.log"));
        var deployed = node.send("POST", "/v1/apps", JarBuilder.app("""
                app: crashy
                functions:
                  step: {handler: dev.skyfn.cli.Slowly$Gated, timeout: 5m}
                  allow: {handler: dev.skyfn.cli.Slowly$Allow}
                  runs: {handler: dev.skyfn.cli.Slowly$Runs}
                workflows:
                  chain:
                    StartAt: S1
                    States:
                      S1: {Type: Task, Resource: step, Next: S2}
                      S2: {Type: Task, Resource: step, Next: S3}
                      S3: {Type: Task, Resource: step, Next: S4}
                      S4: {Type: Task, Resource: step, Next: S5}
                      S5: {Type: Task, Resource: step, Next: S6}
                      S6: {Type: Task, Resource: step, End: true}
                  fanout:
                    StartAt: Items
                    States:
                      Items:
                        Type: Map
                        ItemsPath: $.items
                        MaxConcurrency: 3
                        ItemProcessor:
                          StartAt: A
                          States:
                            A: {Type: Task, Resource: step, Next: B}
                            B: {Type: Task, Resource: step, End: true}
                        End: true
                """).classes(Slowly.class).bytes());
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);

        Map<String, String> expected = new LinkedHashMap<>();
        for (int i = 0; i < 4; i++) {
            expected.put(start("chain", "{\"n\": " + i + ", \"ms\": " + STEP_MS + "}"), "{\"n\":" + (i + 6) + ",\"ms\":" + STEP_MS + "}");
            StringBuilder items = new StringBuilder();
            StringBuilder results = new StringBuilder();
            for (int j = 0; j < 6; j++) {
                items.append(j == 0 ? "" : ",").append("{\"n\":").append(10 * j).append(",\"ms\":").append(STEP_MS).append("}");
                results.append(j == 0 ? "" : ",").append("{\"n\":").append(10 * j + 2).append(",\"ms\":").append(STEP_MS).append("}");
            }
            expected.put(start("fanout", "{\"items\": [" + items + "]}"), "[" + results + "]");
        }
        int totalTasks = 4 * 6 + 4 * 12;

        Map<String, Integer> settledAtRestart = new HashMap<>();
        Set<String> allowed = new HashSet<>();
        for (int kill = 1; kill <= 3; kill++) {
            int target = kill * totalTasks / 4;
            System.err.printf("awaiting %d of %d steps settled before kill %d%n", target, totalTasks, kill);
            await().atMost(Duration.ofSeconds(90)).until(() -> allowUntilSettled(expected.keySet(), allowed, target));
            assertThat(settledTasks(expected.keySet())).as("tasks settled when the node is killed: only those let through")
                    .hasSize(target).allSatisfy(key -> assertThat(allowed).contains(key));
            node.kill();
            Path log = dir.resolve("node-" + kill + ".log");
            node = NodeProcess.start(data, log);
            // each execution resumes on a thread of its own, which may log after the node says it listens
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(log).contains("resuming execution"));
            for (String key : settledTasks(expected.keySet())) {
                settledAtRestart.put(key, runs(key));
            }
        }

        System.err.println("awaiting the rest of the steps after the last restart");
        await().atMost(Duration.ofSeconds(120)).until(() -> allowUntilSettled(expected.keySet(), allowed, totalTasks)
                && expected.keySet().stream().allMatch(id -> status(id).equals("SUCCEEDED")));
        for (Map.Entry<String, String> e : expected.entrySet()) {
            assertThat(execution(e.getKey()).get("output").toString()).isEqualTo(e.getValue());
        }
        List<String> allTasks = settledTasks(expected.keySet());
        assertThat(allTasks).hasSize(totalTasks);
        for (String key : allTasks) {
            assertThat(runs(key)).as("runs of %s", key).isPositive();
        }
        settledAtRestart.forEach((key, runs) -> assertThat(runs(key)).as("runs of %s, settled before a restart", key).isEqualTo(runs));
    }

    /**
     * Lets steps waiting to run through, no more than {@code target} in all, and says whether
     * {@code target} steps have settled: a step settles only once let through.
     */
    private boolean allowUntilSettled(Iterable<String> ids, Set<String> allowed, int target) {
        if (settledTasks(ids).size() >= target) {
            return true;
        }
        for (String key : waitingTasks(ids)) {
            if (allowed.size() < target && allowed.add(key)) {
                var res = node.send("POST", "/v1/apps/crashy/functions/allow:invoke", key.getBytes(StandardCharsets.UTF_8));
                assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
            }
        }
        return false;
    }

    private String start(String workflow, String input) {
        var res = node.send("POST", "/v1/apps/crashy/workflows/" + workflow + "/executions?async=true", input.getBytes(StandardCharsets.UTF_8));
        assertThat(res.statusCode()).as(res.body()).isEqualTo(202);
        return json(res.body()).get("executionId").asText();
    }

    private JsonNode execution(String id) {
        return json(node.send("GET", "/v1/executions/" + id, null).body());
    }

    private String status(String id) {
        return execution(id).get("status").asText();
    }

    /** The idempotency keys of the Task steps recorded as succeeded, over all the executions. */
    private List<String> settledTasks(Iterable<String> ids) {
        return tasks(ids, "SUCCEEDED");
    }

    /** The idempotency keys of the Task steps entered and not yet settled: those waiting to be let through. */
    private List<String> waitingTasks(Iterable<String> ids) {
        return tasks(ids, "ENTERED");
    }

    private List<String> tasks(Iterable<String> ids, String status) {
        List<String> keys = new ArrayList<>();
        for (String id : ids) {
            for (JsonNode step : execution(id).get("steps")) {
                if (step.get("type").asText().equals("Task") && step.get("status").asText().equals(status)) {
                    keys.add(id + "/" + step.get("key").asText());
                }
            }
        }
        return keys;
    }

    private int runs(String idempotencyKey) {
        var res = node.send("POST", "/v1/apps/crashy/functions/runs:invoke", idempotencyKey.getBytes(StandardCharsets.UTF_8));
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        return Integer.parseInt(res.body());
    }

    private static JsonNode json(String body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + body, e);
        }
    }

    /** {@code skyfn dev} in a process of its own, as a user runs it. */
    record NodeProcess(Process process, int port, HttpClient http) {

        static NodeProcess start(Path data, Path log) throws IOException {
            String java = ProcessHandle.current().info().command().orElseThrow();
            Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Skyfn.class.getName(),
                    "dev", "--port", "0", "--spares", "1", "--no-aot-cache", "--data", data.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            int[] port = new int[1];
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                if (!p.isAlive()) {
                    throw new IllegalStateException("the node exited: " + Files.readString(log));
                }
                Matcher m = LISTENING.matcher(Files.readString(log));
                if (m.find()) {
                    port[0] = Integer.parseInt(m.group(1));
                }
                return port[0] > 0;
            });
            return new NodeProcess(p, port[0], HttpClient.newHttpClient());
        }

        /** Sends a request, with {@code headers} (name, value, …) beside its JSON content type. */
        HttpResponse<String> send(String method, String path, byte[] body, String... headers) {
            var builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body))
                    .header("Content-Type", "application/json");
            if (headers.length > 0) {
                builder.headers(headers);
            }
            var request = builder.build();
            try {
                return http.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        /** SIGKILL, and its sandboxes must go with it: none may run on alone. */
        void kill() {
            List<ProcessHandle> sandboxes = process.descendants().toList();
            process.destroyForcibly();
            await().atMost(Duration.ofSeconds(10)).until(() -> !process.isAlive());
            await().atMost(Duration.ofSeconds(10)).until(() -> sandboxes.stream().noneMatch(ProcessHandle::isAlive));
        }
    }
}
