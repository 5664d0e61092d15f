package dev.skyfn.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skyfn.nats.Engine;
import dev.skyfn.nats.NatsAccess;
import dev.skyfn.nats.servers.FleetSecrets;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamSubscription;
import io.nats.client.KeyValue;
import io.nats.client.Message;
import io.nats.client.PublishOptions;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Events on a node of a fleet (one node, one NATS server with JetStream, tenants' data sealed)
 * beside their limits on the same server: an event's latency from its publication to its
 * function's start beside a bare NATS publish → subscribe; a no-op stream function's throughput,
 * its outputs published once each, beside a bare JetStream consumer doing the same (publish each
 * output with a message id, acknowledge its input once the output is kept); and how late a schedule's ticks start their function.
 */
final class EventsBench {

    private static final String TOPOLOGY = BenchFleet.privateClouds(java.util.Map.entry("bench", List.of("n1: {cpus: 2, memory: 4096}")));
    /**
     * {@link #TOPOLOGY} and a node in a cloud of its own that does not run the app: events published
     * through it reach the app's node through NATS.
     */
    private static final String LATENCY_TOPOLOGY = BenchFleet.privateClouds(java.util.Map.entry("bench", List.of("n1: {cpus: 2, memory: 4096}")),
            java.util.Map.entry("gate", List.of("g1: {cpus: 1, memory: 2048}")));
    private static final String APP = """
            app: events
            placement: {affinity: [{name: here, clouds: [bench]}]}
            functions:
              stamp: {handler: dev.skyfn.bench.EventsApp$Stamp, memory: 256, triggers: [{topic: lat}]}
              stampNow: {handler: dev.skyfn.bench.EventsApp$Stamp, memory: 256, triggers: [{topic: now, delivery: at-most-once}]}
              tick: {handler: dev.skyfn.bench.EventsApp$Tick, memory: 256, triggers: [{schedule: rate(1 second)}]}
              pass: {handler: dev.skyfn.bench.EventsApp$Pass, memory: 256, timeout: 5m, concurrency: 256, triggers: [{topic: load, output: passed}]}
              control: {handler: dev.skyfn.bench.EventsApp$Control, memory: 256}
            """;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Events sent one at a time before those measured, so that the path measured is compiled as a busy node's is. */
    private static final int WARM_UP = 4000;
    /** A tick's two writes measured alone, after half as many to warm up. */
    private static final int TICK_WRITES = 1000;

    private final Path root;
    private final int events;
    private final int load;
    private final HttpClient http = HttpClient.newHttpClient();
    private int port;
    /** The node events are published through: {@link #port}'s unless a measure says otherwise. */
    private int publishPort;

    EventsBench(Path root, int events, int load) {
        this.root = root;
        this.events = events;
        this.load = load;
    }

    String run() {
        try (BenchFleet fleet = BenchFleet.start(root, TOPOLOGY)) {
            port = fleet.port("n1");
            publishPort = port;
            fleet.send(port, "POST", "/v1/apps", Jars.ofClasses(APP, EventsApp.class));
            NatsAccess nats = fleet.nats().access("bench", FleetSecrets.OPERATOR);
            String latency = latency(nats);
            List<Double> twoWrites = bareTickWrites(nats);
            List<Double> quiet = new ArrayList<>(control("ticks"));
            String throughput = throughput(nats);
            List<Double> loaded = control("ticks");
            pause(Duration.ofSeconds(10));
            quiet.addAll(control("ticks"));
            return latency + "\n" + throughput + "\n" + "| schedule `rate(1 second)`: tick → its function starts | ticks | p50 | p99 | max |\n"
                    + "|---|---|---|---|---|\n" + ticks("while the node takes single events, or idles", quiet)
                    + ticks("while the stream function takes its backlog", loaded)
                    + ticks("bare: a job published and a status created in a bucket, one after the other, same server, quiet "
                    + "(the limit: a tick's two writes)", twoWrites)
                    + "\nTarget: p99 ≤ 50 ms. A tick is an async invocation queued once under the tick's id: a job published, "
                    + "taken by a worker, its status created running in a JetStream bucket, then the call.\n";
        }
    }

    /**
     * The event → function latency alone, twice: every process free to run on either CPU, then the
     * node and its sandboxes pinned to CPU 0 with the bare subscriber, and the NATS server and the
     * publisher (this process) on CPU 1 — the server under test on a CPU of its own, as {@code bench/run
     * http} pins it. The bare subscriber is a process of its own in both, as the node is.
     */
    String runLatency() {
        return latencyOnly(false) + "\n" + latencyOnly(true);
    }

    private String latencyOnly(boolean pinned) {
        int cpus = Runtime.getRuntime().availableProcessors();
        if (pinned) {
            pinThisProcess("1");
        }
        try (BenchFleet fleet = BenchFleet.start(root, LATENCY_TOPOLOGY, java.util.Map.of(), pinned)) {
            port = fleet.port("n1");
            publishPort = port;
            fleet.send(port, "POST", "/v1/apps", Jars.ofClasses(APP, EventsApp.class));
            NatsAccess nats = fleet.nats().access("bench", FleetSecrets.OPERATOR);
            List<List<Double>> here = latency("now");
            publishPort = fleet.port("g1");
            List<List<Double>> through = latency("now");
            publishPort = port;
            List<List<Double>> kept = latency("lat");
            List<Double> bare = bareSubscriber(nats, pinned ? "0" : null);
            return String.format("""
                    | event → function, %s | p50 | p99 |
                    |---|---|---|
                    | `delivery: at-most-once`, published through the node running the function: the event published (its `time`) → the function starts | %.0f µs | %.0f µs |
                    | `delivery: at-most-once`, published through another node (g1), which sends it on through NATS | %.0f µs | %.0f µs |
                    | at least once: the event kept in JetStream (its `time`) → the function starts | %.0f µs | %.0f µs |
                    | bare NATS publish → subscriber in a process of its own, same server (the limit) | %.0f µs | %.0f µs |
                    | **at most once, through the node running it − the bare subscriber** | **%+.0f µs** | |
                    | **at most once, through another node − the bare subscriber** | **%+.0f µs** | |

                    %d events each way, one every 2 ms after %d to warm up (target: within 100 µs of the bare subscriber).
                    """, pinned ? "the node and its sandbox on CPU 0 with the bare subscriber, NATS, the publisher and g1 on CPU 1"
                            : "every process on either CPU",
                    Stats.median(here.get(1)), Stats.percentile(here.get(1), 99), Stats.median(through.get(1)),
                    Stats.percentile(through.get(1), 99), Stats.median(kept.get(1)), Stats.percentile(kept.get(1), 99),
                    Stats.median(bare), Stats.percentile(bare, 99), Stats.median(here.get(1)) - Stats.median(bare),
                    Stats.median(through.get(1)) - Stats.median(bare), here.get(1).size(), WARM_UP);
        } finally {
            if (pinned) {
                pinThisProcess("0-" + (cpus - 1));
            }
        }
    }

    /** Pins every thread of this process, and so the processes it starts, to {@code cpus}. */
    private static void pinThisProcess(String cpus) {
        Procs.run(List.of("taskset", "-a", "-p", "-c", cpus, Long.toString(ProcessHandle.current().pid())), Duration.ofSeconds(10));
    }

    /** A bare subscriber in a process of its own, on {@code cpus} when given: how long after its publication each message was heard (µs). */
    private List<Double> bareSubscriber(NatsAccess nats, String cpus) {
        int count = events + WARM_UP;
        Path log = root.resolve("bench/target/bare-subscriber.log");
        Process sub = Procs.start(cpus, log, List.of(Procs.JAVA.toString(), "-cp", System.getProperty("java.class.path"),
                BareSubscriber.class.getName(), nats.url(), nats.seed().orElseThrow().toString(), nats.ca().orElseThrow().toString(),
                "bench.lat", Integer.toString(count)));
        try (Engine a = Engine.connect(nats, "bench-pub")) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!Files.readString(log).contains("ready\n")) {
                if (System.nanoTime() > deadline || !sub.isAlive()) {
                    throw new IllegalStateException("the bare subscriber did not subscribe: " + Files.readString(log));
                }
                pause(Duration.ofMillis(50));
            }
            for (int i = 0; i < count; i++) {
                a.connection().publish("bench.lat", ByteBuffer.allocate(8).putLong(System.nanoTime()).array());
                pause(Duration.ofMillis(2));
            }
            if (!sub.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new IllegalStateException("the bare subscriber did not hear every message");
            }
            List<String> lines = Files.readAllLines(log);
            List<Double> heard = lines.subList(lines.indexOf("ready") + 1, lines.size()).stream().map(Double::valueOf).toList();
            return heard.subList(WARM_UP, heard.size());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            Procs.stop(sub);
        }
    }

    private static String ticks(String when, List<Double> late) {
        return String.format("| %s | %d | %.1f ms | %.1f ms | %.1f ms |%n", when, late.size(), Stats.median(late) / 1000,
                Stats.percentile(late, 99) / 1000, late.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN) / 1000);
    }

    /** One event at a time, 2 ms apart, published over HTTP, to a trigger delivered at least once, then at most once; the same over bare NATS. */
    private String latency(NatsAccess nats) {
        List<List<Double>> kept = latency("lat");
        List<List<Double>> now = latency("now");
        List<Double> bare = bareNats(nats);
        List<Double> durable = bareJetStreamLatency(nats);
        List<Double> heard = bareHeardAsKept(nats);
        return String.format("""
                | event → function | p50 | p99 |
                |---|---|---|
                | HTTP publish (`POST /v1/topics/lat`) → the function starts | %.0f µs | %.0f µs |
                | the event kept in JetStream (its `time`) → the function starts | %.0f µs | %.0f µs |
                | `delivery: at-most-once`: HTTP publish (`POST /v1/topics/now`) → the function starts | %.0f µs | %.0f µs |
                | `delivery: at-most-once`: the event published (its `time`) → the function starts | %.0f µs | %.0f µs |
                | bare NATS publish → subscriber, same server (the limit) | %.0f µs | %.0f µs |
                | bare JetStream publish (acknowledged) → pull consumer, same server (the limit for a kept event) | %.0f µs | %.0f µs |
                | bare JetStream publish (acknowledged, a message id) → core queue subscriber on the same connection | %.0f µs | %.0f µs |

                %d events each way, one every 2 ms after %d to warm up (target: within 100 µs of the bare subscribe).
                """, Stats.median(kept.get(0)), Stats.percentile(kept.get(0), 99), Stats.median(kept.get(1)), Stats.percentile(kept.get(1), 99),
                Stats.median(now.get(0)), Stats.percentile(now.get(0), 99), Stats.median(now.get(1)), Stats.percentile(now.get(1), 99),
                Stats.median(bare), Stats.percentile(bare, 99), Stats.median(durable), Stats.percentile(durable, 99),
                Stats.median(heard), Stats.percentile(heard, 99), kept.get(0).size(), WARM_UP);
    }

    /** Events to {@code subject} one at a time; how long after they were sent, and after their {@code time}, their function started (µs). */
    private List<List<Double>> latency(String subject) {
        // single events, as measured: 200 left the node's path to the interpreter and C1 (1.6 ms at p50, 0.9 ms warm)
        for (int i = 0; i < WARM_UP; i++) {
            publish(subject, "{\"sentAt\": " + epochMicros() + "}");
            pause(Duration.ofMillis(2));
        }
        pause(Duration.ofSeconds(1));
        control("sent");
        control("published");
        control("ticks"); // the first ticks met the app's cold start
        for (int i = 0; i < events; i++) {
            publish(subject, "{\"sentAt\": " + epochMicros() + "}");
            pause(Duration.ofMillis(2));
        }
        List<Double> sent = new ArrayList<>();
        List<Double> published = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (sent.size() < events && System.nanoTime() < deadline) {
            pause(Duration.ofMillis(100));
            sent.addAll(control("sent"));
            published.addAll(control("published"));
        }
        return List.of(sent, published);
    }

    private List<Double> bareNats(NatsAccess nats) {
        var got = new ConcurrentLinkedQueue<Double>();
        try (Engine a = Engine.connect(nats, "bench-pub"); Engine b = Engine.connect(nats, "bench-sub")) {
            Connection sub = b.connection();
            sub.createDispatcher(m -> got.add((System.nanoTime() - ByteBuffer.wrap(m.getData()).getLong()) / 1000.0)).subscribe("bench.lat");
            sub.flush(Duration.ofSeconds(2));
            for (int i = 0; i < events + WARM_UP; i++) {
                a.connection().publish("bench.lat", ByteBuffer.allocate(8).putLong(System.nanoTime()).array());
                pause(Duration.ofMillis(2));
            }
            a.connection().flush(Duration.ofSeconds(2));
            pause(Duration.ofMillis(200));
        } catch (java.util.concurrent.TimeoutException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
        List<Double> all = new ArrayList<>(got);
        return all.subList(Math.min(WARM_UP, all.size()), all.size());
    }

    /**
     * What a tick's two writes to JetStream take alone, in µs: a job published with a message id
     * and acknowledged, then a status created in a bucket and acknowledged, over the same kind of
     * connection as the node's, 5 ms apart.
     */
    private List<Double> bareTickWrites(NatsAccess nats) {
        List<Double> took = new ArrayList<>();
        try (Engine e = Engine.connect(nats, "bench-tick")) {
            e.stream("bench-jobs", "bench.jobs.>");
            KeyValue statuses = e.bucket("bench-statuses", 1, Duration.ofMinutes(10));
            JetStream js = e.connection().jetStream(e.jsOptions());
            byte[] job = new byte[200];
            byte[] status = new byte[150];
            for (int i = 0; i < TICK_WRITES + TICK_WRITES / 2; i++) {
                String id = "tick-" + i + "-" + System.nanoTime();
                long start = System.nanoTime();
                js.publish("bench.jobs.t", job, PublishOptions.builder().messageId(id).build());
                statuses.create(id, status);
                if (i >= TICK_WRITES / 2) {
                    took.add((System.nanoTime() - start) / 1000.0);
                }
                pause(Duration.ofMillis(5));
            }
        } catch (IOException | io.nats.client.JetStreamApiException ex) {
            throw new IllegalStateException(ex);
        }
        return took;
    }

    /** An event kept by JetStream, from before its publication to a pull consumer waiting for it. */
    /**
     * An event published as the node publishes one — to a subject a stream keeps, with a message id,
     * its acknowledgement awaited — heard by a core queue subscriber on the same connection, as a
     * trigger delivered at most once hears it: from before the publication to the subscriber (µs).
     */
    private List<Double> bareHeardAsKept(NatsAccess nats) {
        var got = new ConcurrentLinkedQueue<Double>();
        try (Engine e = Engine.connect(nats, "bench-heard")) {
            e.stream("bench-heard", "bench.heard.>");
            JetStream js = e.connection().jetStream(e.jsOptions());
            e.connection().createDispatcher(m -> got.add((System.nanoTime() - ByteBuffer.wrap(m.getData()).getLong()) / 1000.0))
                    .subscribe("bench.heard.in", "listeners");
            e.connection().flush(Duration.ofSeconds(2));
            for (int i = 0; i < events + WARM_UP; i++) {
                js.publish("bench.heard.in", ByteBuffer.allocate(8).putLong(System.nanoTime()).array(),
                        PublishOptions.builder().messageId("heard-" + i).build());
                pause(Duration.ofMillis(2));
            }
            pause(Duration.ofMillis(200));
        } catch (IOException | io.nats.client.JetStreamApiException | InterruptedException | java.util.concurrent.TimeoutException ex) {
            throw new IllegalStateException(ex);
        }
        List<Double> all = new ArrayList<>(got);
        return all.subList(Math.min(WARM_UP, all.size()), all.size());
    }

    private List<Double> bareJetStreamLatency(NatsAccess nats) {
        var got = new ConcurrentLinkedQueue<Double>();
        try (Engine e = Engine.connect(nats, "bench-js-lat")) {
            e.stream("bench-lat", "bench.lat.>");
            JetStream js = e.connection().jetStream(e.jsOptions());
            var management = e.connection().jetStreamManagement(e.jsOptions());
            management.addOrUpdateConsumer("bench-lat", ConsumerConfiguration.builder().durable("lat").filterSubject("bench.lat.in")
                    .ackPolicy(AckPolicy.Explicit).build());
            JetStreamSubscription sub = js.subscribe(null, PullSubscribeOptions.bind("bench-lat", "lat"));
            Thread consumer = Thread.ofVirtual().start(() -> {
                while (got.size() < events + WARM_UP) {
                    for (var it = sub.iterate(100, Duration.ofSeconds(1)); it.hasNext(); ) {
                        Message m = it.next();
                        got.add((System.nanoTime() - ByteBuffer.wrap(m.getData()).getLong()) / 1000.0);
                        m.ack();
                    }
                }
            });
            for (int i = 0; i < events + WARM_UP; i++) {
                js.publish("bench.lat.in", ByteBuffer.allocate(8).putLong(System.nanoTime()).array());
                pause(Duration.ofMillis(2));
            }
            consumer.join(Duration.ofSeconds(10));
        } catch (IOException | io.nats.client.JetStreamApiException | InterruptedException ex) {
            throw new IllegalStateException(ex);
        }
        List<Double> all = new ArrayList<>(got);
        return all.subList(Math.min(WARM_UP, all.size()), all.size());
    }

    /**
     * {@code load} events published while the stream function waits at its gate, then taken as
     * fast as it can; a first backlog warms the path up (its JIT compilation took a third of both
     * CPUs while a first backlog of 60,000 drained), then three are measured, each followed, once
     * the node has settled, by a bare consumer's backlog each way: medians of three on both sides,
     * since either's rate spread by a third or more from one backlog to the next on this machine.
     */
    private String throughput(NatsAccess nats) {
        backlog();
        settled(nats);
        bareJetStream(nats, "warm", true);
        List<Backlog> measured = new ArrayList<>();
        List<Double> afterKept = new ArrayList<>();
        List<Double> first = new ArrayList<>();
        for (int round = 1; round <= 3; round++) {
            control("close");
            measured.add(backlog());
            settled(nats);
            afterKept.add(bareJetStream(nats, "m" + round, true));
            first.add(bareJetStream(nats, "f" + round, false));
        }
        double skyfn = Stats.median(measured.stream().map(Backlog::rate).toList());
        double bare = Stats.median(afterKept);
        double ackFirst = Stats.median(first);
        return String.format("""
                | stream function, outputs published once (message-id dedupe), median of 3 | events/s | each backlog |
                |---|---|---|
                | no-op stream function on one node (`topic: load, output: passed`) | %.0f | %s |
                | bare JetStream pull consumer: publish each output with a message id, acknowledge its input once JetStream kept it (effectively once, as skyfn; the limit) | %.0f | %s |
                | the same, each input acknowledged as its output is sent (an output not kept is lost) | %.0f | %s |

                %d events already in the stream when the function's gate opens (published over HTTP at %.0f/s by 16 clients),
                after a first backlog as large (the bare consumer's too), then three of each in turn, each once the node settled;
                skyfn reaches %.0f%% of the bare consumer (target: ≥ 50%%), %.0f%% of the one acknowledging first.
                """, skyfn, rates(measured.stream().map(Backlog::rate).toList()), bare, rates(afterKept), ackFirst, rates(first),
                measured.getLast().events, measured.getLast().publishRate, 100 * skyfn / bare, 100 * skyfn / ackFirst);
    }

    private static String rates(List<Double> rates) {
        return String.join(", ", rates.stream().map(r -> String.format("%.0f", r)).toList());
    }

    private record Backlog(long events, double rate, double publishRate) {
    }

    /**
     * Waits until every consumer of the events' stream has nothing pending and nothing out
     * unacknowledged: the node has published the backlog's outputs and acknowledged its inputs,
     * and does not share the CPUs with the bare consumer measured next.
     */
    private static void settled(NatsAccess nats) {
        try (Engine e = Engine.connect(nats, "bench-settle")) {
            var management = e.connection().jetStreamManagement(e.jsOptions());
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                boolean busy = false;
                for (String consumer : management.getConsumerNames("skyfn-topics")) {
                    var info = management.getConsumerInfo("skyfn-topics", consumer);
                    busy |= info.getNumPending() > 0 || info.getNumAckPending() > 0;
                }
                if (!busy) {
                    return;
                }
                pause(Duration.ofMillis(100));
            }
            throw new IllegalStateException("the node still had events pending or unacknowledged 60 s after its backlog was counted");
        } catch (IOException | io.nats.client.JetStreamApiException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** {@code load} events published while the gate is closed, then the gate opened and the events taken. */
    private Backlog backlog() {
        long publishStart = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (int i = 0; i < load; i++) {
                int n = i;
                all.add(CompletableFuture.runAsync(() -> publish("load", "{\"n\": " + n + "}"), pool));
            }
            all.forEach(CompletableFuture::join);
        }
        double publishRate = load / ((System.nanoTime() - publishStart) / 1e9);
        control("open");
        List<Double> count = control("count");
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (count.getFirst() < load && System.nanoTime() < deadline) {
            pause(Duration.ofMillis(200));
            count = control("count");
        }
        double seconds = (count.get(2) - count.get(1)) / 1e9;
        return new Backlog((long) count.getFirst().doubleValue(), count.getFirst() / seconds, publishRate);
    }

    /**
     * Events/s through a bare consumer of {@code load} events published on {@code bench.js.<round>.in}
     * before it starts, each input acknowledged once JetStream kept its output ({@code ackAfterKept},
     * as a stream function's are) or as soon as the output is sent.
     */
    private double bareJetStream(NatsAccess nats, String round, boolean ackAfterKept) {
        try (Engine e = Engine.connect(nats, "bench-js")) {
            e.stream("bench-js", "bench.js.>");
            JetStream js = e.connection().jetStream(e.jsOptions());
            List<CompletableFuture<?>> acks = new ArrayList<>();
            for (int i = 0; i < load; i++) {
                acks.add(js.publishAsync("bench.js." + round + ".in", ("{\"n\": " + i + "}").getBytes(StandardCharsets.UTF_8)));
            }
            acks.forEach(CompletableFuture::join);
            var management = e.connection().jetStreamManagement(e.jsOptions());
            management.addOrUpdateConsumer("bench-js", ConsumerConfiguration.builder().durable("bare-" + round).filterSubject("bench.js." + round + ".in")
                    .ackPolicy(AckPolicy.Explicit).build());
            JetStreamSubscription sub = js.subscribe(null, PullSubscribeOptions.bind("bench-js", "bare-" + round));
            long start = System.nanoTime();
            int done = 0;
            List<CompletableFuture<?>> outputs = new ArrayList<>();
            while (done < load) {
                for (Message m : sub.fetch(100, Duration.ofSeconds(1))) {
                    var kept = js.publishAsync("bench.js." + round + ".out", null, m.getData(),
                            PublishOptions.builder().messageId("out:" + m.metaData().streamSequence()).build());
                    if (ackAfterKept) {
                        outputs.add(kept.thenRun(m::ack));
                    } else {
                        outputs.add(kept);
                        m.ack();
                    }
                    done++;
                }
            }
            outputs.forEach(CompletableFuture::join);
            return load / ((System.nanoTime() - start) / 1e9);
        } catch (IOException | io.nats.client.JetStreamApiException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private void publish(String subject, String json) {
        send(publishPort, "/v1/topics/" + subject, json.getBytes(StandardCharsets.UTF_8), "application/json");
    }

    private List<Double> control(String what) {
        JsonNode list = read(send("/v1/apps/events/functions/control:invoke", what.getBytes(StandardCharsets.UTF_8), "text/plain"));
        List<Double> values = new ArrayList<>();
        list.forEach(v -> values.add(v.asDouble()));
        return values;
    }

    private String send(String path, byte[] body, String type) {
        return send(port, path, body, type);
    }

    private String send(int port, String path, byte[] body, String type) {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).header("Content-Type", type).build();
        try {
            HttpResponse<String> res = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (res.statusCode() >= 300) {
                throw new IllegalStateException(path + ": " + res.statusCode() + " " + res.body());
            }
            return res.body();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode read(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static long epochMicros() {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
