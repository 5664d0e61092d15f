package dev.skyfn.billing;

import java.util.List;

/**
 * The usage ledgers a gateway answers for: its own node's on one machine; every node's in a
 * fleet, each node's ledger signed by that node's key. Nodes are named as the fleet names them.
 */
public interface Ledgers {

    /** A node's ledger as a verifier first reads it. */
    record View(String node, String key, long size, List<TreeHead> heads) {
    }

    /** Every ledger, by node name. */
    List<View> views();

    /** The records of {@code tenant} (every tenant's for null) that started in {@code [fromMillis, toMillis)}, on every node. */
    List<UsageRecord> records(String tenant, long fromMillis, long toMillis);

    /**
     * {@code node}'s records of {@code tenant} (every tenant's for null) that started in
     * {@code [fromMillis, toMillis)}, proven in its latest signed head; IllegalArgumentException
     * for a node with no ledger or no signed head.
     */
    Ledger.Proven entries(String node, String tenant, long fromMillis, long toMillis);

    /** RFC 9162's consistency proof in {@code node}'s ledger; IllegalArgumentException for sizes it never held. */
    List<byte[]> consistency(String node, long first, long second);

    /** RFC 9162's audit path in {@code node}'s ledger; IllegalArgumentException for an entry or size it never held. */
    List<byte[]> inclusion(String node, long index, long size);

    /** What is wrong with the ledgers as read: entries that no longer match a signed head, entries missing. */
    List<String> problems();
}
