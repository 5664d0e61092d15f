package dev.skyfn.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Memory of idle functions (deployed, scaled to zero) and of invocations in flight, against the
 * limits: an idle JVM and a parked virtual thread. Live heap after a full GC (through jcmd) is what
 * a function or invocation holds; resident memory is shown beside it.
 */
final class DensityBench {

    private static final int APPS = 100;
    /** Apps deployed in all for the slope: per-function memory is too small to see against 1000 functions alone. */
    private static final int MORE_APPS = 500;
    private static final int FUNCTIONS_PER_APP = 10;
    private static final int IN_FLIGHT = 1000;

    private final Path root;

    DensityBench(Path root) {
        this.root = root;
    }

    private record Sample(long heap, long rss) {
        static Sample of(Process p, boolean tree) {
            return tree ? new Sample(Procs.treeHeapUsed(p), Procs.treeRss(p))
                    : new Sample(Procs.heapUsedAfterGc(p.pid()), Procs.rss(p.pid()));
        }
    }

    private static void deployIdle(SkyfnProcess node, Path jar, int from, int to) {
        for (int a = from; a < to; a++) {
            var manifest = new StringBuilder("app: idle" + a + "\nfunctions:\n");
            for (int f = 0; f < FUNCTIONS_PER_APP; f++) {
                manifest.append("  f").append(f).append(": {handler: dev.skyfn.examples.hello.Hello, keepWarm: 0s}\n");
            }
            node.deploy(Jars.withManifest(jar, manifest.toString()));
        }
    }

    String run() {
        Path jar = Bench.exampleJar(root, "hello");
        Sample empty;
        Sample idle;
        Sample more;
        Sample before;
        Sample during;
        try (SkyfnProcess node = SkyfnProcess.start(root, null, 18_093, 0, List.of(),
                "--sandbox-jvm-option=-XX:-DisableAttachMechanism")) {
            // one deployment first, so that what the first one loads and caches is not counted per function
            node.deploy(Jars.withManifest(jar, "app: first\nfunctions: {f: {handler: dev.skyfn.examples.hello.Hello}}\n"));
            MiniHttp.send(node.port, "DELETE", "/v1/apps/first", new byte[0], "text/plain");
            empty = Sample.of(node.process, false);
            deployIdle(node, jar, 0, APPS);
            idle = Sample.of(node.process, false);
            deployIdle(node, jar, APPS, MORE_APPS);
            more = Sample.of(node.process, false);
            node.deploy(Bench.example(root, "hello"));
            node.invoke("hello", "sleep", "0");
            before = Sample.of(node.process, true);
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
            during = Sample.of(node.process, true);
        }
        String[] parked = Procs.run(List.of(Procs.JAVA.toString(), "-cp", Bench.classpath(root), ParkedThreads.class.getName(),
                Integer.toString(IN_FLIGHT * 10)), Duration.ofSeconds(60)).trim().split(" ");
        double idleJvm = Double.parseDouble(parked[0]);
        double perParked = Double.parseDouble(parked[1]);
        int functions = APPS * FUNCTIONS_PER_APP;
        return String.format("""
                | | live heap | resident | per unit (live heap) | limit |
                |---|---:|---:|---:|---:|
                | node, no apps | %s | %s | | idle JVM: %s resident |
                | node, %d idle functions in %d apps (scaled to zero) | %s | %s | | |
                | node, %d idle functions in %d apps | %s | %s | **%s per idle function** (slope) | |
                | node + sandbox, app warm, nothing in flight | %s | %s | | |
                | node + sandbox, %d sleeping invocations in flight | %s | %s | **%s per in-flight invocation** | parked virtual thread: %s resident |

                Resident memory per in-flight invocation: %s (target ≤ 100 KB).
                """,
                Stats.mib(empty.heap()), Stats.mib(empty.rss()), Stats.mib(idleJvm),
                functions, APPS, Stats.mib(idle.heap()), Stats.mib(idle.rss()),
                MORE_APPS * FUNCTIONS_PER_APP, MORE_APPS, Stats.mib(more.heap()), Stats.mib(more.rss()),
                Stats.kib((double) (more.heap() - idle.heap()) / ((MORE_APPS - APPS) * FUNCTIONS_PER_APP)),
                Stats.mib(before.heap()), Stats.mib(before.rss()),
                IN_FLIGHT, Stats.mib(during.heap()), Stats.mib(during.rss()), Stats.kib((double) (during.heap() - before.heap()) / IN_FLIGHT),
                Stats.kib(perParked), Stats.kib((double) (during.rss() - before.rss()) / IN_FLIGHT));
    }
}
