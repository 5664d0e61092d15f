package dev.skyfn.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.zip.ZipFile;

/**
 * What counting useful work costs: the CPU-bound thumbnail (examples/thumbnail, through its
 * function URL) and the image pipeline (examples/images, a workflow of four functions), each
 * deployed twice on one node — as shipped, and with {@code metering: useful-work} (its classes
 * rewritten to count the basic blocks they execute) — called in turn, one call at a time.
 */
final class UsefulWorkBench {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root;
    private final int runs;

    UsefulWorkBench(Path root, int runs) {
        this.root = root;
        this.runs = runs;
    }

    String run() {
        byte[] photo = PipelineBench.picture(1280, 960);
        String pipelineInput = "{\"name\":\"bench.png\",\"image\":\"" + Base64.getEncoder().encodeToString(photo) + "\"}";
        List<Double> thumb = new ArrayList<>();
        List<Double> thumbCounted = new ArrayList<>();
        List<Double> pipe = new ArrayList<>();
        List<Double> pipeCounted = new ArrayList<>();
        long thumbBlocks;
        long pipeBlocks;
        try (SkyfnProcess node = SkyfnProcess.start(root, null, 18_097, 1, List.of())) {
            for (String example : new String[] {"thumbnail", "images"}) {
                node.deploy(Bench.example(root, example));
                node.deploy(Jars.withManifest(Bench.exampleJar(root, example), counted(Bench.exampleJar(root, example))));
            }
            for (int round = 0; round < 2; round++) { // the first warms up
                for (int i = 0; i < runs; i++) {
                    boolean keep = round == 1;
                    add(keep, thumb, timed(() -> thumbnail(node, "thumbnail", photo)));
                    add(keep, thumbCounted, timed(() -> thumbnail(node, "thumbnail-counted", photo)));
                    add(keep, pipe, timed(() -> pipeline(node, "images", pipelineInput)));
                    add(keep, pipeCounted, timed(() -> pipeline(node, "images-counted", pipelineInput)));
                }
            }
            thumbBlocks = blocksPerCall(node, "thumbnail-counted");
            pipeBlocks = blocksPerCall(node, "images-counted");
        }
        return String.format("""
                | | as shipped, p50 (p99) | `metering: useful-work`, p50 (p99) | overhead (p50) | basic blocks per call |
                |---|---:|---:|---:|---:|
                | thumbnail, 1280×960 PNG → 200 px (function URL) | %.1f ms (%.1f) | %.1f ms (%.1f) | **%+.1f%%** | %,d |
                | image pipeline, four functions as a workflow | %.1f ms (%.1f) | %.1f ms (%.1f) | **%+.1f%%** | %,d |

                %d calls of each after as many to warm up, interleaved, one at a time, on one node (`bench/run usefulwork`, RUNS=%d).
                The blocks are the apps' own code's: the JDK's code they call (ImageIO, Java2D) is not rewritten, nor counted.
                """,
                Stats.median(thumb), Stats.percentile(thumb, 99), Stats.median(thumbCounted), Stats.percentile(thumbCounted, 99),
                100 * (Stats.median(thumbCounted) / Stats.median(thumb) - 1), thumbBlocks,
                Stats.median(pipe), Stats.percentile(pipe, 99), Stats.median(pipeCounted), Stats.percentile(pipeCounted, 99),
                100 * (Stats.median(pipeCounted) / Stats.median(pipe) - 1), pipeBlocks, runs, runs);
    }

    /** The example's manifest, as another app that counts its useful work. */
    private static String counted(Path jar) {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            String manifest = new String(zip.getInputStream(zip.getEntry("skyfn.yaml")).readAllBytes(), StandardCharsets.UTF_8);
            return manifest.replaceFirst("(?m)^app: (\\S+)", "app: $1-counted\nmetering: useful-work");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void thumbnail(SkyfnProcess node, String app, byte[] png) {
        MiniHttp.Response res = MiniHttp.send(node.port, "POST", "/fn/dev/" + app + "/thumbnail", png, "image/png");
        if (res.status() != 200) {
            throw new IllegalStateException(app + " failed: " + new String(res.body(), StandardCharsets.UTF_8));
        }
    }

    private static void pipeline(SkyfnProcess node, String app, String input) {
        MiniHttp.Response res = MiniHttp.send(node.port, "POST", "/v1/apps/" + app + "/workflows/pipeline/executions",
                input.getBytes(StandardCharsets.UTF_8), "application/json");
        if (res.status() != 200 || !new String(res.body(), StandardCharsets.UTF_8).contains("\"SUCCEEDED\"")) {
            throw new IllegalStateException(app + " failed: " + new String(res.body(), StandardCharsets.UTF_8));
        }
    }

    /** Blocks per call of {@code app}: for a workflow, its four Tasks' together. */
    private static long blocksPerCall(SkyfnProcess node, String app) {
        MiniHttp.Response res = MiniHttp.send(node.port, "GET", "/v1/bills?by=app&app=" + app, new byte[0], "text/plain");
        try {
            JsonNode total = JSON.readTree(res.body()).get("bill").get("total");
            long calls = app.startsWith("images") ? total.get("calls").asLong() / 4 : total.get("calls").asLong();
            return total.get("blocks").asLong() / Math.max(1, calls);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void add(boolean keep, List<Double> into, double ms) {
        if (keep) {
            into.add(ms);
        }
    }

    private static double timed(Runnable work) {
        long start = System.nanoTime();
        work.run();
        return (System.nanoTime() - start) / 1e6;
    }
}
