package dev.skyfn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * The demo's second half: the example topology's four clouds emulated on this machine — NATS per
 * cloud, one node process per host, WAN latencies — with apps placed by trust, hardware and
 * latency, calls routed by region, and a node and an edge site killed under them.
 */
final class FleetDemo {

    private static final String HELLO = """
              hello: {handler: dev.skyfn.examples.hello.Hello, memory: 128, timeout: 5s, idempotent: true}
            """;

    private final Path examples;
    /** Whether the fleet stays up once the demo is done, for a person to look at in the console, until interrupted. */
    private final boolean stay;
    private final HttpClient http = HttpClient.newHttpClient();
    private EmulatedFleet fleet;

    FleetDemo(Path examples, boolean stay) {
        this.examples = examples;
        this.stay = stay;
    }

    void run(Path dir) throws IOException {
        Path topology = examples.resolve("topology/four-clouds.yaml");
        if (!dev.skyfn.nats.servers.NatsServerBinary.promotes()) {
            // Debian 12's nats-server cannot promote a mirror: run the fleet without one rather than not at all
            topology = java.nio.file.Files.writeString(dir.resolve("four-clouds-unmirrored.yaml"),
                    java.nio.file.Files.readString(topology).replaceAll("(?m)^stateMirror:.*\\n", ""));
            step("nats-server is older than 2.12, which promotes a state mirror: the fleet runs without one "
                    + "(bin/nats-server-2.12 fetches a newer one)");
        }
        long start = System.nanoTime();
        // the clouds' start-up times ten times shorter: an elastic node joins in seconds, not a minute
        fleet = EmulatedFleet.start(topology, dir, 0, 1, true, java.util.Map.of(), new EmulatedFleet.Emulation(0.1, java.util.Optional.empty()),
                "--dead-after", "1500ms", "--tracing");
        try {
            step("a fleet of %d nodes in 4 clouds on this machine, up in %.1f s: a NATS cluster per cloud (spot-eu, ondemand-us, "
                    + "private) joined by gateways, edge-paris a leaf node; one node process per host; WAN latencies emulated",
                    fleet.nodes().size(), (System.nanoTime() - start) / 1e9);
            deploy("hello", "");
            deploy("vault", "placement: {require: {trust: trusted, maxLatency: {from: eu, ms: 20}}, affinity: [{name: dc, labels: {tier: private}}]}\n");
            deploy("render", "placement: {require: {hardware: gpu}}\n");
            deploy("everywhere", "placement: {spread: {minClouds: 3, maxClouds: 4}, scheduling: duplicated}\n");
            routing();
            burst();
            nodeDies();
            edgeSiteDies();
            // last, so that its spans are the nodes' latest: the calls before would push them out of what a node keeps
            traced();
            if (stay) {
                stayUp(dir);
            } else {
                step("to look at this fleet in its web console (the nodes, the calls, a workflow run, the trace across two clouds), "
                        + "run ./skyfn demo --stay: the fleet then stays up until Ctrl-C");
            }
        } finally {
            fleet.close();
        }
        step("fleet stopped: every node process and NATS server ended");
    }

    /**
     * A call from users in the EU through spot-eu to vault, which only the private cloud may run:
     * its trace, as every node that took part keeps it ({@code --tracing}), read through a third
     * node. Sent once the nodes and the edge site have died, so that it is among the latest traces
     * the console lists after the demo.
     */
    private void traced() {
        String traceId = randomHex(16);
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fleet.node("spot-eu-1").port()
                        + "/v1/apps/vault/functions/hello:invoke")).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "text/plain").header("X-Skyfn-Region", "eu")
                .header("traceparent", "00-" + traceId + "-" + randomHex(8) + "-01")
                .POST(HttpRequest.BodyPublishers.ofString("traced"));
        try {
            http.send(request.build(), HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        // the gateway's own span ends just after its answer
        JsonNode spans = null;
        for (int i = 0; i < 50 && (spans == null || spans.findValuesAsText("kind").stream().noneMatch("server"::equals)); i++) {
            pause(Duration.ofMillis(100));
            spans = Client.parse(send("spot-eu-2", "GET", "/v1/traces/" + traceId, null, null).body()).get("spans");
        }
        List<String> parts = new ArrayList<>();
        for (JsonNode s : spans) {
            parts.add(String.format(java.util.Locale.ROOT, "%s on %s %.1f ms", s.get("name").asText(), s.get("node").asText(),
                    s.get("durationMicros").asLong() / 1000.0));
        }
        step("a call's trace across two clouds, read through spot-eu-2 from the nodes that keep it: %s (console: #/traces/%s)",
                String.join("; ", parts), traceId);
    }

    /**
     * Leaves the fleet up for the console until the process is interrupted (Ctrl-C, SIGTERM), with
     * a workflow run on it to look at; then stops it and removes {@code dir}.
     */
    private void stayUp(Path dir) throws IOException {
        byte[] jar = java.nio.file.Files.readAllBytes(examples.resolve("wordcount/target/wordcount.jar"));
        send("spot-eu-1", "POST", "/v1/apps", jar, null);
        String input = "{\"documents\": [{\"name\": \"a\", \"text\": \"a fleet of clouds\"}, {\"name\": \"b\", \"text\": "
                + "\"clouds of functions\"}], \"chunks\": 2, \"partitions\": 2}";
        JsonNode started = Client.parse(send("spot-eu-1", "POST", "/v1/apps/wordcount/workflows/count/executions?async=true",
                input.getBytes(StandardCharsets.UTF_8), null).body());
        // Ctrl-C ends the JVM without unwinding this thread: the hook stops the nodes and NATS servers, and removes their files
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            fleet.close();
            dev.skyfn.node.RunDirs.delete(dir);
            step("fleet stopped: every node process and NATS server ended, their files removed");
        }));
        String console = "http://127.0.0.1:" + fleet.node("spot-eu-1").port() + "/console/";
        step("the fleet stays up (Ctrl-C ends it): the console is %s (dev mode, no key): the fleet at #/fleet, the apps at #/apps, "
                + "a wordcount execution at #/executions/%s, the latest traces at #/traces", console, started.get("executionId").asText());
        try {
            Thread.sleep(Long.MAX_VALUE);
        } catch (InterruptedException stop) {
            Thread.currentThread().interrupt();
        }
    }

    private static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        new java.security.SecureRandom().nextBytes(b);
        return java.util.HexFormat.of().formatHex(b);
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void deploy(String app, String placement) throws IOException {
        byte[] jar = withManifest(examples.resolve("hello/target/hello.jar"), "app: " + app + "\nfunctions:\n" + HELLO + placement);
        long start = System.nanoTime();
        send("spot-eu-1", "POST", "/v1/apps", jar, null);
        JsonNode p = Client.parse(send("spot-eu-1", "GET", "/v1/apps/" + app + "/placement", null, null).body());
        var byCloud = new LinkedHashMap<String, List<String>>();
        for (JsonNode r : p.get("inForce")) {
            byCloud.computeIfAbsent(r.get("cloud").asText(), c -> new ArrayList<>()).add(r.get("node").asText());
        }
        List<String> where = new ArrayList<>();
        byCloud.forEach((cloud, nodes) -> where.add(cloud + " (" + String.join(", ", nodes) + ")"));
        List<String> refused = new ArrayList<>();
        for (JsonNode v : p.get("clouds")) {
            if (!v.get("taken").asBoolean() && v.get("reasons").size() > 0 && !v.get("reasons").get(0).asText().startsWith("passed")) {
                refused.add(v.get("cloud").asText() + ": " + v.get("reasons").get(0).asText());
            }
        }
        step("deployed %-10s in %4d ms, served on %s%s", app, (System.nanoTime() - start) / 1_000_000, String.join(" and ", where),
                refused.isEmpty() ? "" : "; refused " + String.join("; ", refused));
    }

    private void routing() {
        for (String region : List.of("eu", "us")) {
            for (String gateway : List.of("spot-eu-1", "ondemand-us-1")) {
                for (int i = 0; i < 5; i++) {
                    call(gateway, "everywhere", region);
                }
                Call c = call(gateway, "everywhere", region);
                step("everywhere/hello from users in %s through %-13s gateway: ran on %-13s %6.1f ms", region, gateway + "'s", c.node(), c.ms());
            }
        }
    }

    /**
     * An autoscaled app under a burst larger than the nodes it may run on: the fleet asks spot-eu
     * for nodes, the app scales onto them, and every call is answered; what they cost is shown.
     */
    private void burst() throws IOException {
        byte[] jar = withManifest(examples.resolve("hello/target/hello.jar"), """
                app: shop
                scaling: {target: 2, min: 1, max: 6, window: 6s}
                functions:
                  sleep: {handler: dev.skyfn.examples.hello.Sleep, memory: 128, timeout: 60s, concurrency: 4, queue: 1000}
                placement: {require: {maxLatency: {from: eu, ms: 20}}}
                """);
        send("spot-eu-1", "POST", "/v1/apps", jar, null);
        long start = System.nanoTime();
        var answered = new java.util.concurrent.atomic.AtomicInteger();
        var failed = new java.util.concurrent.ConcurrentLinkedQueue<String>();
        List<Thread> callers = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            callers.add(Thread.ofVirtual().start(() -> {
                while (System.nanoTime() - start < 25_000_000_000L) {
                    try {
                        send("private-1", "POST", "/v1/apps/shop/functions/sleep:invoke", "500".getBytes(), "eu");
                        answered.incrementAndGet();
                    } catch (RuntimeException e) {
                        failed.add(e.getMessage());
                    }
                }
            }));
        }
        int most = 1;
        try {
            while (callers.stream().anyMatch(Thread::isAlive)) {
                Thread.sleep(1000);
                JsonNode scaling = Client.parse(send("private-1", "GET", "/v1/apps/shop/scaling", null, null).body());
                most = Math.max(most, scaling.get("replicas").asInt());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        List<String> grown = new ArrayList<>();
        double cost = 0;
        for (JsonNode n : Client.parse(send("private-1", "GET", "/v1/nodes", null, null).body()).get("elastic")) {
            grown.add(n.get("node").asText() + " (" + n.get("state").asText() + ")");
            cost += n.get("costUsd").asDouble();
        }
        step("a burst on shop (12 callers holding 0.5 s calls for 25 s from eu, 2 per replica wanted; 4 nodes within 20 ms of eu): "
                + "%d calls answered, %d failed; shop grew to %d replicas; the fleet asked spot-eu for %s, which cost $%.6f so far "
                + "(bench/run cost compares what this saves over a day)", answered.get(), failed.size(), most,
                grown.isEmpty() ? "nothing" : String.join(", ", grown), cost);
        if (!failed.isEmpty()) {
            step("first failure: %s", failed.peek());
        }
    }

    private void nodeDies() {
        fleet.kill("ondemand-us-1");
        long start = System.nanoTime();
        Call first = call("spot-eu-1", "everywhere", "us");
        step("kill -9 ondemand-us-1: the next call from us ran on %s in %.1f ms (the dead node's calls go to the next nearest)",
                first.node(), first.ms());
        Call render = callOrError("spot-eu-1", "render", "us");
        step("render/hello may run only where there are GPUs, which ondemand-us alone has: %d ms after the kill it is %s",
                (System.nanoTime() - start) / 1_000_000, render.node() == null
                        ? "refused, as it should be, until ondemand-us has a node again (" + render.text() + ")" : "served by " + render.node());
    }

    private void edgeSiteDies() {
        fleet.killCloud("edge-paris");
        long start = System.nanoTime();
        Call c;
        do {
            c = callOrError("private-1", "hello", "eu");
        } while (c.node() == null && System.nanoTime() - start < 30_000_000_000L);
        step("edge-paris goes dark (its NATS leaf and its node killed): hello, which ran only there, was placed again and served "
                + "by %s after %.1f s", c.node(), (System.nanoTime() - start) / 1e9);
    }

    private record Call(String node, double ms, String text) {
    }

    private Call call(String gateway, String app, String region) {
        long start = System.nanoTime();
        HttpResponse<byte[]> res = send(gateway, "POST", "/v1/apps/" + app + "/functions/hello:invoke", "fleet".getBytes(), region);
        return new Call(res.headers().firstValue("X-Skyfn-Node").orElse("?"), (System.nanoTime() - start) / 1e6,
                new String(res.body(), StandardCharsets.UTF_8));
    }

    private Call callOrError(String gateway, String app, String region) {
        try {
            return call(gateway, app, region);
        } catch (CliException e) {
            String json = e.getMessage().substring(e.getMessage().indexOf('{'));
            JsonNode error = Client.parse(json.getBytes(StandardCharsets.UTF_8)).get("error");
            return new Call(null, 0, error.get("code").asText() + " (" + error.get("message").asText() + ")");
        }
    }

    private HttpResponse<byte[]> send(String node, String method, String path, byte[] body, String region) {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fleet.node(node).port() + path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", "text/plain");
        if (region != null) {
            request.header("X-Skyfn-Region", region);
        }
        try {
            HttpResponse<byte[]> res = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (res.statusCode() >= 300) {
                throw new CliException(method + " " + path + ": " + new String(res.body(), StandardCharsets.UTF_8));
            }
            return res;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The jar with its {@code skyfn.yaml} replaced. */
    private static byte[] withManifest(Path jar, String manifest) throws IOException {
        var out = new ByteArrayOutputStream();
        try (ZipFile in = new ZipFile(jar.toFile()); var zip = new ZipOutputStream(out)) {
            for (ZipEntry e : in.stream().filter(e -> !e.getName().equals("skyfn.yaml")).toList()) {
                zip.putNextEntry(new ZipEntry(e.getName()));
                zip.write(in.getInputStream(e).readAllBytes());
                zip.closeEntry();
            }
            zip.putNextEntry(new ZipEntry("skyfn.yaml"));
            zip.write(manifest.getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        return out.toByteArray();
    }

    private static void step(String format, Object... args) {
        System.out.printf("  • " + format + "%n", args);
    }

}
