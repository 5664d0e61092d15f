package dev.skyfn.node.cluster;

import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.nats.nodes.NodeDirectory;
import dev.skyfn.nats.seal.Sealer;
import dev.skyfn.node.data.DataLayers;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.impl.Headers;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entries of an app's local data layer (SAND's, in the memory of each node serving the app)
 * move with the app: when it leaves this node — moved for price, migrated, off a node its cloud
 * takes back — they go to every live node that serves it on and is not leaving, which adds those
 * it has not (a key it holds keeps its own value), so that a call lands on what it would have
 * found before. They travel over core NATS request/reply on {@code skyfn.node.<node>.localdata},
 * sealed with the tenant's key ({@link Sealer}) and bound to the app; a node that cannot open
 * them (no key for the tenant's data) refuses them. When no node serves the app within {@link
 * Handover#ADOPT_WAIT}, or the app was removed, they are dropped, as a node that dies loses its
 * local layer.
 */
final class LocalDataMove implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalDataMove.class);
    private static final String TENANT = "Skyfn-Tenant";
    private static final String APP = "Skyfn-App";
    private static final Duration ANSWER = Duration.ofSeconds(5);
    private static final Duration POLL = Duration.ofMillis(200);

    private final String self;
    private final Connection connection;
    private final NodeDirectory directory;
    private final Sealer sealer;
    private final DataLayers data;
    private final Predicate<AppKey> deployed;
    private Dispatcher dispatcher;

    LocalDataMove(String self, Connection connection, NodeDirectory directory, Sealer sealer, DataLayers data, Predicate<AppKey> deployed) {
        this.self = self;
        this.connection = connection;
        this.directory = directory;
        this.sealer = sealer;
        this.data = data;
        this.deployed = deployed;
    }

    static String subject(String node) {
        return "skyfn.node." + node + ".localdata";
    }

    /** Takes the local entries other nodes send this one, and has this node's data layers send theirs when an app leaves. */
    void start() {
        dispatcher = connection.createDispatcher(this::received);
        dispatcher.subscribe(subject(self));
        data.onLeaving((app, entries) -> Thread.ofVirtual().name("local-data-" + app).start(() -> send(app, entries)));
    }

    /** Sends {@code entries} to the nodes serving {@code app} on, once there is one. */
    private void send(AppKey app, Map<String, byte[]> entries) {
        long deadline = System.nanoTime() + Handover.ADOPT_WAIT.toNanos();
        try {
            while (deployed.test(app)) {
                List<String> heirs = Handover.heirs(directory, self, app);
                if (!heirs.isEmpty()) {
                    byte[] sealed = sealer.seal(app.tenant(), place(app), encode(entries));
                    Headers headers = new Headers().put(TENANT, app.tenant()).put(APP, app.app());
                    for (String heir : heirs) {
                        send(app, heir, headers, sealed, entries.size());
                    }
                    return;
                }
                if (System.nanoTime() > deadline) {
                    break;
                }
                Thread.sleep(POLL.toMillis());
            }
            LOG.info("the {} local entries of {} are dropped: no node serves it on", entries.size(), app);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void send(AppKey app, String heir, Headers headers, byte[] sealed, int count) throws InterruptedException {
        try {
            var answer = connection.requestWithTimeout(subject(heir), headers, sealed, ANSWER).get();
            LOG.info("handed the {} local entries of {} to {}: {}", count, app, heir, new String(answer.getData(), StandardCharsets.UTF_8));
        } catch (java.util.concurrent.ExecutionException | RuntimeException e) {
            LOG.warn("the local entries of {} did not reach {}: {}", app, heir, e.getMessage());
        }
    }

    private void received(io.nats.client.Message msg) {
        String answer;
        try {
            Headers headers = msg.getHeaders();
            if (headers == null || headers.getFirst(TENANT) == null || headers.getFirst(APP) == null) {
                throw new UncheckedIOException(new IOException("no tenant and app named"));
            }
            var app = new AppKey(headers.getFirst(TENANT), headers.getFirst(APP));
            Map<String, byte[]> entries = decode(sealer.open(app.tenant(), place(app), msg.getData()));
            int added = data.adoptLocal(app, entries);
            answer = added + " of " + entries.size() + " added";
        } catch (SkyfnException | UncheckedIOException e) {
            answer = "refused: " + e.getMessage();
            LOG.warn("local entries sent to this node are refused: {}", e.getMessage());
        }
        if (msg.getReplyTo() != null) {
            connection.publish(msg.getReplyTo(), answer.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** What the seal binds the entries to: the app they are the local layer of. */
    private static String place(AppKey app) {
        return "local/" + app.tenant() + "/" + app.app();
    }

    /** Entries as a count, then each key (modified UTF-8) and value (length, bytes). */
    static byte[] encode(Map<String, byte[]> entries) {
        var bytes = new ByteArrayOutputStream();
        try (var out = new DataOutputStream(bytes)) {
            out.writeInt(entries.size());
            for (var e : entries.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeInt(e.getValue().length);
                out.write(e.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static Map<String, byte[]> decode(byte[] bytes) {
        try (var in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int n = in.readInt();
            Map<String, byte[]> entries = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                String key = in.readUTF();
                int length = in.readInt();
                if (length < 0 || length > in.available()) {
                    throw new IOException("a value of " + length + " bytes, " + in.available() + " left");
                }
                byte[] value = new byte[length];
                in.readFully(value);
                entries.put(key, value);
            }
            return entries;
        } catch (IOException e) {
            throw new UncheckedIOException(new IOException("not a set of local entries: " + e.getMessage()));
        }
    }

    @Override
    public void close() {
        if (dispatcher != null) {
            try {
                connection.closeDispatcher(dispatcher);
            } catch (RuntimeException e) {
                // the connection is already gone
            }
        }
    }
}
