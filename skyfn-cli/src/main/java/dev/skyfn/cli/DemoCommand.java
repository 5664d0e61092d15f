package dev.skyfn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.node.NodeConfig;
import dev.skyfn.node.RunDirs;
import dev.skyfn.node.SingleNode;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code skyfn demo}: starts skyfn on the embedded default, deploys the example apps, invokes
 * them through the real HTTP API, prints results and timings, and stops; then does it again on a
 * fleet of four emulated clouds ({@link FleetDemo}).
 */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "Start skyfn on this machine, deploy the examples, invoke them, print timings, stop.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--examples", description = "folder of example apps, each with target/<name>.jar (default ${DEFAULT-VALUE})",
            defaultValue = "examples")
    Path examples;

    @Option(names = "--stay", description = "keep the fleet up once the demo is done, to look at in the console, until Ctrl-C")
    boolean stay;

    @Option(names = "--warm-calls", description = "warm calls timed per function (default ${DEFAULT-VALUE})", defaultValue = "1000")
    int warmCalls;

    private Client client;

    @Override
    public Integer call() throws Exception {
        // the demo narrates itself; the node's own log would interleave with it
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                .setLevel(ch.qos.logback.classic.Level.WARN);
        List<Path> jars = exampleJars();
        Path data = RunDirs.create("demo");
        long startedAt = System.nanoTime();
        try (SingleNode platform = SingleNode.start(NodeConfig.builder(data).port(0).isolation(NodeConfig.Isolation.PREFERRED)
                .ledgerHeadInterval(java.time.Duration.ofSeconds(1)).build(), true)) {
            client = new Client("http://127.0.0.1:" + platform.port(), null);
            step("skyfn dev node on http://127.0.0.1:%d, started in %d ms (embedded default: state in %s)",
                    platform.port(), millis(startedAt), data);
            step("%s", platform.node().confinement().describe());
            Set<Integer> heaps = new TreeSet<>();
            for (Path jar : jars) {
                heaps.add(deploy(jar));
            }
            awaitSpareSandboxes(heaps);
            warmClient();
            hello();
            greeter();
            thumbnail(data);
            imagePipeline();
            wordCount();
            asyncCall();
            events();
            logs();
            bill(data, "http://127.0.0.1:" + platform.port());
        } finally {
            RunDirs.delete(data);
        }
        step("stopped cleanly: sandboxes ended, state removed");
        fleet();
        return 0;
    }

    /** The same platform across the example topology's clouds, when there is a NATS server to run them on. */
    private void fleet() throws IOException {
        System.out.println();
        if (!dev.skyfn.nats.servers.NatsServerBinary.available()) {
            step("the fleet part needs nats-server (Debian: apt-get install nats-server, or set SKYFN_NATS_SERVER): skipped");
            return;
        }
        Path dir = RunDirs.create("demo-fleet");
        try {
            new FleetDemo(examples, stay).run(dir);
        } finally {
            RunDirs.delete(dir);
        }
    }

    private List<Path> exampleJars() throws IOException {
        if (!Files.isDirectory(examples)) {
            throw new CliException("no examples folder at " + examples.toAbsolutePath() + " (run from the repository root, or pass --examples)");
        }
        try (Stream<Path> dirs = Files.list(examples)) {
            List<Path> jars = dirs.map(d -> d.resolve("target").resolve(d.getFileName() + ".jar")).filter(Files::exists).sorted().toList();
            if (jars.isEmpty()) {
                throw new CliException("no example jars under " + examples + "/*/target; build them first: ./mvnw -DskipTests package");
            }
            return jars;
        }
    }

    /** Waits until the node has a pre-booted sandbox for each heap size the apps need, as it would long before traffic. */
    private void awaitSpareSandboxes(Set<Integer> heaps) throws InterruptedException {
        long start = System.nanoTime();
        while (!ready(client.json("GET", "/v1/node", null).get("sandboxes").get("spareByHeapMb"), heaps)) {
            if (millis(start) > 60_000) {
                throw new CliException("no sandboxes were pre-booted within 60 s");
            }
            Thread.sleep(20); // polling the node's view
        }
        step("generic sandboxes pre-booted for heaps %s MiB (%d ms): no JVM starts on the request path", heaps, millis(start));
    }

    /** Takes the demo's own HTTP client through its first requests, so that its start-up is not timed as skyfn's. */
    private void warmClient() {
        for (int i = 0; i < 200; i++) {
            try {
                client.send("POST", "/v1/apps/none/functions/none:invoke", new byte[]{'x'}, "text/plain");
            } catch (CliException expected) {
                // APP_NOT_FOUND: the request path is what is being warmed
            }
        }
    }

    private static boolean ready(JsonNode spares, Set<Integer> heaps) {
        return heaps.stream().allMatch(h -> spares.path(Integer.toString(h)).asInt() > 0);
    }

    private int deploy(Path jar) throws IOException {
        long start = System.nanoTime();
        JsonNode app = Client.parse(client.send("POST", "/v1/apps", Files.readAllBytes(jar), "application/java-archive").body());
        step("deployed %-10s v%d: %d function(s), %,d bytes, checked and stored in %d ms", app.get("app").asText(),
                app.get("version").asInt(), app.get("functions").size(), app.get("sizeBytes").asLong(), millis(start));
        return app.get("memoryMb").asInt();
    }

    private void hello() {
        Timed first = invoke("hello", "hello", "skyfn", "text/plain");
        step("hello/hello  \"skyfn\" -> \"%s\"   first call (cold start: load into a pre-booted sandbox) %.1f ms",
                first.text(), first.ms());
        summarize("hello/hello", "text/plain", "world".getBytes(StandardCharsets.UTF_8), "hello");
        summarize("hello/noop", "application/octet-stream", new byte[0], "noop");
    }

    private void summarize(String label, String type, byte[] body, String fn) {
        for (int i = 0; i < warmCalls; i++) {
            invoke("hello", fn, new String(body, StandardCharsets.UTF_8), type); // warms the JIT of client and server
        }
        double[] ms = new double[warmCalls];
        for (int i = 0; i < warmCalls; i++) {
            ms[i] = invoke("hello", fn, new String(body, StandardCharsets.UTF_8), type).ms();
        }
        Arrays.sort(ms);
        step("%-12s %d warm calls over HTTP, one at a time: p50 %.3f ms, p99 %.3f ms", label, warmCalls,
                ms[warmCalls / 2], ms[(int) (warmCalls * 0.99)]);
    }

    private void greeter() {
        String person = "{\"name\":\"Ada\",\"born\":\"1815-12-10\",\"languages\":[\"fr\",\"en\"]}";
        Timed cold = invoke("greeter", "greet", person, "application/json");
        Timed warm = invoke("greeter", "greet", person, "application/json");
        step("greeter/greet %s -> %s   cold %.1f ms, warm %.2f ms", person, cold.text(), cold.ms(), warm.ms());
        try {
            invoke("greeter", "greet", "{\"name\":\"Ada\",\"born\":\"last tuesday\"}", "application/json");
        } catch (CliException e) {
            step("greeter/greet with a bad date -> %s", e.getMessage());
        }
    }

    private void thumbnail(Path data) throws IOException {
        byte[] image = sampleImage(1920, 1280);
        long start = System.nanoTime();
        Client.Response res = client.send("POST", "/fn/dev/thumbnail/thumbnail?size=160", image, "image/png");
        double coldMs = (System.nanoTime() - start) / 1e6;
        start = System.nanoTime();
        res = client.send("POST", "/fn/dev/thumbnail/thumbnail?size=160", image, "image/png");
        double warmMs = (System.nanoTime() - start) / 1e6;
        Path out = data.resolve("thumbnail.png");
        Files.write(out, res.body());
        step("thumbnail via its function URL: %,d-byte %s PNG -> %,d-byte %s PNG   cold %.0f ms, warm %.0f ms (javax.imageio, bicubic)",
                image.length, res.header("x-source-size").orElse("?"), res.body().length,
                res.header("x-thumbnail-size").orElse("?"), coldMs, warmMs);
    }

    /** SAND's image pipeline as a workflow: four steps handing a photo on inside the app's sandbox. */
    private void imagePipeline() throws IOException {
        byte[] image = sampleImage(1600, 1200);
        String input = "{\"name\":\"sample.png\",\"image\":\"" + Base64.getEncoder().encodeToString(image) + "\"}";
        JsonNode cold = run("images", "pipeline", input);
        JsonNode warm = run("images", "pipeline", input);
        JsonNode stored = warm.get("output");
        JsonNode meta = stored.get("metadata");
        if (!warm.get("status").asText().equals("SUCCEEDED") || stored.get("thumbnailBytes").asInt() <= 0) {
            throw new CliException("the image pipeline did not store a thumbnail: " + warm);
        }
        JsonNode steps = client.json("GET", warm.get("url").asText(), null).get("steps");
        StringBuilder timings = new StringBuilder();
        double stepsMs = 0;
        for (JsonNode step : steps) {
            double ms = step.get("durationMicros").asLong() / 1000.0;
            stepsMs += ms;
            timings.append(String.format("%s %.1f ms, ", step.get("key").asText(), ms));
        }
        double totalMs = warm.get("durationMs").asDouble();
        step("workflow images/pipeline on a %,d-byte %dx%d %s (mean colour %s): stored a %,d-byte thumbnail; cold %.0f ms, warm %.0f ms",
                image.length, meta.get("width").asInt(), meta.get("height").asInt(), meta.get("format").asText(),
                meta.get("meanColor").asText(), stored.get("thumbnailBytes").asInt(), cold.get("durationMs").asDouble(), totalMs);
        step("    steps: %sskyfn between and around them: %.2f ms (%.1f%% of the steps' time)", timings, totalMs - stepsMs,
                100 * (totalMs - stepsMs) / stepsMs);
        JsonNode rejected = run("images", "pipeline", "{\"name\":\"notes.txt\",\"image\":\"" + Base64.getEncoder()
                .encodeToString("not a picture".getBytes(StandardCharsets.UTF_8)) + "\"}");
        step("    a text file instead of a photo: %s %s (%s), caught by the workflow", rejected.get("status").asText(),
                rejected.get("error").asText(), rejected.get("cause").asText());
    }

    /** A Map-based word count over skyfn's own documentation: map, shuffle through ephemeral namespaces, reduce. */
    private void wordCount() throws IOException {
        Path root = examples.toAbsolutePath().getParent();
        List<Path> files = new ArrayList<>();
        files.add(root.resolve("README.md"));
        try (Stream<Path> docs = Files.walk(root.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        List<Map<String, String>> documents = new ArrayList<>();
        long expectedWords = 0;
        for (Path f : files) {
            String text = Files.readString(f);
            documents.add(Map.of("name", root.relativize(f).toString(), "text", text));
            expectedWords += Arrays.stream(text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}']+"))
                    .filter(w -> !w.replaceAll("^'+|'+$", "").isEmpty()).count();
        }
        String input = Client.JSON.writeValueAsString(Map.of("documents", documents, "chunks", 8, "partitions", 4));
        JsonNode cold = run("wordcount", "count", input);
        JsonNode done = run("wordcount", "count", input);
        JsonNode summary = done.get("output");
        if (!done.get("status").asText().equals("SUCCEEDED") || summary.get("words").asLong() != expectedWords) {
            throw new CliException("the word count is wrong: expected " + expectedWords + " words, got " + done);
        }
        StringBuilder top = new StringBuilder();
        for (JsonNode w : summary.get("top")) {
            if (top.length() < 60) {
                top.append(w.get("word").asText()).append(' ').append(w.get("count").asLong()).append(", ");
            }
        }
        step("workflow wordcount/count over %d documents of skyfn's docs: %,d words (%,d distinct) counted by %d mappers, "
                        + "shuffled through ephemeral namespaces to %d reducers; cold %.0f ms, warm %.0f ms; top: %s...", documents.size(),
                summary.get("words").asLong(), summary.get("distinct").asLong(), summary.get("chunks").asInt(),
                summary.get("partitions").asInt(), cold.get("durationMs").asDouble(), done.get("durationMs").asDouble(), top);
    }

    private JsonNode run(String app, String workflow, String input) {
        return Client.parse(client.send("POST", "/v1/apps/" + app + "/workflows/" + workflow + "/executions",
                input.getBytes(StandardCharsets.UTF_8), "application/json").body());
    }

    private void asyncCall() throws InterruptedException {
        String id = Client.parse(client.send("POST", "/v1/apps/greeter/functions/greet:invoke?async=true",
                "{\"name\":\"Grace\",\"languages\":[\"de\"]}".getBytes(StandardCharsets.UTF_8), "application/json").body())
                .get("invocationId").asText();
        JsonNode status;
        long start = System.nanoTime();
        do {
            Thread.sleep(5); // polling the invocation's status, as a client would
            status = client.json("GET", "/v1/invocations/" + id, null);
        } while (!status.get("state").asText().equals("succeeded") && !status.get("state").asText().equals("failed") && millis(start) < 10_000);
        step("async greeter/greet -> 202 %s, then GET /v1/invocations/%s: %s %s", id, id, status.get("state").asText(), status.get("result"));
    }

    /** Events in: clicks into the sketches' stream function, orders through the ETL pipeline, its schedule's ticks. */
    private void events() throws InterruptedException {
        var random = new java.util.Random(1);
        int clicks = 1_000;
        Set<Integer> users = new java.util.HashSet<>();
        long start = System.nanoTime();
        for (int i = 0; i < clicks; i++) {
            String page = i % 10 == 0 ? "/home" : "/item/" + random.nextInt(300);
            int user = random.nextInt(400);
            users.add(user);
            client.send("POST", "/v1/topics/clicks.web", ("{\"user\": \"u" + user + "\", \"page\": \"" + page
                    + "\", \"loadMs\": " + (5 + random.nextInt(120)) + "}").getBytes(StandardCharsets.UTF_8), "application/json");
        }
        long published = System.nanoTime();
        JsonNode estimate;
        do {
            Thread.sleep(10); // the stream function takes the clicks in batches of up to 100
            estimate = Client.parse(invoke("sketches", "estimate", "{\"page\": \"/home\"}", "application/json").body());
        } while (estimate.get("clicks").asLong() < clicks && millis(start) < 30_000);
        step("published %,d click events to clicks.web in %d ms; the sketches' stream function took them in batches, all in by %d ms:",
                clicks, (published - start) / 1_000_000, millis(start));
        step("    /home viewed %d times (Count-Min; 100 true), %d distinct users (HyperLogLog; %d true), load p50 %.0f ms, p99 %.0f ms (KLL)",
                estimate.get("views").asLong(), estimate.get("distinctUsers").asLong(), users.size(), estimate.get("loadMsP50").asDouble(),
                estimate.get("loadMsP99").asDouble());
        for (String order : List.of("{\"id\": 1, \"amount\": 10, \"currency\": \"EUR\", \"country\": \"FR\"}",
                "{\"id\": 2, \"amount\": 100, \"currency\": \"USD\", \"country\": \"US\"}",
                "{\"id\": 3, \"amount\": -5, \"currency\": \"EUR\", \"country\": \"DE\"}")) {
            client.send("POST", "/v1/topics/orders.raw", order.getBytes(StandardCharsets.UTF_8), "application/json");
        }
        start = System.nanoTime();
        JsonNode report;
        do {
            Thread.sleep(20); // cleaned, aggregated in a batch window of 500 ms, the bad one tried twice then rejected
            report = Client.parse(invoke("etl", "report", "", "text/plain").body());
        } while ((report.get("rejects").asLong() < 1 || report.get("openMinutes").size() + (report.get("totals").asText().startsWith("orders=0") ? 0 : 1) == 0)
                && millis(start) < 30_000);
        step("etl: 3 raw orders -> clean (enriched, to orders.clean) -> aggregate (batches) -> minutes %s, day %s; rejected %d (%s)",
                report.get("openMinutes"), report.get("totals").asText(), report.get("rejects").asLong(), report.get("lastReject").asText());
        JsonNode compact = null;
        for (JsonNode t : client.json("GET", "/v1/apps/etl/triggers", null).get("triggers")) {
            if (t.get("function").asText().equals("compact")) {
                compact = t;
            }
        }
        step("etl/compact runs on %s: last tick %s, next %s", compact.get("spec").asText(), compact.get("lastFired").asText(),
                compact.get("nextTick").asText());
    }

    private void logs() {
        JsonNode lines = client.json("GET", "/v1/apps/hello/logs?function=hello&limit=3", null).get("lines");
        step("skyfn logs hello/hello (last %d lines, each tagged with its invocation):", lines.size());
        for (JsonNode l : lines) {
            System.out.printf("      %s %s %s%n", l.get("invocationId").asText(), l.get("kind").asText(), l.get("text").asText());
        }
    }

    /** The bill of everything above, what it would have cost elsewhere, and its proof checked as a tenant checks it. */
    private void bill(Path data, String url) throws InterruptedException {
        JsonNode bill = client.json("GET", "/v1/bills?by=app", null).get("bill");
        JsonNode total = bill.get("total");
        step("skyfn bills: %,d calls metered (%,.2f GB-s, %,d ms billed), $%.6f on this machine's own cloud; the same calls on:",
                total.get("calls").asLong(), total.get("gbSeconds").asDouble(), total.get("billedMs").asLong(), total.get("cost").asDouble());
        for (JsonNode e : bill.get("elsewhere")) {
            System.out.printf("      %-36s $%.6f at list price, $%.6f after its monthly free tier%n", e.get("name").asText(),
                    e.get("listCost").asDouble(), e.get("cost").asDouble());
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline && !headCoversLedger()) {
            Thread.sleep(100);
        }
        var out = new ByteArrayOutputStream();
        var before = System.out;
        System.setOut(new java.io.PrintStream(out, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = Skyfn.run("bills", "verify", "--url", url, "--state", data.resolve("ledger-state.json").toString());
        } finally {
            System.setOut(before);
        }
        step("skyfn bills verify (exit %d): each record proven in the node's signed Merkle tree (RFC 9162):", exit);
        out.toString(StandardCharsets.UTF_8).lines().forEach(l -> System.out.println("      " + l));
    }

    private boolean headCoversLedger() {
        JsonNode ledger = client.json("GET", "/v1/ledger", null).get("nodes").get(0);
        JsonNode heads = ledger.get("heads");
        return !heads.isEmpty() && heads.get(heads.size() - 1).get("size").asLong() == ledger.get("size").asLong();
    }

    private record Timed(byte[] body, double ms) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private Timed invoke(String app, String fn, String body, String type) {
        long start = System.nanoTime();
        Client.Response res = client.send("POST", "/v1/apps/" + app + "/functions/" + fn + ":invoke",
                body.getBytes(StandardCharsets.UTF_8), type);
        return new Timed(res.body(), (System.nanoTime() - start) / 1e6);
    }

    /** A photo-sized picture to shrink: gradients and circles, drawn here so the demo needs no files. */
    static byte[] sampleImage(int w, int h) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setPaint(new GradientPaint(0, 0, new Color(20, 40, 120), w, h, new Color(250, 160, 40)));
        g.fillRect(0, 0, w, h);
        for (int i = 0; i < 40; i++) {
            g.setColor(new Color((i * 53) % 256, (i * 97) % 256, (i * 151) % 256, 160));
            int r = 40 + (i * 37) % 200;
            g.fillOval((i * 211) % w, (i * 137) % h, r, r);
        }
        g.dispose();
        var out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    private static void step(String format, Object... args) {
        System.out.printf("  • " + format + "%n", args);
    }

    private static long millis(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }
}
