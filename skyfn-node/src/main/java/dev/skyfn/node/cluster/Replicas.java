package dev.skyfn.node.cluster;

import dev.skyfn.control.placement.Placement;
import dev.skyfn.nats.apps.AppRecord;
import java.util.List;

/** A placement as the app records keep it: one replica per node, best first. */
final class Replicas {

    private Replicas() {
    }

    static List<AppRecord.Replica> of(Placement placement) {
        return placement.assignments().stream()
                .flatMap(a -> a.nodes().stream().map(n -> new AppRecord.Replica(a.cloud(), n, a.memoryMb()))).toList();
    }
}
