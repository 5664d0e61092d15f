package dev.skyfn.nats.usage;

import dev.skyfn.billing.Ledger;
import dev.skyfn.billing.Ledgers;
import dev.skyfn.billing.MerkleTree;
import dev.skyfn.billing.TreeHead;
import dev.skyfn.billing.UsageRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every node's usage ledger as the fleet's JetStream holds it ({@link UsageLogs}): any gateway
 * answers for all of them, a dead node's too. Each node's Merkle tree is rebuilt here from its
 * entries in order and caught up on each request; proofs are of that tree, so they hold against
 * the node's own signed heads only if the stream holds exactly what the node wrote — a verifier
 * trusts no gateway. An entry copied twice is kept once; an entry missing is a problem, and the
 * tree stops before it.
 */
public final class FleetLedgers implements Ledgers {

    private final UsageLogs logs;
    private final Path scratch;
    private final Map<String, NodeTree> trees = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicInteger treesMade = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * The ledgers {@code logs} holds, each node's tree in files mapped from a directory of its own
     * under {@code scratch} (emptied first: what a previous process left there is rebuilt), not in
     * the heap: a fleet's trees grow with every call it meters.
     */
    public FleetLedgers(UsageLogs logs, Path scratch) {
        this.logs = logs;
        this.scratch = scratch;
        try {
            if (Files.isDirectory(scratch)) {
                try (var stale = Files.walk(scratch)) {
                    for (Path p : stale.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
            Files.createDirectories(scratch);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the fleet ledgers' scratch directory " + scratch + ": " + e.getMessage(), e);
        }
    }

    /** One node's tree as rebuilt from the stream. */
    private static final class NodeTree {
        final MerkleTree tree;
        long next = 1;
        String problem;

        NodeTree(Path dir) {
            tree = MerkleTree.mapped(dir);
        }
    }

    @Override
    public List<View> views() {
        List<View> views = new ArrayList<>();
        logs.keys().forEach((node, key) -> views.add(new View(node, key, tree(node).size(), logs.heads(node))));
        return views;
    }

    @Override
    public List<UsageRecord> records(String tenant, long fromMillis, long toMillis) {
        Set<String> seen = new HashSet<>();
        List<UsageRecord> records = new ArrayList<>();
        for (UsageLogs.Entry e : logs.entries(null, tenant, 1)) {
            if (!seen.add(e.node() + "#" + e.index())) {
                continue;
            }
            UsageRecord r = UsageRecord.parse(e.leaf());
            if (r.start() >= fromMillis && r.start() < toMillis) {
                records.add(r);
            }
        }
        return records;
    }

    @Override
    public Ledger.Proven entries(String node, String tenant, long fromMillis, long toMillis) {
        MerkleTree tree = tree(node);
        List<TreeHead> heads = logs.heads(node);
        TreeHead head = heads.stream().filter(h -> h.size() <= tree.size()).reduce((a, b) -> b).orElseThrow(() ->
                new IllegalArgumentException("the ledger of " + node + " has no signed head in the fleet's log yet"));
        Set<Long> seen = new HashSet<>();
        List<Ledger.Entry> found = new ArrayList<>();
        long pending = 0;
        for (UsageLogs.Entry e : logs.entries(node, tenant, 1)) {
            if (!seen.add(e.index())) {
                continue;
            }
            if (e.index() >= head.size()) {
                pending++;
                continue;
            }
            long start = UsageRecord.startOf(e.leaf());
            if (start >= fromMillis && start < toMillis) {
                found.add(new Ledger.Entry(e.index(), e.leaf()));
            }
        }
        found.sort(java.util.Comparator.comparingLong(Ledger.Entry::index));
        long[] indices = found.stream().mapToLong(Ledger.Entry::index).toArray();
        var kept = trees.get(node);
        List<String> problems = kept == null || kept.problem == null ? List.of() : List.of(kept.problem);
        return new Ledger.Proven(head, found, tree.multiProof(indices, head.size()), pending, problems);
    }

    @Override
    public List<byte[]> consistency(String node, long first, long second) {
        return tree(node).consistencyProof(first, second);
    }

    @Override
    public List<byte[]> inclusion(String node, long index, long size) {
        return tree(node).inclusionProof(index, size);
    }

    @Override
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        trees.forEach((node, t) -> {
            if (t.problem != null) {
                problems.add(node + ": " + t.problem);
            }
        });
        return problems;
    }

    /** {@code node}'s tree, caught up with what the stream holds now. */
    private MerkleTree tree(String node) {
        NodeTree t = trees.computeIfAbsent(node, n -> new NodeTree(scratch.resolve("node-" + treesMade.incrementAndGet())));
        synchronized (t) {
            if (t.problem != null) {
                return t.tree;
            }
            for (UsageLogs.Entry e : logs.entries(node, null, t.next)) {
                t.next = e.sequence() + 1;
                byte[] hash = MerkleTree.leafHash(e.leaf());
                long size = t.tree.size();
                if (e.index() < size) {
                    if (!Arrays.equals(t.tree.leaf(e.index()), hash)) {
                        t.problem = "entry " + e.index() + " was copied twice, differently";
                        break;
                    }
                } else if (e.index() > size) {
                    t.problem = "entries " + size + " to " + (e.index() - 1) + " are missing from the fleet's log";
                    break;
                } else {
                    t.tree.append(hash);
                }
            }
            return t.tree;
        }
    }
}
