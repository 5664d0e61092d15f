package dev.skyfn.control.placement;

import java.util.List;

/** The capacity the control plane places apps on: the clouds, and what their nodes last reported. */
public interface Fleet {

    dev.skyfn.core.cloud.Topology topology();

    List<NodeStatus> nodes();

    /** Places an app with this fleet as it is now. */
    default Placement place(dev.skyfn.core.manifest.Manifest manifest) {
        return Scheduler.place(manifest.placement(), manifest.memoryMb(), topology(), nodes());
    }
}
