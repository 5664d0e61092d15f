package dev.skyfn.nats.backups;

import dev.skyfn.nats.Engine;
import dev.skyfn.nats.Js;
import dev.skyfn.nats.OrderedRead;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.PurgeOptions;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Each node's log of records (its workflow executions' backups), copied to a JetStream stream in
 * the state cloud, one subject per node, {@code skyfn.exec.<node>}: what another node reads to take
 * over a dead node's work.
 */
public final class NodeLogs {

    public static final String STREAM = "skyfn-executions";

    private final Engine engine;
    private final JetStream js;
    private final JetStreamManagement management;

    private NodeLogs(Engine engine, JetStream js, JetStreamManagement management) {
        this.engine = engine;
        this.js = js;
        this.management = management;
    }

    public static NodeLogs open(Engine engine) {
        engine.stream(STREAM, "skyfn.exec.>");
        return Js.call("opening " + STREAM, () -> new NodeLogs(engine, engine.connection().jetStream(engine.jsOptions()),
                engine.connection().jetStreamManagement(engine.jsOptions())));
    }

    static String subject(String node) {
        return "skyfn.exec." + node;
    }

    /** Appends a record to {@code node}'s log; completes once the stream has it, and its copy in the state mirror if there is one. */
    public CompletableFuture<Void> append(String node, byte[] record) {
        return js.publishAsync(subject(node), record).thenCompose(ack -> engine.copied(STREAM, ack.getSeqno()));
    }

    /** Replaces {@code node}'s log by {@code records}. */
    public void rewrite(String node, List<byte[]> records) {
        purge(node);
        records.forEach(r -> Js.run("copying a record", () -> js.publish(subject(node), r)));
    }

    /** Every record of {@code node}'s log, in order. */
    public List<byte[]> read(String node) {
        return OrderedRead.all(js, STREAM, subject(node), 1).stream().map(Message::getData).toList();
    }

    /** Forgets {@code node}'s log. */
    public void purge(String node) {
        Js.run("purging the log of " + node, () -> management.purgeStream(STREAM, PurgeOptions.subject(subject(node))));
    }
}
