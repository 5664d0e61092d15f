package dev.skyfn.events;

import dev.skyfn.core.trigger.Event;
import dev.skyfn.core.wire.Payload;
import dev.skyfn.nats.seal.Sealer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-event steps of a stream function's node measured alone, each on one thread: the event
 * written as a structured CloudEvent (skyfn's envelope, and the CloudEvents Java SDK's writing the
 * same event, as skyfn did before), and an event's bytes sealed and opened with its tenant's key
 * (AES-256-GCM), as a node seals an output and opens an input.
 * {@code bench/run jmh EventPathBench -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class EventPathBench {

    private final Event event = new Event("acme", "load", "0b5e7c1d-4f7e-4c39-9d2a-1f0e2d3c4b5a", "/acme/shop/checkout", "skyfn.topic",
            Instant.parse("2026-12-05T12:00:00.123Z"), "application/json", null, Map.of(),
            "{\"order\":12345,\"items\":[{\"sku\":\"A-1\",\"qty\":2}],\"total\":19.90}".getBytes(StandardCharsets.UTF_8));
    private final Sealer sealer = Sealer.of(HexFormat.of().parseHex(Sealer.newKey()));
    private final byte[] value = new byte[400];
    private final byte[] sealed = sealer.seal("acme", "skyfn.topic.acme-0.0.load", value);

    @Benchmark
    public Payload cloudEvent() {
        return CloudEventJson.one(event);
    }

    private static final io.cloudevents.jackson.JsonFormat SDK = new io.cloudevents.jackson.JsonFormat();

    @Benchmark
    public byte[] cloudEventBySdk() {
        return SDK.serialize(io.cloudevents.core.builder.CloudEventBuilder.v1().withId(event.id()).withSource(java.net.URI.create(event.source()))
                .withType(event.type()).withTime(event.time().atOffset(java.time.ZoneOffset.UTC)).withSubject(event.subject())
                .withDataContentType(event.contentType()).withData(event.data()).build());
    }

    @Benchmark
    public byte[] seal() {
        return sealer.seal("acme", "skyfn.topic.acme-0.0.load", value);
    }

    @Benchmark
    public byte[] open() {
        return sealer.open("acme", "skyfn.topic.acme-0.0.load", sealed);
    }
}
