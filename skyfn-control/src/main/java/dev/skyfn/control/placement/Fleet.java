package dev.skyfn.control.placement;

import java.util.List;

/** The capacity the control plane places apps on: the clouds, and what their nodes last reported. */
public interface Fleet {

    dev.skyfn.core.cloud.Topology topology();

    List<NodeStatus> nodes();

    /** The elastic nodes asked of the clouds and not yet forgotten, each with its lifecycle state and cost; none on one node. */
    default List<dev.skyfn.control.capacity.ElasticNode> elastic() {
        return List.of();
    }

    /** Places an app with this fleet as it is now. */
    default Placement place(dev.skyfn.core.manifest.Manifest manifest) {
        return Scheduler.place(manifest.placement(), manifest.memoryMb(), topology(), nodes());
    }
}
