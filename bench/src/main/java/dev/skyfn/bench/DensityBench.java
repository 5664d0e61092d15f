package dev.skyfn.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Memory of idle functions (deployed, scaled to zero) and of invocations in flight, against the
 * limits: an idle JVM and a parked virtual thread.
 */
final class DensityBench {

    private static final int APPS = 100;
    private static final int FUNCTIONS_PER_APP = 10;
    private static final int IN_FLIGHT = 1000;

    private final Path root;

    DensityBench(Path root) {
        this.root = root;
    }

    String run() {
        Path jar = Bench.exampleJar(root, "hello");
        long empty;
        long idle;
        long before;
        long during;
        try (SkyfnProcess node = SkyfnProcess.start(root, null, 18_093, 0, List.of())) {
            node.gc();
            empty = Procs.rss(node.process.pid());
            for (int a = 0; a < APPS; a++) {
                var manifest = new StringBuilder("app: idle" + a + "\nfunctions:\n");
                for (int f = 0; f < FUNCTIONS_PER_APP; f++) {
                    manifest.append("  f").append(f).append(": {handler: dev.skyfn.examples.hello.Hello, keepWarm: 0s}\n");
                }
                node.deploy(Jars.withManifest(jar, manifest.toString()));
            }
            node.gc();
            idle = Procs.rss(node.process.pid());
            node.deploy(Bench.example(root, "hello"));
            node.invoke("hello", "sleep", "0");
            node.gc();
            before = Procs.treeRss(node.process);
            for (int i = 0; i < IN_FLIGHT; i++) {
                MiniHttp.send(node.port, "POST", "/v1/apps/hello/functions/sleep:invoke?async=true", "120000".getBytes(), "application/json");
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (node.node().get("inFlight").asInt() < IN_FLIGHT && System.nanoTime() < deadline) {
                Procs.sleep(Duration.ofMillis(100));
            }
            int running = node.node().get("inFlight").asInt();
            if (running < IN_FLIGHT) {
                throw new IllegalStateException("only " + running + " invocations in flight");
            }
            node.gc();
            during = Procs.treeRss(node.process);
        }
        String[] parked = Procs.run(List.of(Procs.JAVA.toString(), "-cp", Bench.classpath(root), ParkedThreads.class.getName(),
                Integer.toString(IN_FLIGHT * 10)), Duration.ofSeconds(60)).trim().split(" ");
        double idleJvm = Double.parseDouble(parked[0]);
        double perParked = Double.parseDouble(parked[1]);
        double perIdleFunction = (double) (idle - empty) / (APPS * FUNCTIONS_PER_APP);
        double perInFlight = (double) (during - before) / IN_FLIGHT;
        return String.format("""
                | | measured | limit | |
                |---|---:|---:|---|
                | node, no apps (after GC) | %s | idle JVM: %s | |
                | node with %d idle functions in %d apps (scaled to zero) | %s | | **%s per idle function** |
                | node + sandbox, app warm, nothing in flight | %s | | |
                | node + sandbox, %d sleeping invocations in flight | %s | parked virtual thread: %s | **%s per in-flight invocation** (target ≤ 100 KB) |
                """, Stats.mib(empty), Stats.mib(idleJvm), APPS * FUNCTIONS_PER_APP, APPS, Stats.mib(idle),
                Stats.kib(perIdleFunction), Stats.mib(before), IN_FLIGHT, Stats.mib(during), Stats.kib(perParked),
                Stats.kib(perInFlight));
    }
}
