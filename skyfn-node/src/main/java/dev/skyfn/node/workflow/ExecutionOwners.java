package dev.skyfn.node.workflow;

import java.util.OptionalLong;

/**
 * Which node runs each workflow execution, one at a time, with fencing (Kleppmann's fencing
 * tokens; Chubby's sequencers): ownership passes by compare-and-set on the execution's owner
 * entry, whose revision is the owner's epoch, and an owner commits an execution's end only if the
 * entry is still at its epoch. A node that was paused past its dead-after time and resumes finds
 * its commit refused, learns that another node took the execution over, and drops it — so an
 * execution never ends one way on one node and another way on another.
 *
 * <p>Epochs are positive. Errors: a failure to reach the store is unchecked and leaves the
 * execution as it was (a caller retries or answers {@code UNAVAILABLE}).
 */
public interface ExecutionOwners {

    /** Makes this node the owner of a new execution; returns its epoch. */
    long own(String execution);

    /**
     * The epoch at which this node owns {@code execution} now — after a restart, say — or empty
     * when another node took it over meanwhile. An execution without an owner entry becomes this
     * node's.
     */
    OptionalLong reclaim(String execution);

    /** Commits the end of {@code execution}, owned at {@code epoch}: false when another node owns it now. */
    boolean end(String execution, long epoch);

    /**
     * Takes over {@code execution} from {@code dead}; returns the new epoch, or empty when
     * {@code dead} no longer owned it (another node took it first).
     */
    OptionalLong takeOver(String execution, String dead);

    /** Forgets the owner of an execution dropped for good. */
    void forget(String execution);

    /** One node, no fleet: it owns every execution it has. */
    ExecutionOwners SOLE = new ExecutionOwners() {
        @Override
        public long own(String execution) {
            return 1;
        }

        @Override
        public OptionalLong reclaim(String execution) {
            return OptionalLong.of(1);
        }

        @Override
        public boolean end(String execution, long epoch) {
            return true;
        }

        @Override
        public OptionalLong takeOver(String execution, String dead) {
            return OptionalLong.of(1);
        }

        @Override
        public void forget(String execution) {
        }
    };
}
