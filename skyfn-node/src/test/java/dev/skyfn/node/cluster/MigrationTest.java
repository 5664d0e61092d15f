package dev.skyfn.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.cloud.Topology;
import dev.skyfn.core.cloud.TopologyReader;
import dev.skyfn.core.manifest.Manifest;
import dev.skyfn.core.manifest.ManifestReader;
import dev.skyfn.nats.apps.AppRecord;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MigrationTest {

    private static final Topology TOPOLOGY = TopologyReader.read("""
            clouds:
              own: {provider: private, region: eu-central, trust: trusted, pricing: {model: owned}, nodes: {p1: {}}}
              spot: {provider: aws, region: eu-west-1, maxNodes: 4, pricing: {model: spot, preemptionNotice: 2m}, nodes: {s1: {}, s2: {}}}
              gpu: {provider: gcp, region: us-east1, hardware: [gpu], pricing: {model: on-demand}, nodes: {g1: {}}}
            users:
              eu: {own: 10, spot: 10, gpu: 80}
            latency:
              own: {spot: 10, gpu: 80}
              spot: {gpu: 75}
            """.getBytes(StandardCharsets.UTF_8));

    /** Replicas as cloud:node, the cloud migrated to (- for none), and whether the migration is under way or settled. */
    @ParameterizedTest(name = "{0} pinned to {1}: under way {2}, settled {3}")
    @CsvSource(delimiter = '|', value = {
            "own:p1 spot:s1 | -    | false | false",
            "own:p1 spot:s1 | spot | true  | false",
            "spot:s1 spot:s2| spot | false | true",
            "-              | spot | false | true",
            "spot:s1        | own  | true  | false",
    })
    void aMigrationIsUnderWayWhileAReplicaIsElsewhere(String replicas, String pinned, boolean underWay, boolean settled) {
        AppRecord record = new AppRecord("t", "a", 1, "ab", 1, 0, 0, replicas(replicas), null, pinned.equals("-") ? null : pinned);
        assertThat(Migration.underWay(record)).isEqualTo(underWay);
        assertThat(Migration.settled(record)).isEqualTo(settled);
    }

    /** A cloud, and the most replicas it can hold: those it lists, then up to its maxNodes. */
    @ParameterizedTest(name = "{0} holds {1}")
    @CsvSource(delimiter = '|', value = {"own | 1", "spot | 4", "gpu | 1", "moon | 0"})
    void aCloudHoldsOneReplicaPerNodeItCanHave(String cloud, int room) {
        assertThat(Migration.room(TOPOLOGY, cloud)).isEqualTo(room);
    }

    /** The app's placement, the cloud asked for, and the error code (- when the migration is allowed). */
    @ParameterizedTest(name = "{0} to {1}: {2}")
    @CsvSource(delimiter = '|', value = {
            "{}                                         | spot | -",
            "{}                                         | moon | NOT_FOUND",
            "{require: {trust: trusted}}                | spot | PLACEMENT_UNSATISFIABLE",
            "{require: {trust: trusted}}                | own  | -",
            "{require: {hardware: gpu}}                 | own  | PLACEMENT_UNSATISFIABLE",
            "{affinity: [{name: a, clouds: [own, gpu]}]}| gpu  | -",
            "{affinity: [{name: a, clouds: [own, gpu]}]}| spot | PLACEMENT_UNSATISFIABLE",
    })
    void aMigrationGoesOnlyWhereTheAppsPlacementAllows(String placement, String cloud, String error) {
        Manifest manifest = ManifestReader.read(("app: a\nplacement: " + placement + "\nfunctions:\n  f: {handler: x.F}\n")
                .getBytes(StandardCharsets.UTF_8));
        if (error.equals("-")) {
            Migration.check(manifest, cloud, TOPOLOGY);
            assertThat(Migration.confined(manifest, cloud).placement().affinity()).singleElement()
                    .satisfies(g -> assertThat(g.selector().clouds()).containsExactly(cloud));
        } else {
            assertThatThrownBy(() -> Migration.check(manifest, cloud, TOPOLOGY)).isInstanceOfSatisfying(SkyfnException.class,
                    e -> assertThat(e.code().name()).isEqualTo(error));
        }
    }

    private static List<AppRecord.Replica> replicas(String list) {
        if (list.isBlank() || list.trim().equals("-")) {
            return List.of();
        }
        return Arrays.stream(list.trim().split(" +")).map(r -> r.split(":")).map(r -> new AppRecord.Replica(r[0], r[1], 128)).toList();
    }
}
