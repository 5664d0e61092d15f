package dev.skyfn.node.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.workflow.Step;
import dev.skyfn.core.workflow.StepRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExecutionLogTest {

    @TempDir
    Path dir;

    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00.123456Z");

    private static Execution execution(String id) {
        return new Execution(id, new AppKey("acme", "shop"), "checkout", "{\"cart\":1}".getBytes(StandardCharsets.UTF_8), T0,
                T0.plusSeconds(60));
    }

    private static StepRecord step(String key, Step.Phase phase, String data) {
        return new StepRecord(key, key, "Task", phase, 1_000, data == null ? null : data.getBytes(StandardCharsets.UTF_8),
                null, null, null, 1);
    }

    private Map<String, Execution> reopen() {
        Map<String, Execution> replayed = new LinkedHashMap<>();
        ExecutionLog.open(dir.resolve("x.log"), replayed).close();
        return replayed;
    }

    @Test
    void rebuildsRunningAndEndedExecutionsWithTheirSteps() {
        Map<String, Execution> none = new LinkedHashMap<>();
        try (var log = ExecutionLog.open(dir.resolve("x.log"), none)) {
            Execution running = execution("e1");
            log.started(running).join();
            log.step(running, step("Pay", Step.Phase.ENTERED, "{\"cart\":1}"));
            log.step(running, step("Pay", Step.Phase.SUCCEEDED, "{\"paid\":true}"));
            log.step(running, step("Ship", Step.Phase.ENTERED, null));

            Execution ended = execution("e2");
            log.started(ended).join();
            ended.finish(new Execution.End(Execution.Status.FAILED, T0.plusSeconds(2), null, "", "Out.Of.Stock", "none left"));
            log.ended(ended).join();
        }
        Map<String, Execution> replayed = reopen();
        assertThat(replayed).containsOnlyKeys("e1", "e2");
        Execution e1 = replayed.get("e1");
        assertThat(e1.status()).isEqualTo(Execution.Status.RUNNING);
        assertThat(e1.started()).isEqualTo(T0.truncatedTo(ChronoUnit.MICROS));
        assertThat(e1.deadline()).isEqualTo(T0.plusSeconds(60));
        assertThat(new String(e1.input(), StandardCharsets.UTF_8)).isEqualTo("{\"cart\":1}");
        assertThat(e1.steps()).extracting(StepRecord::key, StepRecord::phase)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("Pay", Step.Phase.ENTERED),
                        org.assertj.core.groups.Tuple.tuple("Pay", Step.Phase.SUCCEEDED),
                        org.assertj.core.groups.Tuple.tuple("Ship", Step.Phase.ENTERED));
        List<StepRecord> memo = e1.memo();
        assertThat(memo).hasSize(1);
        assertThat(new String(memo.getFirst().data(), StandardCharsets.UTF_8)).isEqualTo("{\"paid\":true}");

        Execution e2 = replayed.get("e2");
        assertThat(e2.status()).isEqualTo(Execution.Status.FAILED);
        assertThat(e2.end().error()).isEqualTo("Out.Of.Stock");
        assertThat(e2.end().cause()).isEqualTo("none left");
        assertThat(e2.done()).isCompleted();
    }

    @Test
    void forgetsDroppedExecutionsAndCompactsToWhatIsKept() {
        Map<String, Execution> none = new LinkedHashMap<>();
        long before;
        try (var log = ExecutionLog.open(dir.resolve("x.log"), none)) {
            List<Execution> all = new java.util.ArrayList<>();
            for (int i = 0; i < 50; i++) {
                Execution e = execution("e" + i);
                all.add(e);
                log.started(e).join();
                log.step(e, step("A", Step.Phase.SUCCEEDED, "{\"i\":" + i + "}"));
            }
            for (int i = 0; i < 49; i++) {
                log.forgot(all.get(i));
            }
            log.sync();
            before = log.size();
            Execution kept = execution("e49");
            kept.step(step("A", Step.Phase.SUCCEEDED, "{\"i\":49}"));
            log.compact(List.of(kept));
            assertThat(log.size()).isLessThan(before / 10);
        }
        Map<String, Execution> replayed = reopen();
        assertThat(replayed).containsOnlyKeys("e49");
        assertThat(replayed.get("e49").memo()).hasSize(1);
    }
}
