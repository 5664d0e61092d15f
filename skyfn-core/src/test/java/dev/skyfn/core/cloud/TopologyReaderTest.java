package dev.skyfn.core.cloud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TopologyReaderTest {

    static final String SMALL = """
            clouds:
              spot:
                provider: aws
                region: eu-west-1
                labels: {tier: public}
                pricing: {model: spot, gbSecond: 0.000005, preemptionNotice: 2m}
                nodes:
                  spot-1: {cpus: 2, memory: 4096}
              own:
                provider: private
                region: home
                trust: trusted
                pricing: {model: owned}
                nodes:
                  own-1: {}
            users:
              eu: {spot: 12, own: 20}
            latency:
              spot: {own: 9}
            """;

    @Test
    void theExampleTopologyHasEveryKindOfCloud() throws Exception {
        Topology t = TopologyReader.read(Files.readAllBytes(Path.of("../examples/topology/four-clouds.yaml")));
        assertThat(t.clouds()).extracting(Cloud::name).containsExactly("spot-eu", "ondemand-us", "private", "edge-paris");
        assertThat(t.stateMirror()).contains("ondemand-us");
        assertThat(t.clouds()).extracting(c -> c.pricing().model())
                .containsExactly(Pricing.Model.SPOT, Pricing.Model.ON_DEMAND, Pricing.Model.OWNED, Pricing.Model.OWNED);
        assertThat(t.cloud("edge-paris").orElseThrow().edge()).isTrue();
        assertThat(t.cloud("ondemand-us").orElseThrow().hardware()).containsExactly("gpu");
        assertThat(t.cloud("spot-eu").orElseThrow().pricing().preemptionNotice()).isEqualTo(Duration.ofMinutes(2));
        assertThat(t.cloud("spot-eu").orElseThrow().pricing().coolDown()).isEqualTo(Duration.ofMinutes(10));
        assertThat(t.nodes()).hasSize(5);
        assertThat(t.regions()).containsExactlyInAnyOrder("eu", "us");
        assertThat(t.stateCloud()).as("not spot, not the edge, trusted first").isEqualTo("private");
    }

    @Test
    void stateLivesInTheCloudNamedForIt() {
        assertThat(read(SMALL).stateCloud()).isEqualTo("own");
        assertThat(read(SMALL + "state: spot\n").stateCloud()).isEqualTo("spot");
        assertThatThrownBy(() -> read(SMALL + "state: moon\n")).hasMessage("topology: state: no cloud 'moon'");
    }

    @Test
    void theStateCloudKeepsOneCopyUnlessAnOddNumberIsAsked() {
        assertThat(read(SMALL).stateReplicas()).isEqualTo(1);
        assertThat(read(SMALL + "stateReplicas: 3\n").stateReplicas()).isEqualTo(3);
        assertThatThrownBy(() -> read(SMALL + "stateReplicas: 2\n")).hasMessageContaining("stateReplicas: 2: 1, 3 or 5");
        assertThatThrownBy(() -> read(SMALL + "stateReplicas: 7\n")).hasMessageContaining("stateReplicas");
    }

    @Test
    void aStateMirrorIsAnotherCloudsClusterWithATieBreakerBesideIt() {
        String three = SMALL.replace("users:", """
                  far:
                    provider: gcp
                    region: us-east1
                    pricing: {model: on-demand}
                    nodes:
                      far-1: {}
                users:""").replace("eu: {spot: 12, own: 20}", "eu: {spot: 12, own: 20, far: 90}")
                .replace("spot: {own: 9}", "spot: {own: 9, far: 80}\n  own: {far: 85}");
        Topology mirrored = read(three + "stateReplicas: 3\nstateMirror: far\n");
        assertThat(mirrored.stateMirror()).contains("far");
        assertThat(mirrored.natsServers("own")).isEqualTo(3);
        assertThat(mirrored.natsServers("far")).isEqualTo(3);
        assertThat(mirrored.natsServers("spot")).isEqualTo(1);
        assertThat(read(three).stateMirror()).isEmpty();
        assertThat(read(three).natsServers("far")).isEqualTo(1);
        assertThatThrownBy(() -> read(three + "stateMirror: own\n")).hasMessage(
                "topology: stateMirror: 'own' is the state cloud itself; a mirror must survive its loss");
        assertThatThrownBy(() -> read(three + "stateMirror: moon\n")).hasMessage("topology: stateMirror: no cloud 'moon'");
        assertThatThrownBy(() -> read(SMALL + "stateMirror: spot\n")).hasMessageContaining(
                "stateMirror: a third cloud that is not an edge site is needed");
    }

    @Test
    void latenciesReadTheSameBothWaysAndAreZeroWithinACloud() {
        Topology t = read(SMALL);
        assertThat(t.latencyBetween("spot", "own")).isEqualTo(9.0);
        assertThat(t.latencyBetween("own", "spot")).isEqualTo(9.0);
        assertThat(t.latencyBetween("own", "own")).isZero();
        assertThat(t.latency("eu", "own")).isEqualTo(20.0);
    }

    @Test
    void aSpotMarketCoolsDownTenMinutesAfterAPreemptionUnlessTold() {
        assertThat(read(SMALL).cloud("spot").orElseThrow().pricing().coolDown()).isEqualTo(Pricing.DEFAULT_COOL_DOWN);
        assertThat(read(SMALL.replace("preemptionNotice: 2m", "preemptionNotice: 2m, coolDown: 90s")).cloud("spot").orElseThrow()
                .pricing().coolDown()).isEqualTo(Duration.ofSeconds(90));
        assertThat(read(SMALL).cloud("own").orElseThrow().pricing().coolDown()).as("capacity never taken back").isZero();
    }

    @Test
    void aServerlessPoolIsBilledPerUseAndHoldsNoState() {
        String pool = SMALL.replace("\n  own:\n", "\n  pool:\n    provider: gcp\n    region: europe-west1\n"
                        + "    pricing: {model: serverless, gbSecond: 0.0000025, vcpuSecond: 0.000024}\n    startup: 5s\n    maxNodes: 10\n  own:\n")
                .replace("eu: {spot: 12, own: 20}", "eu: {spot: 12, own: 20, pool: 14}")
                .replace("spot: {own: 9}", "spot: {own: 9, pool: 8}\n  own: {pool: 10}");
        Topology t = read(pool);
        Pricing p = t.cloud("pool").orElseThrow().pricing();
        assertThat(p.perUse()).isTrue();
        assertThat(p.spot()).isFalse();
        assertThat(t.cloud("pool").orElseThrow().allLabels()).containsEntry("pricing", "serverless");
        assertThat(read(SMALL).cloud("own").orElseThrow().pricing().perUse()).isFalse();
        // an untrusted pool before a trusted cloud in the file: the state still goes to a cloud whose nodes stay
        assertThat(read(pool.replace("    trust: trusted\n", "")).stateCloud()).as("not the pool, which scales to zero").isEqualTo("own");
        assertThatThrownBy(() -> read(pool.replace("model: serverless,", "model: serverless, preemptionNotice: 30s,")))
                .hasMessageContaining("only spot capacity is preempted");
    }

    @Test
    void cloudsAreLabelledWithTheirAttributesBesideTheOperatorsLabels() {
        Cloud spot = read(SMALL).cloud("spot").orElseThrow();
        assertThat(spot.allLabels()).containsEntry("tier", "public").containsEntry("provider", "aws")
                .containsEntry("region", "eu-west-1").containsEntry("trust", "untrusted").containsEntry("pricing", "spot")
                .containsEntry("cloud", "spot").containsEntry("edge", "false");
    }

    @Test
    void nodesTakeDefaultSizes() {
        NodeSpec own = read(SMALL).node("own-1").orElseThrow();
        assertThat(own.cloud()).isEqualTo("own");
        assertThat(own.cpus()).isEqualTo(2);
        assertThat(own.memoryMb()).isEqualTo(4096);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "a user region without a latency to a cloud | eu: {spot: 12, own: 20} | eu: {spot: 12} | topology: users.eu.own: missing",
            "a latency to a cloud that does not exist | eu: {spot: 12, own: 20} | eu: {spot: 12, own: 20, moon: 3} | topology: users.eu.moon: unknown field",
            "an unknown price model | model: owned | model: rented | topology: clouds.own.pricing.model: 'rented' is not one of on-demand, spot, owned",
            "spot capacity without its notice | model: spot, gbSecond: 0.000005, preemptionNotice: 2m | model: spot | topology: clouds.spot.pricing.preemptionNotice: missing",
            "a notice for capacity that is never taken back | model: owned | model: owned, preemptionNotice: 1m | topology: clouds.own.pricing.preemptionNotice: only spot capacity is preempted",
            "a cool-down for capacity that is never taken back | model: owned | model: owned, coolDown: 5m | topology: clouds.own.pricing.coolDown: only spot capacity is preempted",
            "a cool-down that is not a duration | preemptionNotice: 2m | preemptionNotice: 2m, coolDown: later | topology: clouds.spot.pricing.coolDown:",
            "a misspelt field | trust: trusted | trusted: true | topology: clouds.own.trusted: unknown field",
            "a node named in two clouds | own-1: {} | spot-1: {} | topology: clouds.own.nodes.spot-1: a node of this name is in another cloud",
            "a pair of clouds without a latency | spot: {own: 9} | spot: {} | topology: latency.spot.own: missing",
            "a bad trust level | trust: trusted | trust: somewhat | topology: clouds.own.trust: 'somewhat' is not one of untrusted, trusted, tee",
            "a negative price | gbSecond: 0.000005 | gbSecond: -1 | topology: clouds.spot.pricing.gbSecond: -1 is out of range",
            "a cloud name that cannot be a label | own: | Own: | topology: clouds.Own: 'Own' is not a valid cloud name",
    })
    void mistakesAreNamedByTheirPath(String name, String from, String to, String message) {
        assertThatThrownBy(() -> read(SMALL.replace(from, to))).isInstanceOf(TopologyException.class).hasMessageStartingWith(message);
    }

    @Test
    void aKeyGivenTwiceIsRefusedRatherThanTheLastWinning() {
        String line = SMALL.lines().filter(l -> l.strip().equals("own-1: {}")).findFirst().orElseThrow();
        String indent = line.substring(0, line.indexOf('o'));
        assertThatThrownBy(() -> read(SMALL.replace(line, line + "\n" + indent + "own-1: {cpus: 8}")))
                .hasMessageStartingWith("topology: not valid YAML: key 'own-1' appears twice (line ");
    }

    @Test
    void aLatencyGivenBothWaysMustAgree() {
        assertThatThrownBy(() -> read(SMALL.replace("spot: {own: 9}", "spot: {own: 9}\n  own: {spot: 10}")))
                .hasMessageContaining("latency.spot.own: 9.0 ms one way but 10.0 ms the other");
    }

    private static Topology read(String yaml) {
        return TopologyReader.read(yaml.getBytes(StandardCharsets.UTF_8));
    }
}
