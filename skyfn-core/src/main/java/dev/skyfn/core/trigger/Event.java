package dev.skyfn.core.trigger;

import java.time.Instant;
import java.util.Map;

/**
 * An event published to a tenant's subject, with the attributes of a CloudEvent (CloudEvents 1.0):
 * {@code id} (unique per source; a second publication of an id within two minutes is dropped),
 * {@code source}, {@code type}, {@code time}, the media type of {@code data}, and the
 * {@code partitionkey} extension (CloudEvents Partitioning) that orders events of one key when a
 * subscription asks for it.
 *
 * @param extensions further CloudEvents extension attributes (lower-case names), e.g. the error of
 *                   an event sent to a dead-letter subject
 */
public record Event(String tenant, String subject, String id, String source, String type, Instant time, String contentType,
                    String partitionKey, Map<String, String> extensions, byte[] data) {

    /** How many partitions a tenant's subjects are spread over; events of one partition key share one. */
    public static final int PARTITIONS = 8;

    public Event {
        extensions = Map.copyOf(extensions);
    }

    /** The partition the event belongs to: its partition key's, else its id's. */
    public int partition() {
        return Math.floorMod((partitionKey != null ? partitionKey : id).hashCode(), PARTITIONS);
    }

    /** This event sent on to {@code to} with id {@code newId}, its other attributes kept and {@code added} extensions added. */
    public Event forward(String to, String newId, Map<String, String> added) {
        var all = new java.util.LinkedHashMap<>(extensions);
        all.putAll(added);
        return new Event(tenant, to, newId, source, type, time, contentType, partitionKey, all, data);
    }
}
