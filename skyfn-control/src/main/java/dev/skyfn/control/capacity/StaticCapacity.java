package dev.skyfn.control.capacity;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import java.util.List;

/** A cloud whose nodes are those its topology lists, and no others: nothing to acquire or release. */
public final class StaticCapacity implements CapacityProvider {

    @Override
    public ProvidedNode acquire(String cloud) {
        throw new SkyfnException(ErrorCode.UNAVAILABLE, "cloud " + cloud + " has static capacity: only the nodes its topology lists");
    }

    @Override
    public void release(String cloud, String node) {
        // nothing was acquired
    }

    @Override
    public List<ProvidedNode> list(String cloud) {
        return List.of();
    }
}
