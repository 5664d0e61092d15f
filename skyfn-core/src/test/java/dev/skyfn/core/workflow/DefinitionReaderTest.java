package dev.skyfn.core.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DefinitionReaderTest {

    private static Definition read(String json) throws Exception {
        return DefinitionReader.read(new ObjectMapper().readTree(json.replace('\'', '"')), Set.of("resize", "store"));
    }

    private static void assertRefused(String json, String message) {
        assertThatThrownBy(() -> read(json)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }

    @Test
    void readsAMachineWithEveryStateType() throws Exception {
        Definition d = read("""
                {'StartAt': 'R', 'TimeoutSeconds': 60, 'States': {
                  'R': {'Type': 'Task', 'Resource': 'resize', 'Next': 'C', 'TimeoutSeconds': 5,
                        'Retry': [{'ErrorEquals': ['States.ALL']}], 'Catch': [{'ErrorEquals': ['States.ALL'], 'Next': 'F'}]},
                  'C': {'Type': 'Choice', 'Choices': [{'Variable': '$.n', 'NumericGreaterThanPath': '$.m', 'Next': 'P'}], 'Default': 'M'},
                  'P': {'Type': 'Parallel', 'Next': 'M', 'Branches': [{'StartAt': 'X', 'States': {'X': {'Type': 'Pass', 'End': true}}}]},
                  'M': {'Type': 'Map', 'Next': 'W', 'ItemsPath': '$.items', 'MaxConcurrency': 4,
                        'Iterator': {'StartAt': 'S', 'States': {'S': {'Type': 'Task', 'Resource': 'images/store', 'End': true}}}},
                  'W': {'Type': 'Wait', 'Seconds': 1, 'Next': 'OK'},
                  'OK': {'Type': 'Succeed'},
                  'F': {'Type': 'Fail', 'Error': 'Broken'}}}
                """);
        assertThat(d.states()).hasSize(7);
        assertThat(d.timeout()).isEqualTo(Duration.ofSeconds(60));
        var task = (StateDef.Task) d.states().get("R");
        assertThat(task.retry().getFirst().maxAttempts()).isEqualTo(3);
        assertThat(task.retry().getFirst().backoffRate()).isEqualTo(2.0);
    }

    @Test
    void namesAnUnknownNext() {
        assertRefused("{'StartAt': 'A', 'States': {'A': {'Type': 'Pass', 'Next': 'Nope'}, 'B': {'Type': 'Succeed'}}}",
                "state \"A\": Next 'Nope' is not a state");
    }

    @Test
    void namesAnUnreachableState() {
        assertRefused("{'StartAt': 'A', 'States': {'A': {'Type': 'Pass', 'End': true}, 'Lost': {'Type': 'Succeed'}}}",
                "state \"Lost\": unreachable");
    }

    @Test
    void refusesAMachineThatCannotEnd() {
        assertRefused("{'StartAt': 'A', 'States': {'A': {'Type': 'Pass', 'Next': 'B'}, 'B': {'Type': 'Pass', 'Next': 'A'}}}",
                "no state ends the machine");
    }

    @Test
    void refusesBadPaths() {
        assertRefused("{'StartAt': 'A', 'States': {'A': {'Type': 'Pass', 'InputPath': 'items', 'End': true}}}",
                "state \"A\": InputPath");
        assertRefused("{'StartAt': 'A', 'States': {'A': {'Type': 'Pass', 'Parameters': {'x.$': '$.a[b'}, 'End': true}}}",
                "Parameters.x.$");
    }

    @Test
    void saysWhatIsNotSupportedRatherThanWhatItIsNot() {
        assertRefused("{'StartAt': 'A', 'States': {'A': {'Type': 'Pass', 'Output': {'x': 1}, 'End': true}}}",
                "Output: not a field of a Pass state in JSONPath: give the state (or the workflow) QueryLanguage: JSONata");
        assertRefused("{'QueryLanguage': 'JSONata', 'StartAt': 'A', 'States': {'A': {'Type': 'Pass', 'InputPath': '$.a', 'End': true}}}",
                "InputPath: not a field of a Pass state in JSONata (Assign, Output)");
        assertRefused("{'QueryLanguage': 'JSONata', 'StartAt': 'A', 'States': {'A': {'Type': 'Pass', 'QueryLanguage': 'JSONPath', 'End': true}}}",
                "a JSONata workflow cannot hold a JSONPath state");
        assertRefused("{'QueryLanguage': 'JSONata', 'StartAt': 'A', 'States': {'A': {'Type': 'Pass', 'Output': '{% $sum( %}', 'End': true}}}",
                "Output: '$sum(' is not a JSONata expression");
        assertRefused("{'StartAt': 'A', 'States': {'A': {'Type': 'Pass', 'QueryLanguage': 'JSONata', 'Assign': {'states': 1}, 'End': true}}}",
                "Assign.states: a variable name");
        assertRefused("{'StartAt': 'A', 'States': {'A': {'Type': 'Map', 'ItemBatcher': {}, 'End': true,"
                + " 'ItemProcessor': {'StartAt': 'B', 'States': {'B': {'Type': 'Pass', 'End': true}}}}}}", "ItemBatcher belongs to a distributed Map");
        assertRefused("{'StartAt': 'A', 'States': {'A': {'Type': 'Pass', 'Parameters': {'x.$': 'States.Nope($.a)'}, 'End': true}}}",
                "States.Nope is not an intrinsic function");
        assertRefused("{'StartAt': 'A', 'States': {'A': {'Type': 'Pass', 'Parameters': {'x.$': 'States.ArrayLength($.a, 2)'}, 'End': true}}}",
                "States.ArrayLength takes 1 arguments, not 2");
        assertRefused("{'StartAt': 'A', 'States': {'A': {'Type': 'Pass', 'ResultPath': '$.items[*]', 'End': true}}}",
                "ResultPath: '$.items[*]' is not a reference path");
        assertRefused("{'StartAt': 'A', 'States': {'A': {'Type': 'Pass', 'ResultPath': '$$.Execution.Input', 'End': true}}}",
                "ResultPath: '$$.Execution.Input' is not a reference path into the state's data");
        assertRefused("{'StartAt': 'A', 'States': {'A': {'Type': 'Fail', 'Error': 'E', 'ErrorPath': '$.e'}}}",
                "Error and ErrorPath, Cause and CausePath: one of each pair at most");
    }

    @Test
    void refusesResourcesThatNameNoFunction() {
        assertRefused("{'StartAt': 'A', 'States': {'A': {'Type': 'Task', 'Resource': 'crop', 'End': true}}}",
                "Resource: 'crop' names no function of the app (resize, store)");
    }

    @Test
    void refusesUnknownFieldsAndTypes() {
        assertRefused("{'StartAt': 'A', 'States': {'A': {'Type': 'Pass', 'Reslt': 1, 'End': true}}}",
                "state \"A\": Reslt: not a field of a Pass state");
        assertRefused("{'StartAt': 'A', 'States': {'A': {'Type': 'Sleep', 'End': true}}}", "'Sleep' is not a state type");
        assertRefused("{'StartAt': 'A', 'States': {'A': {'Type': 'Pass', 'Next': 'A', 'End': true}}}",
                "exactly one of Next and End");
    }

    @Test
    void checksNestedMachinesToo() {
        assertRefused("""
                {'StartAt': 'P', 'States': {'P': {'Type': 'Parallel', 'End': true, 'Branches': [
                  {'StartAt': 'X', 'States': {'X': {'Type': 'Pass', 'Next': 'Y'}}}]}}}
                """, "Branches[0]: state \"X\": Next 'Y' is not a state");
    }
}
