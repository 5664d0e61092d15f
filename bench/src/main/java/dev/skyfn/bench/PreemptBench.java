package dev.skyfn.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Spot preemptions under steady load: {@code skyfn dev --topology} with two spot markets, an app
 * that may run only on spot capacity (so that every replacement is a spot node the trace can take
 * back in turn: with an on-demand cloud beside them, the app leaves the markets while both cool
 * down, and the trace finds nothing left to take), callers calling a function that is not
 * idempotent (a call that failed would not be re-run) and workflow executions started all along,
 * while the emulated clouds replay a trace of preemptions with notice, alternating between the
 * markets. Reported: calls made and failed, executions started and how each ended, the latency of
 * the calls before the trace (the limit: nothing taken back) and during it, and where the
 * replacement nodes came from. Real node processes on this machine.
 */
final class PreemptBench {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOPOLOGY = """
            clouds:
              home: {provider: aws, region: eu-west-1, pricing: {model: on-demand, gbSecond: 0.0000100, vcpuSecond: 0.0000150},
                     nodes: {home-1: {}}}
              spot-a: {provider: aws, region: eu-west-1, startup: 5s, maxNodes: 8, nodes: {spot-a-1: {}},
                       pricing: {model: spot, gbSecond: 0.0000020, vcpuSecond: 0.0000030, preemptionNotice: %1$s, coolDown: 45s}}
              spot-b: {provider: aws, region: eu-west-2, startup: 5s, maxNodes: 8, nodes: {spot-b-1: {}},
                       pricing: {model: spot, gbSecond: 0.0000020, vcpuSecond: 0.0000030, preemptionNotice: %1$s, coolDown: 45s}}
            users:
              here: {home: 1, spot-a: 1, spot-b: 1}
            latency:
              home: {spot-a: 1, spot-b: 1}
              spot-a: {spot-b: 1}
            """;
    private static final String MANIFEST = """
            app: shop
            placement: {replicas: 2, affinity: [{name: cheap, clouds: [spot-a, spot-b]}]}
            functions:
              work: {handler: dev.skyfn.examples.hello.Sleep, memory: 128, timeout: 60s, concurrency: 50}
              step: {handler: dev.skyfn.examples.hello.Sleep, memory: 128, timeout: 60s, concurrency: 50}
            workflows:
              chain:
                StartAt: S1
                States:
                  S1: {Type: Task, Resource: step, ResultPath: null, Next: S2}
                  S2: {Type: Task, Resource: step, ResultPath: null, Next: S3}
                  S3: {Type: Task, Resource: step, ResultPath: null, Next: S4}
                  S4: {Type: Task, Resource: step, ResultPath: null, End: true}
            """;
    private static final int CALLERS = 4;
    private static final String WORK_MS = "20";
    /** An execution of four steps of this long is started this often. */
    private static final String STEP_MS = "500";
    private static final Duration EXECUTION_EVERY = Duration.ofSeconds(2);
    private static final Duration STEADY = Duration.ofSeconds(60);

    private final Path root;
    private final int preemptions;
    private final Duration every;
    private final Duration notice;
    private final HttpClient http = HttpClient.newHttpClient();

    /**
     * @param preemptions how many nodes the trace takes back
     * @param every       the time between two of them
     * @param notice      the notice each node hears first
     */
    PreemptBench(Path root, int preemptions, Duration every, Duration notice) {
        this.root = root;
        this.preemptions = preemptions;
        this.every = every;
        this.notice = notice;
    }

    private record Call(long startNanos, double ms, boolean ok, String error) {
    }

    String run() {
        Path dir = temp();
        try {
            Path topology = Files.writeString(dir.resolve("topology.yaml"), TOPOLOGY.formatted(seconds(notice)));
            // the fleet starts, the app is deployed and warm, and the load steady for a minute before the first preemption
            Instant epoch = Instant.now().plus(Duration.ofSeconds(Long.getLong("lead", 150)));
            Path trace = Files.write(dir.resolve("preemptions.csv"), trace());
            List<String> cmd = new ArrayList<>(List.of(Procs.JAVA.toString(), "-jar", root.resolve("skyfn-cli/target/skyfn.jar").toString(),
                    "dev", "--topology", topology.toString(), "--port", "0", "--data", dir.resolve("data").toString(),
                    "--preemptions", trace.toString(), "--prices-epoch", epoch.toString(), "--standby", "1",
                    "--release-after", "30s", "--dead-after", "10s"));
            System.err.println("preempt: starting the fleet (log in " + dir.resolve("fleet.log") + ")");
            Process fleet = Procs.start(null, dir.resolve("fleet.log"), cmd);
            try {
                int port = CostBench.awaitUp(fleet, dir.resolve("fleet.log"), "home-1");
                send(port, "POST", "/v1/apps", Jars.withManifest(Bench.exampleJar(root, "hello"), MANIFEST));
                awaitAnswer(port);
                return measure(port, epoch, dir);
            } finally {
                Procs.stop(fleet);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The trace: one preemption every {@code every} from time 0, the two spot markets in turn, each the node that has run longest. */
    private List<String> trace() {
        List<String> lines = new ArrayList<>(List.of("# at,cloud,node,notice"));
        for (int i = 0; i < preemptions; i++) {
            lines.add(seconds(every.multipliedBy(i)) + "," + (i % 2 == 0 ? "spot-a" : "spot-b") + ",," + seconds(notice));
        }
        return lines;
    }

    private String measure(int port, Instant epoch, Path dir) throws IOException {
        var calls = new ConcurrentLinkedQueue<Call>();
        var executions = new ConcurrentLinkedQueue<String>();
        var startFailures = new ConcurrentLinkedQueue<String>();
        var stop = new AtomicBoolean();
        List<Thread> load = new ArrayList<>();
        for (int i = 0; i < CALLERS; i++) {
            load.add(Thread.ofVirtual().start(() -> call(port, stop, calls)));
        }
        load.add(Thread.ofVirtual().start(() -> start(port, stop, executions, startFailures)));
        Instant end = epoch.plus(every.multipliedBy(preemptions)).plus(notice).plus(Duration.ofSeconds(30));
        Procs.sleep(Duration.between(Instant.now(), end));
        stop.set(true);
        load.forEach(PreemptBench::join);
        Map<String, Integer> ended = awaitEnded(port, executions, Duration.ofMinutes(3), dir.resolve("executions.txt"));

        long epochNanos = System.nanoTime() - Duration.between(epoch, Instant.now()).toNanos();
        List<Call> all = new ArrayList<>(calls);
        List<Double> before = all.stream().filter(c -> c.ok() && c.startNanos() < epochNanos
                && c.startNanos() >= epochNanos - STEADY.toNanos()).map(Call::ms).toList();
        List<Double> during = all.stream().filter(c -> c.ok() && c.startNanos() >= epochNanos).map(Call::ms).toList();
        List<String> failed = all.stream().filter(c -> !c.ok() && c.startNanos() >= epochNanos).map(Call::error).toList();
        long failedBefore = all.stream().filter(c -> !c.ok() && c.startNanos() < epochNanos).count();
        String log = Files.readString(dir.resolve("fleet.log"));
        long preempted = log.lines().filter(l -> l.contains("EmulatedClouds") && l.contains(" preempts node ")).count();
        long skipped = log.lines().filter(l -> l.contains("takes no node back")).count();
        Files.write(dir.resolve("failures.txt"), failed);

        var out = new StringBuilder("| | calls | failed | p50 ms | p99 ms |\n|---|---|---|---|---|\n");
        out.append(String.format(Locale.ROOT, "| the minute before the trace (nothing taken back) | %d | %d | %.1f | %.1f |%n",
                before.size(), failedBefore, Stats.percentile(before, 50), Stats.percentile(before, 99)));
        out.append(String.format(Locale.ROOT, "| during the trace: %d nodes taken back (%d times the market had none running), %s notice each "
                + "| %d | **%d** | %.1f | %.1f |%n", preempted, skipped, seconds(notice), during.size(), failed.size(), Stats.percentile(during, 50), Stats.percentile(during, 99)));
        out.append(String.format(Locale.ROOT, "%nWorkflow executions (four %s ms steps, one started every %d s): %d started, %s; "
                        + "%d starts refused. Replacement nodes by cloud: %s. %d closed-loop callers of a %s ms function that is not "
                        + "idempotent, through `home-1`; one preemption every %d s, the spot markets in turn (cool-down 45 s).%n",
                STEP_MS, EXECUTION_EVERY.toSeconds(), executions.size(), ended, startFailures.size(), replacements(port), CALLERS, WORK_MS,
                every.toSeconds()));
        if (!failed.isEmpty()) {
            out.append("\nFailures (first 5): ").append(String.join(" / ", failed.subList(0, Math.min(5, failed.size())))).append('\n');
        }
        return out.toString();
    }

    /** Waits until the app answers: deployed, placed and loaded. */
    private void awaitAnswer(int port) {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (true) {
            try {
                send(port, "POST", "/v1/apps/shop/functions/work:invoke", "1".getBytes(StandardCharsets.UTF_8));
                return;
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the app did not answer within 3 minutes of its deployment: " + e.getMessage());
                }
                Procs.sleep(Duration.ofMillis(500));
            }
        }
    }

    private void call(int port, AtomicBoolean stop, ConcurrentLinkedQueue<Call> calls) {
        while (!stop.get()) {
            long start = System.nanoTime();
            try {
                send(port, "POST", "/v1/apps/shop/functions/work:invoke", WORK_MS.getBytes(StandardCharsets.UTF_8));
                calls.add(new Call(start, (System.nanoTime() - start) / 1e6, true, null));
            } catch (RuntimeException e) {
                calls.add(new Call(start, (System.nanoTime() - start) / 1e6, false, e.getMessage()));
            }
        }
    }

    private void start(int port, AtomicBoolean stop, ConcurrentLinkedQueue<String> executions, ConcurrentLinkedQueue<String> failures) {
        while (!stop.get()) {
            try {
                String res = send(port, "POST", "/v1/apps/shop/workflows/chain/executions?async=true", STEP_MS.getBytes(StandardCharsets.UTF_8));
                executions.add(JSON.readTree(res).get("executionId").asText());
            } catch (RuntimeException | IOException e) {
                failures.add(e.getMessage());
            }
            Procs.sleep(EXECUTION_EVERY);
        }
    }

    /**
     * How the executions ended, by status, once none runs or {@code within} has passed (those still
     * running counted as such); each id and its status written to {@code listed}, to look into.
     */
    private Map<String, Integer> awaitEnded(int port, ConcurrentLinkedQueue<String> ids, Duration within, Path listed) throws IOException {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            Map<String, Integer> byStatus = new TreeMap<>();
            List<String> lines = new ArrayList<>();
            for (String id : ids) {
                String status;
                try {
                    status = JSON.readTree(send(port, "GET", "/v1/executions/" + id, null)).path("status").asText();
                } catch (RuntimeException | IOException e) {
                    status = e.getMessage().contains("EXECUTION_NOT_FOUND") ? "lost (EXECUTION_NOT_FOUND)" : "unreadable";
                }
                byStatus.merge(status, 1, Integer::sum);
                lines.add(id + " " + status);
            }
            if (!byStatus.containsKey("RUNNING") || System.nanoTime() > deadline) {
                Files.write(listed, lines);
                System.err.println("preempt: each execution's status in " + listed);
                return byStatus;
            }
            Procs.sleep(Duration.ofSeconds(2));
        }
    }

    /** The elastic nodes the fleet acquired, by cloud. */
    private Map<String, Integer> replacements(int port) throws IOException {
        Map<String, Integer> byCloud = new TreeMap<>();
        for (JsonNode n : JSON.readTree(send(port, "GET", "/v1/nodes", null)).path("elastic")) {
            byCloud.merge(n.path("cloud").asText(), 1, Integer::sum);
        }
        return byCloud;
    }

    private String send(int port, String method, String path, byte[] body) {
        return BenchFleet.send(http, port, method, path, body);
    }

    private static String seconds(Duration d) {
        return d.toSeconds() + "s";
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Path temp() {
        try {
            return Files.createTempDirectory("skyfn-preempt-bench-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
