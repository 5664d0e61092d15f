package dev.skyfn.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * What the node and its sandbox allocate per warm call: the hello app's no-op at 64 connections
 * (node and sandbox on CPU 0, wrk on CPU 1, the sandbox not confined so that it can write its
 * recording), both recorded by JDK Flight Recorder; their allocation samples (each weighed by the
 * bytes it stands for) in the measured window, per call, by whose code allocated them — the first
 * frame of skyfn's or of the HTTP server's (Helidon) on the stack, else the JDK's — and skyfn's
 * largest sites. Sampled, so a site's figure varies by some percent between runs; the totals less.
 */
final class AllocBench {

    private static final String PATH = "/v1/apps/hello/functions/noop:invoke";
    private static final byte[] BODY = "x".getBytes();

    private final Path root;
    private final Duration measure;

    AllocBench(Path root, Duration measure) {
        this.root = root;
        this.measure = measure;
    }

    /** How long the sandbox records from its start: past the warm-up and the measured window; it writes its recording then. */
    private static final Duration SANDBOX_RECORDS = Duration.ofSeconds(40);

    String run() {
        try {
            Path recording = Files.createTempFile("skyfn-alloc-", ".jfr");
            Path sandboxRecording = Files.createTempFile("skyfn-alloc-sandbox-", ".jfr");
            Files.delete(sandboxRecording);
            Wrk.Result result;
            Instant from;
            Instant to;
            try (SkyfnProcess node = SkyfnProcess.startUnconfined(root, "0", 18_093, 0, List.of("-XX:StartFlightRecording=name=alloc,settings=profile"),
                    "--sandbox-jvm-option=-XX:StartFlightRecording=settings=profile,duration=" + SANDBOX_RECORDS.toSeconds() + "s,filename="
                            + sandboxRecording)) {
                node.deploy(Bench.example(root, "hello"));
                if (node.invoke("hello", "noop", "x").status() != 200) {
                    throw new IllegalStateException("noop does not answer");
                }
                String url = "http://127.0.0.1:" + node.port + PATH;
                Wrk.run("1", url, 64, Duration.ofSeconds(10), BODY);
                from = Instant.now();
                result = Wrk.run("1", url, 64, measure, BODY);
                to = Instant.now();
                Procs.run(List.of(Procs.JAVA.resolveSibling("jcmd").toString(), Long.toString(node.process.pid()), "JFR.dump", "name=alloc",
                        "filename=" + recording), Duration.ofSeconds(60));
                awaitWritten(sandboxRecording, SANDBOX_RECORDS.plusSeconds(30));
            }
            long calls = Math.round(result.requestsPerSecond() * measure.toSeconds());
            return String.format("%,d calls in %d s at 64 connections.%n%n", calls, (to.toEpochMilli() - from.toEpochMilli()) / 1000)
                    + "The node:\n\n" + report(recording, from, to, calls)
                    + (Files.exists(sandboxRecording) ? "\nThe sandbox:\n\n" + report(sandboxRecording, from, to, calls)
                    : "\nThe sandbox wrote no recording.\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Waits until {@code file} exists and has stopped growing, for at most {@code limit}: a
     * recording's file appears as it starts being written.
     */
    private static void awaitWritten(Path file, Duration limit) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        long size = -1;
        while (System.nanoTime() < deadline) {
            long now = Files.exists(file) ? Files.size(file) : -1;
            if (now > 0 && now == size) {
                return;
            }
            size = now;
            Thread.sleep(500);
        }
    }

    private static String report(Path recording, Instant from, Instant to, long calls) throws IOException {
        Map<String, Long> byOwner = new HashMap<>();
        Map<String, Long> skyfnSites = new HashMap<>();
        for (RecordedEvent e : RecordingFile.readAllEvents(recording)) {
            if (!e.getEventType().getName().equals("jdk.ObjectAllocationSample") || e.getStartTime().isBefore(from)
                    || e.getStartTime().isAfter(to)) {
                continue;
            }
            long bytes = e.getLong("weight");
            String owner = "the JDK's";
            for (RecordedFrame f : e.getStackTrace() == null ? List.<RecordedFrame>of() : e.getStackTrace().getFrames()) {
                String type = f.getMethod().getType().getName();
                if (type.startsWith("dev.skyfn.")) {
                    owner = "skyfn's";
                    skyfnSites.merge("`" + type.substring(type.lastIndexOf('.') + 1) + "." + f.getMethod().getName() + ":" + f.getLineNumber()
                            + "` " + e.getClass("objectClass").getName(), bytes, Long::sum);
                    break;
                }
                if (type.startsWith("io.helidon.")) {
                    owner = "the HTTP server's (Helidon)";
                    break;
                }
            }
            byOwner.merge(owner, bytes, Long::sum);
        }
        Files.deleteIfExists(recording);
        long all = byOwner.values().stream().mapToLong(Long::longValue).sum();
        var out = new StringBuilder("| allocated per call, by code | bytes |\n|---|---:|\n");
        out.append(String.format("| all | %,d |%n", all / calls));
        byOwner.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(o -> out.append(String.format("| %s | %,d |%n", o.getKey(), o.getValue() / calls)));
        out.append("\n| skyfn's largest sites | bytes per call |\n|---|---:|\n");
        skyfnSites.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(12)
                .forEach(s -> out.append(String.format("| %s | %,d |%n", s.getKey(), s.getValue() / calls)));
        return out.toString();
    }
}
