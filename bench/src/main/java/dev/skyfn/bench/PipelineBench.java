package dev.skyfn.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skyfn.api.Handler;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * SAND's image pipeline (examples/images): the platform's overhead — total time minus the time
 * the four functions compute — as a workflow in skyfn, beside the same four functions chained over
 * HTTP through the gateway, the way a platform without workflows in the sandbox chains them. The
 * compute time is the four handlers called directly, one after another, in one JVM.
 */
final class PipelineBench {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root;
    private final int runs;

    PipelineBench(Path root, int runs) {
        this.root = root;
        this.runs = runs;
    }

    String run() {
        byte[] image = picture(1280, 960);
        List<Double> compute = direct(image);
        List<Double> workflow = new ArrayList<>();
        List<Double> http = new ArrayList<>();
        try (SkyfnProcess node = SkyfnProcess.start(root, null, 18_096, 1, List.of())) {
            node.deploy(Bench.example(root, "images"));
            String input = "{\"name\":\"bench.png\",\"image\":\"" + Base64.getEncoder().encodeToString(image) + "\"}";
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < runs; i++) {
                    double w = timed(() -> viaWorkflow(node, input));
                    double h = timed(() -> viaHttp(node, image));
                    if (round == 1) {
                        workflow.add(w);
                        http.add(h);
                    }
                }
            }
        }
        double c = Stats.median(compute);
        double w = Stats.median(workflow);
        double h = Stats.median(http);
        return String.format("""
                A %,d-byte 1280×960 PNG through ExtractMetadata → Transform → Thumbnail → Store, %d times each way, one at a time; medians (p99).

                | | total | overhead (total − compute) | overhead / compute |
                |---|---:|---:|---:|
                | compute: the four handlers called directly in one JVM (limit) | %.1f ms (%.1f) | 0 | 0 |
                | **skyfn workflow** (`images/pipeline`, sync HTTP start, output back) | %.1f ms (%.1f) | %.1f ms | **%.1f%%** |
                | the same four functions chained over HTTP through the gateway | %.1f ms (%.1f) | %.1f ms | %.1f%% |

                Chaining over HTTP costs ×%.1f the workflow's overhead.
                """, image.length, runs,
                c, Stats.percentile(compute, 99),
                w, Stats.percentile(workflow, 99), w - c, 100 * (w - c) / c,
                h, Stats.percentile(http, 99), h - c, 100 * (h - c) / c,
                (h - c) / (w - c));
    }

    private static double timed(Runnable work) {
        long start = System.nanoTime();
        work.run();
        return (System.nanoTime() - start) / 1e6;
    }

    private static void viaWorkflow(SkyfnProcess node, String input) {
        MiniHttp.Response res = MiniHttp.send(node.port, "POST", "/v1/apps/images/workflows/pipeline/executions",
                input.getBytes(), "application/json");
        if (res.status() != 200 || !res.text().contains("\"SUCCEEDED\"")) {
            throw new IllegalStateException("the pipeline failed: " + res.text());
        }
    }

    /** Each function called over HTTP, its result merged into the photo the client passes on, as a sequence would. */
    private static void viaHttp(SkyfnProcess node, byte[] image) {
        ObjectNode photo = JSON.createObjectNode().put("name", "bench.png").put("image", image);
        photo.set("metadata", json(call(node, "metadata", photo).body()));
        photo.put("transformed", call(node, "transform", photo).body());
        photo.put("thumbnail", call(node, "thumbnail", photo).body());
        call(node, "store", photo);
    }

    private static MiniHttp.Response call(SkyfnProcess node, String function, JsonNode input) {
        try {
            MiniHttp.Response res = MiniHttp.send(node.port, "POST", "/v1/apps/images/functions/" + function + ":invoke",
                    JSON.writeValueAsBytes(input), "application/json");
            if (res.status() != 200) {
                throw new IllegalStateException(function + " failed: " + res.text());
            }
            return res;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The four handlers of the example, loaded from its jar and called one after another, warmed first. */
    @SuppressWarnings("unchecked")
    private List<Double> direct(byte[] image) {
        try (var loader = new URLClassLoader(new URL[]{Bench.exampleJar(root, "images").toUri().toURL()}, getClass().getClassLoader())) {
            Class<?> photoType = loader.loadClass("dev.skyfn.examples.images.Photo");
            Constructor<?> photo = photoType.getConstructors()[0];
            Handler<Object, Object>[] steps = new Handler[4];
            String[] names = {"ExtractMetadata", "Transform", "MakeThumbnail", "Save"};
            for (int i = 0; i < 4; i++) {
                steps[i] = (Handler<Object, Object>) loader.loadClass("dev.skyfn.examples.images." + names[i]).getConstructor().newInstance();
            }
            var ctx = new LocalContext();
            List<Double> times = new ArrayList<>();
            for (int i = 0; i < 2 * runs; i++) {
                long start = System.nanoTime();
                Object p = photo.newInstance("bench.png", image, null, null, null);
                Object meta = steps[0].handle(p, ctx);
                p = photo.newInstance("bench.png", image, meta, null, null);
                Object transformed = steps[1].handle(p, ctx);
                p = photo.newInstance("bench.png", image, meta, transformed, null);
                Object thumb = steps[2].handle(p, ctx);
                steps[3].handle(photo.newInstance("bench.png", image, meta, transformed, thumb), ctx);
                if (i >= runs) {
                    times.add((System.nanoTime() - start) / 1e6);
                }
            }
            return times;
        } catch (Exception e) {
            throw new IllegalStateException("cannot call the example's handlers directly", e);
        }
    }

    /** A photo-like picture: smooth gradients with noise, which PNG cannot squeeze to nothing. */
    static byte[] picture(int w, int h) {
        var img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        var random = new Random(42);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = (x * 255 / w + random.nextInt(4)) & 0xFF;
                int g = (y * 255 / h + random.nextInt(4)) & 0xFF;
                int b = ((x + y) * 127 / (w + h) + random.nextInt(4)) & 0xFF;
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        var out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static JsonNode json(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
