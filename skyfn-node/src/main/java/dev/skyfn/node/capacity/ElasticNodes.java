package dev.skyfn.node.capacity;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skyfn.control.capacity.ElasticNode;
import dev.skyfn.nats.Engine;
import dev.skyfn.nats.Js;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The fleet's elastic nodes, each one's record in the {@code skyfn-capacity} bucket by node name,
 * so that whichever node decides the fleet's capacity picks up where the last one stopped, and any
 * node can show them.
 */
public final class ElasticNodes {

    static final String BUCKET = "skyfn-capacity";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Engine engine;
    private final KeyValue bucket;

    public ElasticNodes(Engine engine) {
        this.engine = engine;
        this.bucket = engine.bucket(BUCKET, 1, Duration.ZERO);
    }

    /** Every record, released nodes included until {@link #forget} drops them. */
    public List<ElasticNode> all() {
        List<ElasticNode> nodes = new ArrayList<>();
        for (KeyValueEntry e : engine.liveEntries(bucket, ">")) {
            try {
                nodes.add(JSON.readValue(e.getValue(), ElasticNode.class));
            } catch (IOException unreadable) {
                // a record this version cannot read is left for the version that wrote it
            }
        }
        return nodes;
    }

    void put(ElasticNode node) {
        try {
            byte[] bytes = JSON.writeValueAsBytes(node);
            Js.run("writing elastic node " + node.node(), () -> bucket.put(node.node(), bytes));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void forget(String node) {
        Js.run("forgetting elastic node " + node, () -> bucket.delete(node));
    }
}
