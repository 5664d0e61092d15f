package dev.skyfn.billing;

import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * What a tenant runs to check its bill with nothing but the ledger's public key: every signed
 * head carries that key's signature; each head extends the one before (RFC 9162 consistency
 * proofs), and the latest extends the head the tenant verified last time; the tenant's records
 * are in the latest head's tree (one proof for all of them; on failure, an audit path each, to
 * name the records that fail). Each failure says exactly which head or record it is.
 */
public final class Verifier {

    /** Where the proofs the verifier asks for come from: the ledger's API. */
    public interface Proofs {
        List<byte[]> consistency(long first, long second);

        List<byte[]> inclusion(long index, long size);
    }

    /**
     * The outcome.
     *
     * @param failures what does not hold, one sentence each; none when the bill is proven
     * @param records  the tenant's records proven in the latest head
     * @param pending  the tenant's records written after the latest head (proven at the next)
     * @param latest   the latest head, to pin for the next verification
     */
    public record Report(List<String> failures, long records, long pending, Optional<TreeHead> latest) {
        public boolean ok() {
            return failures.isEmpty();
        }
    }

    private Verifier() {
    }

    /**
     * Verifies {@code heads} (oldest first) and the records in {@code proven} of {@code tenant}
     * (null: any tenant's) against {@code key}, and that the latest head extends {@code pinned}
     * (the head verified last time, if any). {@code known} holds the leaf hashes of records
     * verified before, by index: a record changed since is named as such.
     */
    public static Report verify(PublicKey key, String tenant, List<TreeHead> heads, Optional<TreeHead> pinned, Ledger.Proven proven,
                                Proofs proofs, java.util.Map<Long, byte[]> known) {
        List<String> failures = new ArrayList<>();
        TreeHead previous = null;
        for (TreeHead head : heads) {
            if (!signed(key, head)) {
                failures.add("the head of " + head.size() + " entries signed at " + head.signedAt()
                        + " does not carry the ledger's signature by the key you trust: it was forged or altered, or signed with another key");
                continue;
            }
            if (previous != null) {
                consistent(previous, head, proofs, "", failures);
            }
            previous = head;
        }
        Optional<TreeHead> latest = Optional.ofNullable(previous);
        pinned.ifPresent(p -> {
            if (latest.isEmpty()) {
                failures.add("the ledger shows no signed head, though one of " + p.size() + " entries was verified before");
            } else {
                consistent(p, latest.get(), proofs, " (the head verified last time)", failures);
            }
        });
        if (proven != null) {
            records(key, tenant, latest, proven, proofs, known, failures);
            if (failures.isEmpty()) {
                // what the keeper knows and the proofs do not show (an entry after the head that is no record, another tenant's entry changed)
                String unproven = proven.pending() == 0 ? "no record written from now on will be proven"
                        : "the " + proven.pending() + " record(s) written since its latest head will never be proven";
                proven.problems().forEach(p -> failures.add("the ledger's keeper reports it damaged (" + p + "): it signs no head over it"
                        + " any more, so " + unproven));
            }
        }
        return new Report(List.copyOf(failures), proven == null ? 0 : proven.entries().size(), proven == null ? 0 : proven.pending(),
                latest);
    }

    private static void consistent(TreeHead first, TreeHead second, Proofs proofs, String which, List<String> failures) {
        String what = "the head of " + second.size() + " entries signed at " + second.signedAt() + " does not extend the head of "
                + first.size() + " entries signed at " + first.signedAt() + which;
        if (second.size() < first.size()) {
            failures.add(what + ": the ledger shrank");
            return;
        }
        try {
            if (!MerkleTree.verifyConsistency(first.size(), second.size(), first.rootHash(), second.rootHash(),
                    proofs.consistency(first.size(), second.size()))) {
                failures.add(what + ": entries signed before were changed, removed or reordered");
            }
        } catch (RuntimeException e) {
            failures.add(what + ": no consistency proof (" + e.getMessage() + ")");
        }
    }

    private static void records(PublicKey key, String tenant, Optional<TreeHead> latest, Ledger.Proven proven, Proofs proofs,
                                java.util.Map<Long, byte[]> known, List<String> failures) {
        TreeHead head = proven.head();
        if (!signed(key, head)) {
            failures.add("the head the records are proven in (" + head.size() + " entries) does not carry the ledger's signature");
            return;
        }
        if (latest.isPresent() && (head.size() != latest.get().size() || !head.root().equals(latest.get().root()))) {
            failures.add("the records are proven in a head of " + head.size() + " entries, not the latest signed head of "
                    + latest.get().size());
        }
        List<Ledger.Entry> entries = proven.entries();
        long[] indices = new long[entries.size()];
        byte[][] leaves = new byte[entries.size()][];
        byte[] wrong = new byte[entries.size()]; // 1: not a usage record, 2: another tenant's
        // a month of a tenant's records is a million leaves: hashed and read on every CPU
        java.util.stream.IntStream.range(0, entries.size()).parallel().forEach(i -> {
            byte[] leaf = entries.get(i).leaf();
            indices[i] = entries.get(i).index();
            leaves[i] = MerkleTree.leafHash(leaf);
            String owner = tenantOfRecord(leaf);
            wrong[i] = owner == null ? (byte) 1 : tenant != null && !owner.equals(tenant) ? (byte) 2 : 0;
        });
        for (int i = 0; i < wrong.length; i++) {
            if (wrong[i] == 1) {
                failures.add("entry " + indices[i] + " is not a usage record");
            } else if (wrong[i] == 2) {
                failures.add("entry " + indices[i] + " (" + describe(entries.get(i)) + ") is not a record of tenant " + tenant);
            }
        }
        Optional<byte[]> root = MerkleTree.rootFrom(indices, leaves, proven.proof(), head.size());
        if (root.isPresent() && Arrays.equals(root.get(), head.rootHash())) {
            return;
        }
        int changed = 0;
        for (int i = 0; i < entries.size(); i++) {
            byte[] before = known.get(indices[i]);
            if (before != null && !Arrays.equals(before, leaves[i])) {
                changed++;
                failures.add("entry " + indices[i] + " (" + describe(entries.get(i)) + ") has changed since it was verified");
            }
        }
        // records that fail their audit path: those verified before and unchanged since are not what changed
        List<String> failing = new ArrayList<>();
        int unchangedSinceVerified = 0;
        for (int i = 0; i < entries.size(); i++) {
            Ledger.Entry e = entries.get(i);
            try {
                if (!MerkleTree.verifyInclusion(e.index(), head.size(), leaves[i], proofs.inclusion(e.index(), head.size()), head.rootHash())) {
                    if (known.containsKey(e.index()) && Arrays.equals(known.get(e.index()), leaves[i])) {
                        unchangedSinceVerified++;
                    } else {
                        failing.add("entry " + e.index() + " (" + describe(e) + ")");
                    }
                }
            } catch (RuntimeException x) {
                failing.add("entry " + e.index() + " (no audit path: " + x.getMessage() + ")");
            }
        }
        if (unchangedSinceVerified > 0 && changed == 0) {
            failures.add("the head of " + head.size() + " entries no longer proves " + unchangedSinceVerified + " record(s) verified"
                    + " before and unchanged since: entries around them were changed, removed or reordered");
        }
        if (!failing.isEmpty() && changed == 0) {
            String notBefore = unchangedSinceVerified > 0 ? " not verified before" : "";
            failures.add(failing.size() == 1 ? failing.getFirst() + notBefore + " is not what the head of " + head.size() + " entries signed"
                    : failing.size() + " records" + notBefore + " are not what the head of " + head.size() + " entries signed ("
                    + String.join(", ", failing) + "): the ledger's entries were changed, removed or reordered");
        } else if (failing.isEmpty() && unchangedSinceVerified == 0) {
            failures.add("the proof of the " + entries.size() + " records does not give the root of the head of " + head.size()
                    + " entries: the proof was altered");
        }
    }

    /** The tenant a record's canonical JSON names, or null when it is not one. */
    private static String tenantOfRecord(byte[] leaf) {
        try {
            String tenant = UsageRecord.tenantOf(leaf);
            UsageRecord.startOf(leaf);
            return tenant;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String describe(Ledger.Entry e) {
        try {
            return UsageRecord.idOf(e.leaf());
        } catch (IllegalArgumentException x) {
            return "not a usage record";
        }
    }

    private static boolean signed(PublicKey key, TreeHead head) {
        try {
            return head.verify(key);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
