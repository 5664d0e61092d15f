package dev.skyfn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.control.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Calls to the nodes of an emulated fleet, as a user makes them. */
final class FleetCalls {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** Two clouds of different providers: a-1 and a-2 in cloud a, b-1 in cloud b, 4 ms apart, users in between. */
    static final String TWO_CLOUDS = """
            clouds:
              a: {provider: aws, region: eu-west-1, pricing: {model: on-demand}, nodes: {a-1: {}, a-2: {}}}
              b: {provider: gcp, region: eu-west-2, pricing: {model: on-demand}, nodes: {b-1: {}}}
            users:
              eu: {a: 5, b: 5}
            latency:
              a: {b: 4}
            """;

    /** Starts a fleet of {@code topology} under {@code dir}, one spare sandbox per node, no AOT cache, nodes dead after {@code deadAfter}. */
    static EmulatedFleet start(Path dir, String topology, String deadAfter) throws IOException {
        Path file = Files.writeString(dir.resolve("topology.yaml"), topology);
        return EmulatedFleet.start(file, dir.resolve("fleet"), 0, 1, "--no-aot-cache", "--dead-after", deadAfter);
    }

    private FleetCalls() {
    }

    /** A request to {@code node}'s gateway; {@code headers} are names and values in turn. */
    static HttpResponse<String> send(EmulatedFleet fleet, String node, String method, String path, byte[] body, String... headers) {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fleet.node(node).port() + path))
                .timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", "text/plain");
        for (int i = 0; i < headers.length; i += 2) {
            request.setHeader(headers[i], headers[i + 1]);
        }
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Waits until every node of the fleet knows {@code app}: a deployment answers once the nodes it
     * placed the app on serve it; the others learn of it from JetStream a moment later (a node a
     * cloud gives meanwhile may not listen yet). Nodes a test killed are not asked.
     */
    static void awaitKnown(EmulatedFleet fleet, String app) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreException(java.io.UncheckedIOException.class)
                .until(() -> fleet.nodes().stream().filter(m -> m.process().isAlive())
                .allMatch(m -> send(fleet, m.node(), "GET", "/v1/apps/" + app, null).statusCode() == 200));
    }

    /** Waits until no node of the fleet knows {@code app} any more: each has let go of what served it. Nodes a test killed are not asked. */
    static void awaitGone(EmulatedFleet fleet, String app) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreException(java.io.UncheckedIOException.class)
                .until(() -> fleet.nodes().stream().filter(m -> m.process().isAlive())
                .allMatch(m -> send(fleet, m.node(), "GET", "/v1/apps/" + app, null).statusCode() == 404));
    }

    static JsonNode json(String body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + body, e);
        }
    }

    /** Deploys an app of {@code manifest} and the test classes {@code classes} through {@code node}, and waits until every node knows it. */
    static void deploy(EmulatedFleet fleet, String node, String manifest, Class<?>... classes) {
        HttpResponse<String> deployed = send(fleet, node, "POST", "/v1/apps",
                dev.skyfn.core.testing.JarBuilder.app(manifest).classes(classes).bytes());
        org.assertj.core.api.Assertions.assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        awaitKnown(fleet, json(deployed.body()).get("app").asText());
    }

    /** The placement of {@code app} as {@code node} shows it: the replicas in force, the last change and why, the verdicts. */
    static JsonNode placement(EmulatedFleet fleet, String node, String app) {
        return json(send(fleet, node, "GET", "/v1/apps/" + app + "/placement", null).body());
    }

    /** The nodes a placement names in force, in its order. */
    static java.util.List<String> inForce(JsonNode placement) {
        java.util.List<String> nodes = new java.util.ArrayList<>();
        placement.path("inForce").forEach(r -> nodes.add(r.get("node").asText()));
        return nodes;
    }

    /** The nodes {@code app}'s placement names in force, as {@code node} shows it. */
    static java.util.List<String> inForce(EmulatedFleet fleet, String node, String app) {
        return inForce(placement(fleet, node, app));
    }

    /** What every node of the fleet has logged so far, node after node. */
    static String logs(EmulatedFleet fleet) throws IOException {
        StringBuilder all = new StringBuilder();
        for (EmulatedFleet.Member m : fleet.nodes()) {
            all.append(Files.readString(m.log()));
        }
        return all.toString();
    }

    /** The fleet's elastic nodes, each a record of its lifecycle (state, times, cost, why), as {@code node} shows them. */
    static java.util.List<JsonNode> elastic(EmulatedFleet fleet, String node) {
        HttpResponse<String> res = send(fleet, node, "GET", "/v1/nodes", null);
        org.assertj.core.api.Assertions.assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        java.util.List<JsonNode> nodes = new java.util.ArrayList<>();
        json(res.body()).get("elastic").forEach(nodes::add);
        return nodes;
    }

    /** Why the fleet asked for elastic node {@code node} (and what became of it), from {@link #elastic}'s records; empty if none. */
    static String why(java.util.List<JsonNode> elastic, String node) {
        return elastic.stream().filter(n -> n.get("node").asText().equals(node)).map(n -> n.get("why").asText()).findFirst().orElse("");
    }

    /**
     * Callers in a closed loop, one per gateway given, each sending {@code path} with {@code body}
     * until closed: the bodies of the answers, and what each failed call got.
     */
    static final class Load implements AutoCloseable {
        final java.util.concurrent.ConcurrentLinkedQueue<String> answers = new java.util.concurrent.ConcurrentLinkedQueue<>();
        final java.util.concurrent.ConcurrentLinkedQueue<String> failures = new java.util.concurrent.ConcurrentLinkedQueue<>();
        private final java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        private final java.util.List<Thread> callers = new java.util.ArrayList<>();

        Load(EmulatedFleet fleet, java.util.List<String> gateways, String path, byte[] body) {
            for (String gateway : gateways) {
                callers.add(Thread.ofVirtual().start(() -> {
                    while (!stop.get()) {
                        HttpResponse<String> res = send(fleet, gateway, "POST", path, body);
                        if (res.statusCode() == 200) {
                            answers.add(res.body());
                        } else {
                            failures.add(gateway + ": " + res.statusCode() + " " + res.body());
                        }
                    }
                }));
            }
        }

        /** Stops the callers once their calls in flight are answered. */
        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            for (Thread t : callers) {
                t.join();
            }
        }
    }

    /**
     * Invokes a read-only {@code function} of {@code app} through {@code gateway} and returns its 200 answer. A 503
     * UNAVAILABLE ("retry later": no node serving the app is reachable for a moment, as while a killed node's peers
     * reconnect or its apps are placed again) is tried again, as a client does, for up to 60 s; any other answer fails.
     */
    static String read(EmulatedFleet fleet, String gateway, String app, String function, String body) {
        java.util.concurrent.atomic.AtomicReference<HttpResponse<String>> last = new java.util.concurrent.atomic.AtomicReference<>();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() -> {
            last.set(send(fleet, gateway, "POST", "/v1/apps/" + app + "/functions/" + function + ":invoke",
                    body.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            return last.get().statusCode() != 503;
        });
        org.assertj.core.api.Assertions.assertThat(last.get().statusCode()).as(last.get().body()).isEqualTo(200);
        return last.get().body();
    }

    /** What {@link EventTally} of {@code app} recorded: the nodes that ran the event of key {@code what}, or "keys". */
    static String tally(EmulatedFleet fleet, String app, String what) {
        return read(fleet, "b-1", app, "read", what);
    }

    /** The keys of the events {@link EventTally} of {@code app} took, in the order first taken. */
    static java.util.List<String> tallied(EmulatedFleet fleet, String app) {
        String keys = tally(fleet, app, "keys");
        return keys.isEmpty() ? java.util.List.of() : java.util.Arrays.asList(keys.split(" "));
    }
}
