package dev.skyfn.node.workflow;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's side of an execution's ownership ({@link ExecutionOwners}): whether it still owns
 * one, and committing its end under its epoch. While the owners cannot be reached, a run waits
 * and asks again each second, until the node closes.
 */
final class Fence {

    private static final Logger LOG = LoggerFactory.getLogger(Fence.class);
    private static final Duration RETRY = Duration.ofSeconds(1);

    private final ExecutionOwners owners;
    private final BooleanSupplier closing;

    Fence(ExecutionOwners owners, BooleanSupplier closing) {
        this.owners = owners;
        this.closing = closing;
    }

    /** Whether this node still owns {@code e} (its epoch read again into it); false when another node does, or the node closes first. */
    boolean stillOwns(Execution e) {
        while (!closing.getAsBoolean()) {
            try {
                var epoch = owners.reclaim(e.id());
                epoch.ifPresent(e::owned);
                return epoch.isPresent();
            } catch (RuntimeException unreachable) {
                LOG.warn("execution {}: its owner cannot be checked ({}); trying again", e.id(), unreachable.getMessage());
                pause();
            }
        }
        return false;
    }

    /**
     * Commits {@code e}'s end under this node's epoch. True once committed; false when another
     * node owns it, or the node closes first (the execution then resumes at its next start). A
     * commit that must not {@code wait} throws while the owners cannot be reached.
     */
    Commit end(Execution e, boolean wait) {
        while (true) {
            try {
                return owners.end(e.id(), e.epoch()) ? Commit.DONE : Commit.TAKEN_OVER;
            } catch (RuntimeException unreachable) {
                if (!wait) {
                    throw unreachable;
                }
                if (closing.getAsBoolean()) {
                    return Commit.LATER;
                }
                LOG.warn("execution {}: its end cannot be committed ({}); trying again", e.id(), unreachable.getMessage());
                pause();
            }
        }
    }

    /** How a commit of an execution's end went. */
    enum Commit { DONE, TAKEN_OVER, LATER }

    private static void pause() {
        try {
            Thread.sleep(RETRY);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
