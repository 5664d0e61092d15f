package dev.skyfn.billing;

import java.util.List;

/** One node's own ledger, as {@link Ledgers}. */
public final class LocalLedgers implements Ledgers {

    private final String node;
    private final Ledger ledger;

    public LocalLedgers(String node, Ledger ledger) {
        this.node = node;
        this.ledger = ledger;
    }

    @Override
    public List<View> views() {
        return List.of(new View(node, ledger.publicKey(), ledger.size(), ledger.heads()));
    }

    @Override
    public List<UsageRecord> records(String tenant, long fromMillis, long toMillis) {
        return ledger.records(tenant, fromMillis, toMillis);
    }

    @Override
    public Ledger.Proven entries(String node, String tenant, long fromMillis, long toMillis) {
        check(node);
        TreeHead head = ledger.latestHead().orElseThrow(() -> new IllegalArgumentException(
                "the ledger of " + node + " has no signed head yet: heads are signed once calls have been metered"));
        return ledger.entries(tenant, fromMillis, toMillis, head);
    }

    @Override
    public List<byte[]> consistency(String node, long first, long second) {
        check(node);
        return ledger.consistency(first, second);
    }

    @Override
    public List<byte[]> inclusion(String node, long index, long size) {
        check(node);
        return ledger.inclusion(index, size);
    }

    @Override
    public List<String> problems() {
        return ledger.problems();
    }

    private void check(String asked) {
        if (!node.equals(asked)) {
            throw new IllegalArgumentException("no ledger of node " + asked + " here: this node is " + node);
        }
    }
}
