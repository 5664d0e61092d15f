package dev.skyfn.node.cluster;

import dev.skyfn.core.Sha256;
import dev.skyfn.core.cloud.Cloud;
import dev.skyfn.core.cloud.Topology;
import dev.skyfn.core.wire.Message;
import dev.skyfn.core.wire.WireCodec;
import dev.skyfn.node.invoke.Outcome;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code verify: redundant}, as pure decisions: which two nodes run a call — the best ranked, and
 * the best ranked in a cloud of another provider, so that no one provider can both run and vouch
 * for a result — and whether their answers agree.
 */
final class Redundancy {

    private Redundancy() {
    }

    /** The two nodes that run one call. */
    record Pair(Routes.Candidate first, Routes.Candidate second) {
    }

    /** The best of {@code ranked}, and the best whose cloud's provider is another; empty if there is no such second. */
    static Optional<Pair> choose(List<Routes.Candidate> ranked, Topology topology) {
        if (ranked.isEmpty()) {
            return Optional.empty();
        }
        Routes.Candidate first = ranked.getFirst();
        String provider = provider(topology, first.cloud());
        return ranked.stream().filter(c -> !Objects.equals(provider(topology, c.cloud()), provider)).findFirst()
                .map(second -> new Pair(first, second));
    }

    /**
     * What an answer is, for comparing: the SHA-256 of its result's encoding (content type and
     * bytes), or, for a failure, its error code and exception type (messages name nodes and times).
     */
    static String digest(Outcome o) {
        byte[] encoded = o.ok() ? WireCodec.encode(new Message.Result(0, o.payload()))
                : (o.error().code() + "/" + o.error().type()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return (o.ok() ? "result:" : "failure:") + HexFormat.of().formatHex(Sha256.of(encoded));
    }

    /** Whether two nodes' answers to one call agree. */
    static boolean agree(Outcome a, Outcome b) {
        return digest(a).equals(digest(b));
    }

    /** Who runs {@code cloud}: its provider in the topology (the cloud's own name if it has none there). */
    static String provider(Topology topology, String cloud) {
        return topology.cloud(cloud).map(Cloud::provider).orElse(cloud);
    }
}
