package dev.skyfn.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What a workflow costs beside its tasks: per step of a 10-step chain of no-op tasks and per item of
 * a Map over 1,000 no-op tasks, timed from the steps' own records; and the memory an execution
 * holds while it runs (node and sandbox, live heap after a full GC), beside a parked virtual thread.
 */
final class WorkflowBench {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int WAITING = 1_000;

    private final java.nio.file.Path root;
    private final int chains;

    WorkflowBench(java.nio.file.Path root, int chains) {
        this.root = root;
        this.chains = chains;
    }

    private static String manifest() {
        var m = new StringBuilder("""
                app: flows
                functions:
                  noop: {handler: dev.skyfn.bench.InteractionApp$Noop}
                workflows:
                  chain:
                    StartAt: S1
                    States:
                """);
        for (int i = 1; i <= 10; i++) {
            m.append("      S").append(i).append(": {Type: Task, Resource: noop, ").append(i < 10 ? "Next: S" + (i + 1) : "End: true").append("}\n");
        }
        m.append("""
                  map:
                    StartAt: Items
                    States:
                      Items:
                        Type: Map
                        ItemsPath: $.items
                        ItemProcessor: {StartAt: Noop, States: {Noop: {Type: Task, Resource: noop, End: true}}}
                        End: true
                  waiting:
                    StartAt: Noop
                    States:
                      Noop: {Type: Task, Resource: noop, Next: Wait}
                      Wait: {Type: Wait, Seconds: 3600, End: true}
                """);
        return m.toString();
    }

    String run() {
        List<Double> perStep = new ArrayList<>();
        List<Double> chainTotal = new ArrayList<>();
        List<Double> chainClient = new ArrayList<>();
        List<Double> perItem = new ArrayList<>();
        List<Double> mapTotal = new ArrayList<>();
        double heapPerExecution;
        double rssPerExecution;
        try (SkyfnProcess node = SkyfnProcess.start(root, null, 18_095, 1, List.of(), "--sandbox-jvm-option=-XX:-DisableAttachMechanism")) {
            node.deploy(Jars.ofClasses(manifest(), InteractionApp.class));
            for (int round = 0; round < 2; round++) {
                boolean measured = round == 1;
                for (int i = 0; i < chains; i++) {
                    long start = System.nanoTime();
                    JsonNode done = start(node, "chain", "1", false);
                    double client = (System.nanoTime() - start) / 1e3;
                    if (measured) {
                        chainClient.add(client);
                        chainTotal.add(done.get("durationMs").asDouble() * 1000);
                        perStep.addAll(stepIntervals(history(node, done)));
                    }
                }
            }
            StringBuilder items = new StringBuilder("{\"items\": [");
            for (int i = 0; i < 1000; i++) {
                items.append(i == 0 ? "" : ",").append(i);
            }
            items.append("]}");
            for (int i = 0; i < 40; i++) {
                JsonNode done = start(node, "map", items.toString(), false);
                if (i >= 10) {
                    mapTotal.add(done.get("durationMs").asDouble() * 1000);
                    perItem.add(done.get("durationMs").asDouble() * 1000 / 1000);
                }
            }
            long heapBefore = Procs.treeHeapUsed(node.process);
            long rssBefore = Procs.treeRss(node.process);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < WAITING; i++) {
                ids.add(start(node, "waiting", "1", true).get("executionId").asText());
            }
            for (String id : ids) {
                awaitWaiting(node, id);
            }
            heapPerExecution = (double) (Procs.treeHeapUsed(node.process) - heapBefore) / WAITING;
            rssPerExecution = (double) (Procs.treeRss(node.process) - rssBefore) / WAITING;
        }
        String[] parked = Procs.run(List.of(Procs.JAVA.toString(), "-cp", Bench.classpath(root), ParkedThreads.class.getName(),
                "10000"), Duration.ofSeconds(60)).trim().split(" ");
        return String.format("""
                | | p50 | p99 | mean | limit |
                |---|---:|---:|---:|---|
                | **per step**, 10-step chain of no-op tasks (start of a step to start of the next) | %.1f µs | %.1f µs | %.1f µs | same-sandbox call: see above |
                | whole chain, in the node (start to end, backed up) | %.0f µs | %.0f µs | %.0f µs | |
                | whole chain, at the client (sync HTTP start, output back) | %.0f µs | %.0f µs | %.0f µs | |
                | **per item**, Map over 1,000 no-op tasks (all at once) | %.1f µs | %.1f µs | %.1f µs | |
                | whole Map over 1,000 items | %.1f ms | %.1f ms | %.1f ms | |

                Memory per running execution (a task done, then waiting; %,d at once, node + sandbox): **%s live heap**, %s resident; a parked virtual thread alone: %s resident.
                """,
                Stats.median(perStep), Stats.percentile(perStep, 99), mean(perStep),
                Stats.median(chainTotal), Stats.percentile(chainTotal, 99), mean(chainTotal),
                Stats.median(chainClient), Stats.percentile(chainClient, 99), mean(chainClient),
                Stats.median(perItem), Stats.percentile(perItem, 99), mean(perItem),
                Stats.median(mapTotal) / 1000, Stats.percentile(mapTotal, 99) / 1000, mean(mapTotal) / 1000,
                WAITING, Stats.kib(heapPerExecution), Stats.kib(rssPerExecution), Stats.kib(Double.parseDouble(parked[1])));
    }

    private static double mean(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    static JsonNode start(SkyfnProcess node, String workflow, String input, boolean async) {
        MiniHttp.Response res = MiniHttp.send(node.port, "POST", "/v1/apps/flows/workflows/" + workflow + "/executions"
                + (async ? "?async=true" : ""), input.getBytes(), "application/json");
        JsonNode body = json(res.body());
        if (res.status() / 100 != 2 || (!async && !body.get("status").asText().equals("SUCCEEDED"))) {
            throw new IllegalStateException(workflow + ": " + res.text());
        }
        return body;
    }

    static JsonNode history(SkyfnProcess node, JsonNode execution) {
        return json(MiniHttp.send(node.port, "GET", execution.get("url").asText(), new byte[0], "text/plain").body());
    }

    /** From the start of each step to the start of the next, in microseconds. */
    private static List<Double> stepIntervals(JsonNode history) {
        List<Double> intervals = new ArrayList<>();
        JsonNode steps = history.get("steps");
        for (int i = 1; i < steps.size(); i++) {
            intervals.add(micros(steps.get(i).get("startedAt")) - micros(steps.get(i - 1).get("startedAt")));
        }
        return intervals;
    }

    private static double micros(JsonNode instant) {
        Instant t = Instant.parse(instant.asText());
        return t.getEpochSecond() * 1e6 + t.getNano() / 1e3;
    }

    private static void awaitWaiting(SkyfnProcess node, String id) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode steps = json(MiniHttp.send(node.port, "GET", "/v1/executions/" + id, new byte[0], "text/plain").body()).get("steps");
            if (steps.size() == 2 && steps.get(1).get("status").asText().equals("WAITING")) {
                return;
            }
            Procs.sleep(Duration.ofMillis(10));
        }
        throw new IllegalStateException("execution " + id + " did not reach its Wait state");
    }

    private static JsonNode json(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
