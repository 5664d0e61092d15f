package dev.skyfn.control.placement;

import java.util.List;
import java.util.Map;

/** The capacity the control plane places apps on: the clouds, and what their nodes last reported. */
public interface Fleet {

    dev.skyfn.core.cloud.Topology topology();

    List<NodeStatus> nodes();

    /** The elastic nodes asked of the clouds and not yet forgotten, each with its lifecycle state and cost; none on one node. */
    default List<dev.skyfn.control.capacity.ElasticNode> elastic() {
        return List.of();
    }

    /**
     * Has the cloud of {@code node} take it back after {@code notice} — a spot preemption, for
     * trying how the fleet rides one out; only an emulated cloud can be told to.
     *
     * @return when the node is gone
     * @throws dev.skyfn.core.SkyfnException NOT_FOUND for a node the topology does not name,
     *         BAD_REQUEST when its cloud cannot be told to, CONFLICT when the node is not running
     */
    default java.time.Instant preempt(String node, java.time.Duration notice) {
        throw new dev.skyfn.core.SkyfnException(dev.skyfn.core.ErrorCode.BAD_REQUEST, "a single node has no cloud to take it back");
    }

    /**
     * Where the app's callers were lately ({@link Callers}): the calls every live gateway took for
     * it in its last window; none on one node, where there is nowhere else to be.
     */
    default Callers callers(dev.skyfn.core.app.AppKey app) {
        return Callers.NONE;
    }

    /**
     * The clouds failing their health checks ({@link CloudHealth}), each with why: their nodes are
     * reported not alive in {@link #nodes()}; none on one node.
     */
    default Map<String, String> failing() {
        return Map.of();
    }

    /** Places an app with this fleet as it is now. */
    default Placement place(dev.skyfn.core.manifest.Manifest manifest) {
        return Scheduler.place(manifest.placement(), manifest.memoryMb(), topology(), nodes());
    }
}
