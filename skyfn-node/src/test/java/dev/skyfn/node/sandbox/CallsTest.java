package dev.skyfn.node.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.core.wire.Message;
import dev.skyfn.core.wire.Payload;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CallsTest {

    private final Calls calls = new Calls();
    private final List<Long> cancelled = new ArrayList<>();
    private final List<String> hung = new ArrayList<>();

    private Sandbox.Call open(long deadline, String label) {
        return calls.open(id -> new Message.Cancel(id), deadline, label, m -> true,
                id -> new Message.Failure(id, "SANDBOX_CRASHED", "gone", ""));
    }

    private void expire(long now) {
        calls.expire(now, 100, cancelled::add, c -> hung.add(c.label()));
    }

    private static final String KEPT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    private static final String NOT_KEPT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";
    private static final String OTHER = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @Test
    void vouchesOnlyForATraceparentItGaveACallStillInFlight() {
        Sandbox.Call traced = calls.open(id -> new Message.Invoke(id, 0, "f", "inv-1", 1_000, Payload.EMPTY, KEPT), 1_000, "inv-1",
                m -> true, id -> new Message.Failure(id, "SANDBOX_CRASHED", "gone", ""));
        open(1_000, "untraced");
        assertThat(calls.gave(KEPT)).isTrue();
        assertThat(calls.gave(NOT_KEPT)).as("the same trace with its sampled flag set by the sandbox").isFalse();
        assertThat(calls.gave(NOT_KEPT.replace("-00", "-01").replace("b7ad", "c7ad"))).as("a span id not given").isFalse();
        assertThat(calls.gave(OTHER)).as("another trace").isFalse();
        assertThat(calls.gave("")).isFalse();
        calls.answer(traced.id(), new Message.Result(traced.id(), Payload.EMPTY));
        assertThat(calls.gave(KEPT)).as("once the call is answered").isFalse();
    }

    @Test
    void vouchesForEachTraceparentOfABatchUntilItsOwnCallIsAnswered() {
        List<Sandbox.Call> batch = calls.openEach(List.of("inv-1", "inv-2"), ids -> new Message.InvokeEach(0, "f", 1_000,
                        List.of(new Message.Item(ids[0], "inv-1", Payload.EMPTY, KEPT), new Message.Item(ids[1], "inv-2", Payload.EMPTY, OTHER))),
                1_000, m -> true, id -> new Message.Failure(id, "SANDBOX_CRASHED", "gone", ""));
        assertThat(calls.gave(KEPT)).isTrue();
        assertThat(calls.gave(OTHER)).isTrue();
        calls.answer(batch.get(1).id(), new Message.Result(batch.get(1).id(), Payload.EMPTY));
        assertThat(calls.gave(OTHER)).isFalse();
        assertThat(calls.gave(KEPT)).isTrue();
    }

    @Test
    void answersMatchTheirCallsById() {
        Sandbox.Call a = open(1_000, "a");
        Sandbox.Call b = open(1_000, "b");
        assertThat(calls.answer(b.id(), new Message.Result(b.id(), Payload.EMPTY))).isTrue();
        assertThat(b.answer()).isCompleted();
        assertThat(a.answer()).isNotDone();
        assertThat(calls.answer(b.id(), new Message.Result(b.id(), Payload.EMPTY))).as("answered once").isFalse();
        assertThat(calls.live()).isEqualTo(1);
    }

    @Test
    void timesOutCallsPastTheirDeadlineOnceAndCancelsThem() {
        Sandbox.Call late = open(1_000, "late");
        Sandbox.Call fine = open(5_000, "fine");
        expire(999);
        assertThat(late.answer()).isNotDone();
        expire(1_000);
        expire(1_050);
        assertThat(late.answer().join()).isInstanceOfSatisfying(Message.Failure.class,
                f -> assertThat(f.code()).isEqualTo(Calls.TIMED_OUT));
        assertThat(cancelled).containsExactly(late.id());
        assertThat(fine.answer()).isNotDone();
        assertThat(calls.live()).as("a cancelled call is no longer counted as live").isEqualTo(1);
    }

    @Test
    void reportsACancelledCallStillRunningAfterTheGraceOnce() {
        Sandbox.Call stuck = open(1_000, "stuck");
        Sandbox.Call stops = open(1_000, "stops");
        expire(1_000);
        calls.answer(stops.id(), new Message.Failure(stops.id(), Calls.TIMED_OUT, "interrupted", ""));
        expire(1_100);
        assertThat(hung).isEmpty();
        expire(1_101);
        expire(2_000);
        assertThat(hung).containsExactly("stuck");
        calls.answer(stuck.id(), new Message.Failure(stuck.id(), Calls.TIMED_OUT, "finally", ""));
        assertThat(calls.live()).isZero();
    }

    @Test
    void aCallGivenUpOnBeforeItsDeadlineIsAnsweredAtOnceAndReportedIfItRunsOnPastTheGrace() {
        Sandbox.Call stuck = open(1_000_000, "stuck");
        Sandbox.Call stops = open(1_000_000, "stops");
        var cancelledAnswer = new Message.Failure(stuck.id(), "CANCELLED", "cancelled", "");
        assertThat(calls.giveUp(stuck.id(), cancelledAnswer, 1_000)).isTrue();
        assertThat(calls.giveUp(stuck.id(), cancelledAnswer, 1_050)).as("once").isFalse();
        assertThat(calls.giveUp(stops.id(), new Message.Failure(stops.id(), "CANCELLED", "cancelled", ""), 1_000)).isTrue();
        assertThat(stuck.answer()).isCompletedWithValue(cancelledAnswer);
        assertThat(calls.live()).as("neither counts as running").isZero();
        calls.answer(stops.id(), new Message.Failure(stops.id(), "CANCELLED", "interrupted", ""));
        expire(1_100);
        assertThat(hung).isEmpty();
        assertThat(cancelled).as("the sandbox was told by whoever gave up, not again").isEmpty();
        expire(1_101);
        expire(2_000);
        assertThat(hung).containsExactly("stuck");
    }

    @Test
    void failsEveryCallWhenTheSandboxDies() {
        Sandbox.Call a = open(1_000, "a");
        Sandbox.Call b = open(1_000, "b");
        calls.answerAll(id -> new Message.Failure(id, "SANDBOX_CRASHED", "gone", ""));
        assertThat(List.of(a, b)).allSatisfy(c -> assertThat(c.answer().join())
                .isInstanceOfSatisfying(Message.Failure.class, f -> assertThat(f.code()).isEqualTo("SANDBOX_CRASHED")));
    }

    @Test
    void aCallThatCannotBeSentFailsAtOnce() {
        Sandbox.Call unsent = calls.open(id -> new Message.Cancel(id), 1_000, "x", m -> false,
                id -> new Message.Failure(id, "SANDBOX_CRASHED", "gone", ""));
        assertThat(unsent.answer()).isCompleted();
        assertThat(calls.live()).isZero();
    }
}
