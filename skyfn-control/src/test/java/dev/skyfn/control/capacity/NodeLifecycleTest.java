package dev.skyfn.control.capacity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NodeLifecycleTest {

    @ParameterizedTest(name = "{0} + {1} -> {2}")
    @CsvSource({
            "REQUESTED, ACCEPTED, BOOTING",
            "REQUESTED, JOINED, READY",
            "BOOTING, JOINED, READY",
            "READY, JOINED, READY",
            "DRAINING, JOINED, DRAINING",
            "REQUESTED, DRAIN, DRAINING",
            "BOOTING, DRAIN, DRAINING",
            "READY, DRAIN, DRAINING",
            "DRAINING, DRAIN, DRAINING",
            "DRAINING, DRAINED, RELEASED",
            "REQUESTED, FAILED, RELEASED",
            "BOOTING, FAILED, RELEASED",
            "READY, FAILED, RELEASED",
            "RELEASED, FAILED, RELEASED",
    })
    void movesAlongItsLife(NodeState state, NodeLifecycle.Event event, NodeState next) {
        assertThat(NodeLifecycle.next(state, event)).isEqualTo(next);
    }

    @ParameterizedTest(name = "{0} + {1} is refused")
    @CsvSource({
            "BOOTING, ACCEPTED",
            "READY, ACCEPTED",
            "RELEASED, JOINED",
            "RELEASED, DRAIN",
            "READY, DRAINED",
            "BOOTING, DRAINED",
    })
    void refusesWhatCannotHappen(NodeState state, NodeLifecycle.Event event) {
        assertThatThrownBy(() -> NodeLifecycle.next(state, event)).isInstanceOf(SkyfnException.class)
                .satisfies(e -> assertThat(((SkyfnException) e).code()).isEqualTo(ErrorCode.CONFLICT));
    }

    @Test
    void aNodeCostsItsPriceFromRequestToRelease() {
        Instant t0 = Instant.parse("2026-11-30T10:00:00Z");
        var node = ElasticNode.requested("spot-eu-3", "spot-eu", t0, 0.36, false, "a burst");
        assertThat(node.cost(t0.plusSeconds(1800))).isCloseTo(0.18, org.assertj.core.data.Offset.offset(1e-9));
        ElasticNode ready = node.after(NodeLifecycle.Event.JOINED, t0.plusSeconds(40), null);
        assertThat(ready.readyAt()).isEqualTo(t0.plusSeconds(40).toString());
        ElasticNode released = ready.after(NodeLifecycle.Event.DRAIN, t0.plusSeconds(3000), "idle")
                .after(NodeLifecycle.Event.DRAINED, t0.plusSeconds(3600), null);
        assertThat(released.state()).isEqualTo(NodeState.RELEASED);
        assertThat(released.why()).isEqualTo("a burst; then idle");
        assertThat(released.cost(t0.plusSeconds(99_999))).isCloseTo(0.36, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void aNodeWhosePriceMovesCostsEachPriceForTheTimeItHeld() {
        Instant t0 = Instant.parse("2026-11-30T10:00:00Z");
        var node = ElasticNode.requested("spot-eu-3", "spot-eu", t0, 0.36, false, "a burst");
        // 30 min at $0.36, then 15 min at $0.72, then 15 min at $0.12
        ElasticNode moved = node.repriced(0.72, t0.plusSeconds(1800)).repriced(0.72, t0.plusSeconds(2000))
                .repriced(0.12, t0.plusSeconds(2700));
        assertThat(moved.cost(t0.plusSeconds(3600))).isCloseTo(0.18 + 0.18 + 0.03, org.assertj.core.data.Offset.offset(1e-9));
        ElasticNode released = moved.after(NodeLifecycle.Event.DRAIN, t0.plusSeconds(3600), "idle")
                .after(NodeLifecycle.Event.DRAINED, t0.plusSeconds(3600), null);
        assertThat(released.repriced(9.0, t0.plusSeconds(4000))).isSameAs(released);
        assertThat(released.cost(t0.plusSeconds(99_999))).isCloseTo(0.39, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void aServerlessPoolsNodeCostsOnlyTheTimeItServedCallsAtThePriceOfTheMomentItWasReported() {
        Instant t0 = Instant.parse("2026-11-30T10:00:00Z");
        ElasticNode node = ElasticNode.requested("run-eu-1", "run-eu", t0, 0.72, true, "a burst")
                .after(NodeLifecycle.Event.ACCEPTED, t0, null).after(NodeLifecycle.Event.JOINED, t0.plusSeconds(5), null);
        assertThat(node.cost(t0.plusSeconds(3600))).as("held an hour, idle").isZero();
        // 10 min busy at $0.72 an hour, then the price halves, then 5 min more; a report that adds nothing changes nothing
        ElasticNode used = node.used(600_000).repriced(0.36, t0.plusSeconds(900)).used(900_000);
        assertThat(used.used(900_000)).isSameAs(used);
        assertThat(used.cost(t0.plusSeconds(99_999))).isCloseTo(0.12 + 0.03, org.assertj.core.data.Offset.offset(1e-9));
        // its process started again: its count starts from 0, and what it reports is all new
        ElasticNode restarted = used.used(60_000);
        assertThat(restarted.cost(t0)).isCloseTo(0.15 + 0.006, org.assertj.core.data.Offset.offset(1e-9));
        ElasticNode released = restarted.after(NodeLifecycle.Event.DRAIN, t0.plusSeconds(1000), "idle")
                .after(NodeLifecycle.Event.DRAINED, t0.plusSeconds(1000), null);
        assertThat(released.used(999_999)).as("given back: no more use").isSameAs(released);
    }

    @Test
    void aNodeHeldIsNotChargedItsUse() {
        Instant t0 = Instant.parse("2026-11-30T10:00:00Z");
        ElasticNode node = ElasticNode.requested("spot-eu-3", "spot-eu", t0, 0.36, false, "a burst").used(600_000);
        assertThat(node.busyMs()).isEqualTo(600_000);
        assertThat(node.cost(t0.plusSeconds(1800))).isCloseTo(0.18, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void aRecordIsReadBackWhole() throws Exception {
        Instant t0 = Instant.parse("2026-11-30T10:00:00Z");
        ElasticNode node = ElasticNode.requested("run-eu-1", "run-eu", t0, 0.72, true, "a burst")
                .after(NodeLifecycle.Event.ACCEPTED, t0, null).used(1_097);
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        assertThat(json.readValue(json.writeValueAsBytes(node), ElasticNode.class)).isEqualTo(node);
    }
}
