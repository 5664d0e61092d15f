package dev.skyfn.core.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class InterpreterTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final FakeRuntime runtime = new FakeRuntime()
            .function("double", in -> IntNode.valueOf(in.asInt() * 2))
            .function("echo", in -> in)
            .function("sum", in -> {
                int s = 0;
                for (JsonNode n : in) {
                    s += n.asInt();
                }
                return IntNode.valueOf(s);
            });

    private static JsonNode json(String s) {
        try {
            return JSON.readTree(s.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private JsonNode run(String definition, String input) throws InterruptedException {
        Definition d = DefinitionReader.read(json(definition), Set.of("double", "echo", "sum", "flaky", "fails", "slow"));
        return Interpreter.run(d, json(input), "exec-1", runtime);
    }

    @Test
    void passesDataThroughInputPathParametersResultSelectorResultPathAndOutputPath() throws Exception {
        JsonNode out = run("""
                {'StartAt': 'Twice', 'States': {'Twice': {'Type': 'Task', 'Resource': 'double',
                  'InputPath': '$.order', 'Parameters': {'n.$': '$.quantity', 'fixed': 1},
                  'ResultSelector': {'doubled.$': '$'},
                  'ResultPath': '$.result', 'OutputPath': '$.result', 'End': true}}}
                """.replace("'Resource': 'double',", "'Resource': 'echo',"), "{'order': {'quantity': 21}}");
        assertThat(out).isEqualTo(json("{'doubled': {'n': 21, 'fixed': 1}}"));
    }

    @Test
    void chainsTasksAndMergesResultsIntoTheInput() throws Exception {
        JsonNode out = run("""
                {'StartAt': 'A', 'States': {
                  'A': {'Type': 'Task', 'Resource': 'double', 'InputPath': '$.n', 'ResultPath': '$.a', 'Next': 'B'},
                  'B': {'Type': 'Task', 'Resource': 'double', 'InputPath': '$.a', 'ResultPath': '$.b', 'Next': 'C'},
                  'C': {'Type': 'Pass', 'Result': 'done', 'ResultPath': '$.status', 'End': true}}}
                """, "{'n': 5}");
        assertThat(out).isEqualTo(json("{'n': 5, 'a': 10, 'b': 20, 'status': 'done'}"));
        assertThat(runtime.keys(Step.Phase.SUCCEEDED)).containsExactly("A", "B", "C");
    }

    @Test
    void aNullResultPathKeepsTheInputAndNullPathsGiveEmptyObjects() throws Exception {
        assertThat(run("{'StartAt': 'A', 'States': {'A': {'Type': 'Task', 'Resource': 'double', 'InputPath': '$.n', "
                + "'ResultPath': null, 'End': true}}}", "{'n': 2}")).isEqualTo(json("{'n': 2}"));
        assertThat(run("{'StartAt': 'A', 'States': {'A': {'Type': 'Pass', 'OutputPath': null, 'End': true}}}", "{'n': 2}"))
                .isEqualTo(json("{}"));
    }

    @Test
    void choosesTheFirstRuleThatHoldsAndLoops() throws Exception {
        JsonNode out = run("""
                {'StartAt': 'Check', 'States': {
                  'Check': {'Type': 'Choice', 'Choices': [
                      {'And': [{'Variable': '$.n', 'NumericLessThan': 100}, {'Or': [{'Variable': '$.stop', 'IsPresent': false}, {'Variable': '$.stop', 'BooleanEquals': false}]}],
                       'Next': 'Grow'},
                      {'Variable': '$.label', 'StringMatches': 'big*', 'Next': 'Big'}],
                    'Default': 'Other'},
                  'Grow': {'Type': 'Task', 'Resource': 'double', 'InputPath': '$.n', 'ResultPath': '$.n', 'Next': 'Check'},
                  'Big': {'Type': 'Pass', 'Result': 'big', 'ResultPath': '$.kind', 'End': true},
                  'Other': {'Type': 'Pass', 'Result': 'other', 'ResultPath': '$.kind', 'End': true}}}
                """, "{'n': 3, 'label': 'bigger'}");
        assertThat(out.get("n").asInt()).isEqualTo(192);
        assertThat(out.get("kind").asText()).isEqualTo("big");
        assertThat(runtime.keys(Step.Phase.SUCCEEDED)).contains("Grow", "Grow#2", "Grow#6", "Check#7");
    }

    @Test
    void comparesTimestampsAndVariablesWithOtherPaths() throws Exception {
        JsonNode out = run("""
                {'StartAt': 'C', 'States': {
                  'C': {'Type': 'Choice', 'Choices': [
                      {'Variable': '$.due', 'TimestampLessThanPath': '$.now', 'Next': 'Late'},
                      {'Variable': '$.due', 'IsTimestamp': false, 'Next': 'Bad'}],
                    'Default': 'OnTime'},
                  'Late': {'Type': 'Pass', 'Result': 'late', 'End': true},
                  'Bad': {'Type': 'Pass', 'Result': 'bad', 'End': true},
                  'OnTime': {'Type': 'Pass', 'Result': 'on time', 'End': true}}}
                """, "{'due': '2026-11-20T10:00:00+01:00', 'now': '2026-11-20T09:30:00Z'}");
        assertThat(out.asText()).isEqualTo("late");
        assertThat(run("{'StartAt': 'C', 'States': {'C': {'Type': 'Choice', 'Choices': [{'Variable': '$.due', "
                + "'IsTimestamp': false, 'Next': 'Bad'}], 'Default': 'Ok'}, 'Bad': {'Type': 'Pass', 'Result': 'bad', 'End': true}, "
                + "'Ok': {'Type': 'Pass', 'Result': 'ok', 'End': true}}}", "{'due': 'tomorrow'}").asText()).isEqualTo("bad");
    }

    @Test
    void failsWhenNoRuleHoldsAndThereIsNoDefault() {
        assertThatThrownBy(() -> run("{'StartAt': 'C', 'States': {'C': {'Type': 'Choice', 'Choices': [{'Variable': '$.x', "
                + "'IsPresent': true, 'Next': 'E'}]}, 'E': {'Type': 'Succeed'}}}", "{}"))
                .isInstanceOfSatisfying(WorkflowError.class, e -> assertThat(e.error()).isEqualTo("States.NoChoiceMatched"));
    }

    @Test
    void retriesWithBackoffThenSucceeds() throws Exception {
        AtomicInteger tries = new AtomicInteger();
        runtime.function("flaky", in -> {
            if (tries.incrementAndGet() < 3) {
                throw new WorkflowError("java.io.IOException", "try " + tries.get());
            }
            return IntNode.valueOf(tries.get());
        });
        Instant start = runtime.now();
        JsonNode out = run("{'StartAt': 'F', 'States': {'F': {'Type': 'Task', 'Resource': 'flaky', 'End': true, "
                + "'Retry': [{'ErrorEquals': ['IOException'], 'IntervalSeconds': 1, 'BackoffRate': 2, 'MaxAttempts': 5}]}}}", "{}");
        assertThat(out.asInt()).isEqualTo(3);
        assertThat(runtime.now()).isEqualTo(start.plusSeconds(1 + 2));
        assertThat(runtime.keys(Step.Phase.RETRYING)).containsExactly("F", "F");
    }

    @Test
    void catchesAfterRetriesRunOutAndPutsTheErrorAtItsResultPath() throws Exception {
        runtime.function("fails", in -> {
            throw new WorkflowError("java.lang.IllegalStateException", "boom");
        });
        JsonNode out = run("""
                {'StartAt': 'F', 'States': {
                  'F': {'Type': 'Task', 'Resource': 'fails', 'Next': 'Never',
                        'Retry': [{'ErrorEquals': ['States.Timeout'], 'MaxAttempts': 3}],
                        'Catch': [{'ErrorEquals': ['States.TaskFailed'], 'ResultPath': '$.error', 'Next': 'Handled'}]},
                  'Never': {'Type': 'Fail'},
                  'Handled': {'Type': 'Succeed'}}}
                """, "{'order': 1}");
        assertThat(out).isEqualTo(json("{'order': 1, 'error': {'Error': 'java.lang.IllegalStateException', 'Cause': 'boom'}}"));
        assertThat(runtime.calls).hasSize(1);
    }

    @Test
    void taskFailedDoesNotCatchATimeout() {
        runtime.function("slow", in -> {
            throw new WorkflowError(WorkflowError.TIMEOUT, "too slow");
        });
        assertThatThrownBy(() -> run("{'StartAt': 'S', 'States': {'S': {'Type': 'Task', 'Resource': 'slow', 'End': true, "
                + "'Catch': [{'ErrorEquals': ['States.TaskFailed'], 'Next': 'S'}]}}}", "{}"))
                .isInstanceOfSatisfying(WorkflowError.class, e -> assertThat(e.error()).isEqualTo("States.Timeout"));
    }

    @Test
    void runsParallelBranchesAndCollectsTheirOutputsInOrder() throws Exception {
        JsonNode out = run("""
                {'StartAt': 'P', 'States': {'P': {'Type': 'Parallel', 'End': true, 'Branches': [
                  {'StartAt': 'A', 'States': {'A': {'Type': 'Task', 'Resource': 'double', 'End': true}}},
                  {'StartAt': 'B', 'States': {'B': {'Type': 'Pass', 'Result': 'b', 'End': true}}}]}}}
                """, "21");
        assertThat(out).isEqualTo(json("[42, 'b']"));
        assertThat(runtime.keys(Step.Phase.SUCCEEDED)).contains("P(0)/A", "P(1)/B", "P");
    }

    @Test
    void aFailingBranchFailsTheParallel() {
        runtime.function("fails", in -> {
            throw new WorkflowError("Oops", "branch broke");
        });
        assertThatThrownBy(() -> run("""
                {'StartAt': 'P', 'States': {'P': {'Type': 'Parallel', 'End': true, 'Branches': [
                  {'StartAt': 'A', 'States': {'A': {'Type': 'Task', 'Resource': 'fails', 'End': true}}},
                  {'StartAt': 'B', 'States': {'B': {'Type': 'Pass', 'End': true}}}]}}}
                """, "{}")).isInstanceOfSatisfying(WorkflowError.class, e -> assertThat(e.error()).isEqualTo("Oops"));
    }

    @Test
    void mapsOverItemsWithBoundedConcurrencyAndTheItemContext() throws Exception {
        JsonNode out = run("""
                {'StartAt': 'M', 'States': {'M': {'Type': 'Map', 'ItemsPath': '$.items', 'MaxConcurrency': 2, 'End': true,
                  'ItemSelector': {'n.$': '$$.Map.Item.Value', 'i.$': '$$.Map.Item.Index', 'tag.$': '$.tag'},
                  'ItemProcessor': {'StartAt': 'E', 'States': {'E': {'Type': 'Task', 'Resource': 'echo', 'End': true}}}}}}
                """, "{'items': [10, 20, 30, 40, 50], 'tag': 't'}");
        assertThat(out).hasSize(5);
        assertThat(out.get(3)).isEqualTo(json("{'n': 40, 'i': 3, 'tag': 't'}"));
        assertThat(runtime.mostRunning.get()).isLessThanOrEqualTo(2);
        assertThat(runtime.keys(Step.Phase.SUCCEEDED)).contains("M[0]/E", "M[4]/E");
    }

    @Test
    void aJsonataTaskGetsItsArgumentsAndPassesOnAndAssignsFromItsResult() throws Exception {
        JsonNode out = run("""
                {'QueryLanguage': 'JSONata', 'StartAt': 'Twice', 'States': {
                  'Twice': {'Type': 'Task', 'Resource': 'double', 'Arguments': '{% $states.input.order.qty %}',
                    'Output': {'order': '{% $states.input.order %}', 'doubled': '{% $states.result %}'},
                    'Assign': {'last': '{% $states.result %}'}, 'Next': 'Report'},
                  'Report': {'Type': 'Pass', 'Output': '{% $states.input.doubled + $last %}', 'End': true}}}
                """, "{'order': {'qty': 21}}");
        assertThat(out.asInt()).isEqualTo(84);
        assertThat(runtime.calls).containsExactly("double 21");
    }

    @Test
    void aPassAssignsFromTheResultItPassesOnEvaluatedOnce() throws Exception {
        JsonNode out = run("""
                {'StartAt': 'Make', 'States': {
                  'Make': {'Type': 'Pass', 'Parameters': {'id.$': 'States.UUID()'}, 'Assign': {'seen.$': '$.id'}, 'Next': 'Check'},
                  'Check': {'Type': 'Pass', 'Parameters': {'id.$': '$.id', 'seen.$': '$seen'}, 'End': true}}}
                """, "{}");
        assertThat(out.get("seen")).isEqualTo(out.get("id"));
    }

    @Test
    void anUnboundedMapOverTwentyThousandItemsRunsFortyAtOnceAndFinishes() throws Exception {
        var items = JSON.createArrayNode();
        for (int i = 0; i < 20_000; i++) {
            items.add(i);
        }
        Definition d = DefinitionReader.read(json("""
                {'StartAt': 'M', 'States': {'M': {'Type': 'Map', 'MaxConcurrency': 0, 'End': true,
                  'ItemProcessor': {'StartAt': 'E', 'States': {'E': {'Type': 'Task', 'Resource': 'echo', 'TimeoutSeconds': 5, 'End': true}}}}}}
                """), Set.of("echo"));
        JsonNode out = Interpreter.run(d, items, "exec-1", runtime);
        assertThat(out).hasSize(20_000);
        assertThat(out.get(19_999).asInt()).isEqualTo(19_999);
        assertThat(runtime.mostRunning.get()).isLessThanOrEqualTo(Interpreter.INLINE_MAP_CONCURRENCY);
    }

    @Test
    void aMapToleratesTheFailuresItSaysAndNoMore() throws Exception {
        runtime.function("odd", in -> {
            if (in.asInt() % 2 == 1) {
                throw new WorkflowError("OddItem", "item " + in.asInt());
            }
            return in;
        });
        String machine = """
                {'StartAt': 'M', 'States': {'M': {'Type': 'Map', 'End': true, %s,
                  'ItemProcessor': {'StartAt': 'E', 'States': {'E': {'Type': 'Task', 'Resource': 'odd', 'End': true}}}}}}
                """;
        Definition half = DefinitionReader.read(json(machine.formatted("'ToleratedFailurePercentage': 50")), Set.of("odd"));
        JsonNode out = Interpreter.run(half, json("[0, 1, 2, 3]"), "exec-1", runtime);
        assertThat(out.get(0).asInt()).isZero();
        assertThat(out.get(1)).isEqualTo(json("{'Error': 'OddItem', 'Cause': 'item 1'}"));
        Definition one = DefinitionReader.read(json(machine.formatted("'ItemsPath': '$.items', 'ToleratedFailureCountPath': '$.tolerate'")),
                Set.of("odd"));
        assertThatThrownBy(() -> Interpreter.run(one, json("{'items': [1, 2, 3], 'tolerate': 1}"), "exec-2", runtime))
                .isInstanceOfSatisfying(WorkflowError.class, e -> assertThat(e.error()).isEqualTo("States.ExceedToleratedFailureThreshold"));
    }

    @Test
    void retriesWaitAtMostMaxDelaySecondsAndFullJitterWaitsPartOfIt() {
        var capped = new StateDef.Retrier(java.util.List.of("States.ALL"), java.time.Duration.ofSeconds(2), 10, 3,
                java.time.Duration.ofSeconds(10), false);
        assertThat(Interpreter.delay(capped, 0)).hasSeconds(2);
        assertThat(Interpreter.delay(capped, 1)).hasSeconds(6);
        assertThat(Interpreter.delay(capped, 2)).hasSeconds(10);
        var jittered = new StateDef.Retrier(java.util.List.of("States.ALL"), java.time.Duration.ofSeconds(2), 10, 3, null, true);
        for (int i = 0; i < 100; i++) {
            assertThat(Interpreter.delay(jittered, 2)).isBetween(java.time.Duration.ZERO, java.time.Duration.ofSeconds(18));
        }
    }

    @Test
    void waitsForSecondsAPathOrATimestamp() throws Exception {
        Instant start = runtime.now();
        run("""
                {'StartAt': 'W1', 'States': {
                  'W1': {'Type': 'Wait', 'Seconds': 10, 'Next': 'W2'},
                  'W2': {'Type': 'Wait', 'SecondsPath': '$.delay', 'Next': 'W3'},
                  'W3': {'Type': 'Wait', 'Timestamp': '2026-01-01T01:00:00Z', 'End': true}}}
                """, "{'delay': 5}");
        assertThat(runtime.now()).isEqualTo(Instant.parse("2026-01-01T01:00:00Z"));
        assertThat(runtime.steps.stream().filter(s -> s.phase() == Step.Phase.WAITING).map(s -> s.data().asText()))
                .containsExactly(start.plusSeconds(10).toString(), start.plusSeconds(15).toString(), "2026-01-01T01:00:00Z");
    }

    @Test
    void aFailStateFailsTheExecutionWithItsErrorAndCause() {
        assertThatThrownBy(() -> run("{'StartAt': 'F', 'States': {'F': {'Type': 'Fail', 'Error': 'OutOfStock', 'Cause': 'no tea'}}}", "{}"))
                .isInstanceOfSatisfying(WorkflowError.class, e -> {
                    assertThat(e.error()).isEqualTo("OutOfStock");
                    assertThat(e.cause()).isEqualTo("no tea");
                });
    }

    @Test
    void aResumedExecutionDoesNotRunStepsWhoseOutcomeWasRecorded() throws Exception {
        String definition = """
                {'StartAt': 'A', 'States': {
                  'A': {'Type': 'Task', 'Resource': 'double', 'Next': 'W'},
                  'W': {'Type': 'Wait', 'Seconds': 60, 'Next': 'B'},
                  'B': {'Type': 'Task', 'Resource': 'double', 'End': true}}}
                """;
        Instant waitedUntil = runtime.now().plusSeconds(30);
        runtime.memo.put("A", new Step("A", "A", "Task", Step.Phase.SUCCEEDED, runtime.now(), IntNode.valueOf(100), null, null, 1));
        runtime.memo.put("W", new Step("W", "W", "Wait", Step.Phase.WAITING, runtime.now(),
                com.fasterxml.jackson.databind.node.TextNode.valueOf(waitedUntil.toString()), null, null, 0));
        runtime.memo.put("B", new Step("B", "B", "Task", Step.Phase.ENTERED, runtime.now(), IntNode.valueOf(100), null, null, 1));
        JsonNode out = run(definition, "1");
        assertThat(out.asInt()).isEqualTo(200);
        assertThat(runtime.calls).containsExactly("double 100");
        assertThat(runtime.now()).isEqualTo(waitedUntil);
    }

    @Test
    void aRecordedFailureIsNotRetriedAgain() throws Exception {
        runtime.memo.put("F", new Step("F", "F", "Task", Step.Phase.FAILED, runtime.now(), null, "Oops", "recorded", 3));
        JsonNode out = run("{'StartAt': 'F', 'States': {'F': {'Type': 'Task', 'Resource': 'double', 'Next': 'X', "
                + "'Retry': [{'ErrorEquals': ['States.ALL'], 'MaxAttempts': 3}], "
                + "'Catch': [{'ErrorEquals': ['States.ALL'], 'Next': 'Y'}]}, 'X': {'Type': 'Fail'}, 'Y': {'Type': 'Succeed'}}}", "{}");
        assertThat(out).isEqualTo(json("{'Error': 'Oops', 'Cause': 'recorded'}"));
        assertThat(runtime.calls).isEmpty();
    }
}
