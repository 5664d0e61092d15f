package dev.skyfn.node.cluster;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.nats.Engine;
import dev.skyfn.nats.Js;
import dev.skyfn.nats.backups.NodeLogs;
import dev.skyfn.nats.nodes.NodeDirectory;
import dev.skyfn.nats.seal.Sealer;
import dev.skyfn.node.workflow.ExecutionBackups;
import dev.skyfn.node.workflow.Executions;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.KeyValueWatchOption;
import io.nats.client.api.KeyValueWatcher;
import io.nats.client.ObjectStore;
import io.nats.client.api.ObjectInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SAND's recovery across a fleet: a node's execution log is copied to JetStream as it is written;
 * when the node dies, its running executions are taken over, app by app, by a live node that
 * serves the app and is not leaving, which runs them on from their settled steps, and keeps the
 * ended ones so that their results can still be read. A claim per dead node and app, made by
 * compare-and-set, makes one of them the heir, whichever claims first; each execution then passes to the heir
 * by a compare-and-set on its owner ({@link JetStreamOwners}), which fences the dead node off
 * should it only have been paused. A node that comes back, or resumes, drops the executions taken
 * from it; one that starts again clears the claims. Records and values
 * are sealed ({@link Sealer}) with their tenant's key before they reach JetStream, each bound to
 * the node's log or the value's name; a copied record is the tenant's name (2-byte length, UTF-8)
 * then the sealed record, so whoever reads the log knows whose key opens it.
 */
final class Takeover implements ExecutionBackups {

    private static final Logger LOG = LoggerFactory.getLogger(Takeover.class);

    static final String BLOBS = "skyfn-blobs";
    /** Claims a live node makes for another on its own executions of an app: {@code handed.<node>.<tenant>.<app>} = heir. */
    private static final String HANDED = "handed.";
    /** Nodes gone for good, as the nodes that saw them go recorded it: {@code gone.<node>} = the node that wrote it. */
    private static final String GONE = "gone.";

    private final Engine engine;
    private final String self;
    private final NodeLogs logs;
    private final KeyValue claims;
    private final ObjectStore blobs;
    /** The claims this process won and acted on, so that a dead node's executions are adopted once. */
    private final Set<String> taken = new java.util.HashSet<>();
    /** The records of dead nodes' logs, read once per death: a dead node writes nothing more. */
    private final Map<String, List<byte[]>> deadLogs = new HashMap<>();
    private final Sealer sealer;

    Takeover(Engine engine, String self, Sealer sealer) {
        this.engine = engine;
        this.self = self;
        this.sealer = sealer;
        this.logs = NodeLogs.open(engine);
        this.claims = engine.bucket(JetStreamDocument.BUCKET, 1, Duration.ZERO);
        this.blobs = engine.objectStore(BLOBS);
    }

    @Override
    public CompletableFuture<Void> append(String tenant, byte[] record) {
        return logs.append(self, sealed(tenant, record));
    }

    @Override
    public void rewrite(List<Record> records) {
        logs.rewrite(self, records.stream().map(r -> sealed(r.tenant(), r.bytes())).toList());
    }

    @Override
    public List<byte[]> own() {
        return openable(self);
    }

    /** A record as the copy of this node's log holds it: its tenant's name, then the record sealed with that tenant's key. */
    private byte[] sealed(String tenant, byte[] record) {
        byte[] name = tenant.getBytes(StandardCharsets.UTF_8);
        byte[] sealed = sealer.seal(tenant, "exec/" + self, record);
        return java.nio.ByteBuffer.allocate(2 + name.length + sealed.length).putShort((short) name.length).put(name).put(sealed).array();
    }

    /** A record of {@code node}'s copied log, opened with its tenant's key. */
    private byte[] opened(String node, byte[] copy) {
        var b = java.nio.ByteBuffer.wrap(copy);
        byte[] name = new byte[b.getShort() & 0xFFFF];
        b.get(name);
        byte[] sealed = new byte[b.remaining()];
        b.get(sealed);
        return sealer.open(new String(name, StandardCharsets.UTF_8), "exec/" + node, sealed);
    }

    @Override
    public CompletableFuture<Void> blob(String tenant, String execution, String blob, Path file) {
        return CompletableFuture.runAsync(() -> Js.run("copying value " + blob, () -> {
            String name = execution + "." + blob;
            blobs.put(name, sealer.seal(tenant, name, Files.readAllBytes(file)));
        }), Thread.ofVirtual()::start);
    }

    @Override
    public boolean fetchBlob(String tenant, String execution, String blob, Path file) {
        try {
            Files.createDirectories(file.getParent());
            return Js.call("fetching value " + blob, () -> {
                ObjectInfo info = blobs.getInfo(execution + "." + blob);
                if (info == null || info.isDeleted()) {
                    return false;
                }
                var sealed = new java.io.ByteArrayOutputStream();
                blobs.get(execution + "." + blob, sealed);
                Files.write(file, sealer.open(tenant, execution + "." + blob, sealed.toByteArray()));
                return true;
            });
        } catch (IOException | RuntimeException e) {
            LOG.warn("value {} of execution {} could not be fetched: {}; its step runs again", blob, execution, e.getMessage());
            return false;
        }
    }

    @Override
    public void forgetBlobs(String execution, List<String> names) {
        for (String blob : names) {
            try {
                Js.run("deleting value " + blob, () -> blobs.delete(execution + "." + blob));
            } catch (RuntimeException e) {
                LOG.debug("value {} of execution {} was not deleted: {}", blob, execution, e.getMessage());
            }
        }
    }

    /** Clears the claims on this node's executions, once it has dropped the ones taken over, and its handovers. */
    void clearClaims() {
        for (String prefix : List.of(prefix(self), HANDED + self + ".")) {
            engine.liveKeys(claims, prefix + ">").forEach(k -> Js.run("clearing a claim", () -> claims.purge(k)));
        }
        Js.run("clearing the record of this node gone", () -> claims.purge(GONE + self));
    }

    /**
     * Hands this node's stopped executions of {@code app} to {@code heir}, which takes them on from
     * the copy of this node's log ({@link #watchHandovers}); this node lives on. Every record of
     * them must be backed up before.
     */
    void handOver(AppKey app, String heir) {
        Js.run("handing executions over", () -> claims.put(HANDED + self + "." + app.tenant() + "." + app.app(),
                heir.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Watches for executions handed to this node by live nodes an app left ({@link #handOver}),
     * and takes them on from the handing node's log: a handover is a claim its owner makes for
     * this node, so ownership passes by the same compare-and-set as a takeover.
     */
    void watchHandovers(Executions executions) {
        Js.call("watching handovers", () -> claims.watch(HANDED + ">", new KeyValueWatcher() {
            @Override
            public void watch(KeyValueEntry entry) {
                if (entry.getOperation() != KeyValueOperation.PUT || entry.getValue() == null
                        || !self.equals(new String(entry.getValue(), StandardCharsets.UTF_8))) {
                    return;
                }
                String[] from = entry.getKey().substring(HANDED.length()).split("\\.", 3);
                var app = new AppKey(from[1], from[2]);
                Thread.ofVirtual().start(() -> {
                    try {
                        int taken = executions.takeHandedOver(from[0], openable(from[0]), app);
                        LOG.info("took on {} running executions of {} handed over by {}", taken, app, from[0]);
                    } catch (RuntimeException e) {
                        LOG.warn("the executions of {} handed over by {} are not taken on ({}); it keeps them", app, from[0], e.getMessage());
                    }
                });
            }

            @Override
            public void endOfData() {
            }
        }, KeyValueWatchOption.UPDATES_ONLY));
    }

    /**
     * Watches for claims on this node's executions made while it runs: it was taken for dead (a
     * pause, a cut-off network) and another node took an app's executions over. The executions
     * that node now owns are dropped here at once rather than at their end, when the fence would
     * refuse them anyway.
     */
    void watchClaimsOnMe(Executions executions) {
        // the watch lasts as long as the node's connection
        Js.call("watching claims", () -> claims.watch(prefix(self) + ">", new KeyValueWatcher() {
            @Override
            public void watch(KeyValueEntry entry) {
                if (entry.getOperation() == KeyValueOperation.PUT) {
                    String[] app = entry.getKey().substring(prefix(self).length()).split("\\.", 2);
                    Thread.ofVirtual().start(() -> executions.dropTakenOver(new AppKey(app[0], app[1])));
                }
            }

            @Override
            public void endOfData() {
            }
        }, KeyValueWatchOption.UPDATES_ONLY));
    }

    /**
     * Takes over this node's share of the executions of every node gone for good: those the
     * directory holds for dead, those that departed (said goodbye while their cloud took them
     * back, {@link NodeDirectory#departed}), those given back to their cloud ({@code givenBack}:
     * draining or released elastic nodes) that are no longer heard, and those the fleet recorded
     * as gone before this node joined ({@code gone.<node>}, written by every node that sees one
     * go, cleared when the name is heard again) — a node that joined after a death never heard
     * the dead one, yet may be the only one left serving its apps. A node that says goodbye
     * otherwise is gone from the directory, not dead: it is taken to be restarting, to resume its
     * own executions. Called whenever the live nodes or the apps they serve change, not only when
     * a node dies: an app that ran on the dead node alone has an heir only once another node
     * serves it, and a claimant that died before it claimed leaves the claim to the next.
     */
    synchronized void onDeaths(NodeDirectory directory, Executions executions, Set<String> givenBack) {
        Set<String> recorded = recordedGone();
        Set<String> gone = new java.util.HashSet<>(givenBack);
        gone.addAll(directory.departed());
        gone.addAll(recorded);
        for (NodeDirectory.Member m : directory.members()) {
            String node = m.report().node();
            if (m.alive()) {
                // back: when it dies again, what it ran since is read afresh
                gone.remove(node);
                deadLogs.remove(node);
                taken.removeIf(claim -> claim.startsWith(prefix(node)));
                if (recorded.contains(node)) {
                    Js.run("clearing a record of a gone node", () -> claims.purge(GONE + node));
                }
            } else {
                gone.add(node);
            }
        }
        gone.remove(self);
        for (String node : gone) {
            if (!recorded.contains(node)) {
                Js.write(claims, GONE + node, self.getBytes(StandardCharsets.UTF_8), 0);
            }
            onDeath(node, directory, executions);
        }
    }

    /** The nodes the fleet recorded as gone for good. */
    private Set<String> recordedGone() {
        return engine.liveKeys(claims, GONE + ">").stream()
                .map(k -> k.substring(GONE.length())).collect(java.util.stream.Collectors.toSet());
    }

    /**
     * Takes over this node's share of {@code dead}'s executions: those of each app this node serves
     * and is not leaving, once it wins the app's claim — whichever such node claims first.
     */
    private void onDeath(String dead, NodeDirectory directory, Executions executions) {
        List<NodeDirectory.Member> alive = directory.members().stream().filter(NodeDirectory.Member::alive).toList();
        boolean staying = alive.stream().anyMatch(m -> m.report().node().equals(self) && !m.report().leaving());
        Map<AppKey, Boolean> claimed = new HashMap<>();
        Predicate<AppKey> mine = app -> claimed.computeIfAbsent(app, a -> staying && !taken.contains(claimKey(dead, a))
                && servedHere(alive, a) && claim(dead, a));
        List<byte[]> records = deadLogs.computeIfAbsent(dead, node -> {
            List<byte[]> read = openable(node);
            LOG.info("node {} is gone: {} records of its log read, for the executions of the apps this node serves", node, read.size());
            return read;
        });
        if (records.isEmpty()) {
            return;
        }
        int running = executions.adopt(dead, records, mine);
        claimed.forEach((app, won) -> {
            if (won) {
                taken.add(claimKey(dead, app));
                LOG.info("took over the executions of {} of node {}, gone", app, dead);
            }
        });
        if (running > 0) {
            LOG.info("took over {} running executions of dead node {}", running, dead);
        }
    }

    /**
     * The records of {@code dead}'s copied log this node can open: those of tenants whose key it
     * holds; the others are for heirs on clouds their tenants trust.
     */
    private List<byte[]> openable(String dead) {
        List<byte[]> records = new java.util.ArrayList<>();
        int unopened = 0;
        for (byte[] copy : logs.read(dead)) {
            try {
                records.add(opened(dead, copy));
            } catch (SkyfnException e) {
                if (e.code() != ErrorCode.UNSEAL_FAILED) {
                    throw e;
                }
                unopened++;
            }
        }
        if (unopened > 0) {
            LOG.info("{} records of dead node {}'s log are not for this node to open (no key, or altered)", unopened, dead);
        }
        return records;
    }

    /** Whether this node serves {@code app}, as its last report in the directory says. */
    private boolean servedHere(List<NodeDirectory.Member> alive, AppKey app) {
        String served = app + "@";
        return alive.stream().anyMatch(m -> m.report().node().equals(self) && m.report().apps().stream().anyMatch(a -> a.startsWith(served)));
    }

    /** True for the one node that claims {@code dead}'s executions of {@code app}. */
    private boolean claim(String dead, AppKey app) {
        String key = claimKey(dead, app);
        if (Js.write(claims, key, self.getBytes(StandardCharsets.UTF_8), 0)) {
            return true;
        }
        var held = Js.call("reading a claim", () -> claims.get(key));
        return held != null && held.getValue() != null && self.equals(new String(held.getValue(), StandardCharsets.UTF_8));
    }

    private static String claimKey(String dead, AppKey app) {
        return prefix(dead) + app.tenant() + "." + app.app();
    }

    private static String prefix(String node) {
        return "adopted." + node + ".";
    }
}
