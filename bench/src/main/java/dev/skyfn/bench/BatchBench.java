package dev.skyfn.bench;

import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Online before batch on one node: an online function under a steady load of short CPU-bound
 * calls, alone, beside a batch job that would saturate the node declared {@code priority: online}
 * (what every FaaS platform does: all work is equal), and beside the same job declared {@code
 * priority: batch}. Reported: the online calls' p50 and p99 (from each call's scheduled start, so a
 * stalled call cannot hide the ones behind it), and the job's throughput, in rounds that take the
 * three in turn; one {@code skyfn dev} node on this machine's CPUs.
 */
final class BatchBench {

    private static final int PORT = 18_096;
    /** Online: a call every 10 ms, each 2 ms of CPU — a fifth of one CPU. */
    private static final Duration ONLINE_EVERY = Duration.ofMillis(10);
    private static final String ONLINE_MS = "2";
    /** The job: this many callers at once, each call 100 ms of CPU — four times the CPUs of this machine. */
    private static final int JOB_CALLERS = 4 * Runtime.getRuntime().availableProcessors();
    private static final String JOB_MS = "100";

    private final Path root;
    private final int rounds;
    private final Duration seconds;
    private final HttpClient http = HttpClient.newBuilder().executor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()).build();

    BatchBench(Path root, int rounds, Duration seconds) {
        this.root = root;
        this.rounds = rounds;
        this.seconds = seconds;
    }

    private record Phase(String label, String jobApp) {
    }

    private record Result(List<Double> online, double jobPerSecond) {
    }

    String run() {
        List<Phase> phases = List.of(new Phase("online calls alone", null),
                new Phase("beside a job at `priority: online` (all work equal, as every FaaS platform)", "job-online"),
                new Phase("beside the same job at `priority: batch`", "job-batch"));
        try (SkyfnProcess node = SkyfnProcess.start(root, null, PORT, 2, List.of())) {
            Path hello = Bench.exampleJar(root, "hello");
            node.deploy(Jars.withManifest(hello, manifest("web", "online", 64)));
            node.deploy(Jars.withManifest(hello, manifest("job-online", "online", JOB_CALLERS)));
            node.deploy(Jars.withManifest(hello, manifest("job-batch", "batch", JOB_CALLERS)));
            for (String app : List.of("web", "job-online", "job-batch")) {
                node.invoke(app, "spin", "1"); // loaded: what is measured is warm work, not a cold start
            }
            measure(new Phase("warm-up", "job-batch"), Duration.ofSeconds(5));
            List<List<Result>> byPhase = new ArrayList<>();
            phases.forEach(p -> byPhase.add(new ArrayList<>()));
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < phases.size(); i++) {
                    byPhase.get(i).add(measure(phases.get(i), seconds));
                }
            }
            return table(phases, byPhase);
        }
    }

    private String table(List<Phase> phases, List<List<Result>> byPhase) {
        var out = new StringBuilder("| online calls | p50 ms | p99 ms | p99 vs alone | job calls/s |\n|---|---|---|---|---|\n");
        double aloneP99 = p99(byPhase.getFirst());
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < phases.size(); i++) {
            List<Result> rs = byPhase.get(i);
            double p50 = Stats.median(rs.stream().map(r -> Stats.percentile(r.online(), 50)).toList());
            double p99 = p99(rs);
            ratios.add(p99 / aloneP99);
            double job = Stats.median(rs.stream().map(Result::jobPerSecond).toList());
            out.append(String.format("| %s | %.1f | %.1f | %.2f× | %s |%n", phases.get(i).label(), p50, p99, p99 / aloneP99,
                    phases.get(i).jobApp() == null ? "—" : String.format("%.1f", job)));
        }
        return out.append(String.format("%nAt `priority: batch` the job raises online p99 by **%+.0f%%** (at equal priority: %+.0f%%). "
                + "Online: a call every %d ms, each %s ms of CPU (`hello/spin`); the job: %d closed-loop callers, each call %s ms of CPU; "
                + "%d rounds of %d s per row, medians of the rounds' percentiles; one `skyfn dev` node, %d CPUs.%n",
                (ratios.get(2) - 1) * 100, (ratios.get(1) - 1) * 100, ONLINE_EVERY.toMillis(), ONLINE_MS, JOB_CALLERS, JOB_MS,
                rounds, seconds.toSeconds(), Runtime.getRuntime().availableProcessors())).toString();
    }

    private static double p99(List<Result> rs) {
        return Stats.median(rs.stream().map(r -> Stats.percentile(r.online(), 99)).toList());
    }

    private static String manifest(String app, String priority, int concurrency) {
        return "app: " + app + "\nfunctions:\n  spin: {handler: dev.skyfn.examples.hello.Spin, memory: 128, timeout: 1m, concurrency: "
                + concurrency + ", priority: " + priority + "}\n";
    }

    /** The online load for {@code how}, with the phase's job running beside it from a moment before to its end. */
    private Result measure(Phase phase, Duration how) {
        var stop = new java.util.concurrent.atomic.AtomicBoolean();
        var jobDone = new AtomicLong();
        List<Thread> job = new ArrayList<>();
        if (phase.jobApp() != null) {
            for (int i = 0; i < JOB_CALLERS; i++) {
                job.add(Thread.ofVirtual().start(() -> {
                    while (!stop.get()) {
                        call(phase.jobApp(), JOB_MS);
                        jobDone.incrementAndGet();
                    }
                }));
            }
            Procs.sleep(Duration.ofSeconds(2)); // the job saturates the node before the online calls are measured
        }
        long doneBefore = jobDone.get();
        long start = System.nanoTime();
        List<Double> online = online(how);
        double jobPerSecond = (jobDone.get() - doneBefore) / ((System.nanoTime() - start) / 1e9);
        stop.set(true);
        job.forEach(BatchBench::join);
        return new Result(online, jobPerSecond);
    }

    /** Calls {@code web/spin} on a fixed schedule for {@code how}; each latency from the call's scheduled start, ms. */
    private List<Double> online(Duration how) {
        var took = new ConcurrentLinkedQueue<Double>();
        List<Thread> calls = new ArrayList<>();
        long first = System.nanoTime();
        long n = how.toNanos() / ONLINE_EVERY.toNanos();
        for (long i = 0; i < n; i++) {
            long due = first + i * ONLINE_EVERY.toNanos();
            long wait = due - System.nanoTime();
            if (wait > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(wait);
            }
            calls.add(Thread.ofVirtual().start(() -> {
                call("web", ONLINE_MS);
                took.add((System.nanoTime() - due) / 1e6);
            }));
        }
        calls.forEach(BatchBench::join);
        return new ArrayList<>(took);
    }

    private void call(String app, String ms) {
        BenchFleet.send(http, PORT, "POST", "/v1/apps/" + app + "/functions/spin:invoke", ms.getBytes(StandardCharsets.UTF_8));
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
