package dev.skyfn.core.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Definitions, inputs and what AWS Step Functions returns for them (the output, or the error and
 * cause the execution fails with), one case per file under {@code asl-conformance/}: the same
 * definition and input must give the same result here. Causes of errors the platform words itself
 * ({@code States.Runtime}, {@code States.IntrinsicFailure}, …) are not compared, only their names,
 * nor a cause a case leaves out; a {@code null} error or cause is one the execution does not have.
 * A case may leave fields of its output out ({@code "ignore"}: recorded values that were random),
 * and {@code "<uuid:1>"} stands for any UUID.
 */
class AslConformanceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> PLATFORM_WORDED = Set.of(WorkflowError.RUNTIME, WorkflowError.INTRINSIC_FAILURE,
            "States.ExceedToleratedFailureThreshold", "States.QueryEvaluationError");
    /** Numbers equal whatever their JSON form (2 and 2.0), as JSON compares them. */
    private static final Comparator<JsonNode> NUMERIC = (a, b) -> a.isNumber() && b.isNumber()
            ? a.decimalValue().compareTo(b.decimalValue()) : a.equals(b) || random(a, b) || random(b, a) ? 0 : 1;

    /** A recorded random value ({@code "<uuid:1>"}) stands for any value of its kind. */
    private static boolean random(JsonNode recorded, JsonNode actual) {
        return recorded.isTextual() && recorded.asText().matches("<uuid:\\d+>") && actual.isTextual()
                && actual.asText().matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    }

    static Stream<Path> cases() throws Exception {
        Path root = Path.of(AslConformanceTest.class.getResource("/asl-conformance").toURI());
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(f -> f.toString().endsWith(".json")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void givesWhatAwsGives(Path file) throws Exception {
        JsonNode c = JSON.readTree(file.toFile());
        Definition d = DefinitionReader.read(c.get("definition"), Set.of());
        JsonNode output;
        try {
            output = Interpreter.run(d, "conformance", c.get("input"), "conformance-1", new FakeRuntime());
        } catch (WorkflowError e) {
            if (!c.has("error")) {
                fail("expected the output " + c.get("output") + ", failed with " + e.error() + ": " + e.cause());
            }
            assertThat(e.error()).as("error").isEqualTo(c.get("error").isNull() ? "" : c.get("error").asText());
            if (!PLATFORM_WORDED.contains(e.error()) && c.has("cause")) {
                assertThat(e.cause()).as("cause").isEqualTo(c.path("cause").isNull() || c.path("cause").isMissingNode() ? ""
                        : c.get("cause").asText());
            }
            return;
        }
        if (c.has("error")) {
            fail("expected the error " + c.get("error") + ", gave " + output);
        }
        JsonNode expected = c.get("output");
        for (JsonNode ignored : c.path("ignore")) {
            ((com.fasterxml.jackson.databind.node.ObjectNode) output).remove(ignored.asText());
            ((com.fasterxml.jackson.databind.node.ObjectNode) expected).remove(ignored.asText());
        }
        assertThat(output.equals(NUMERIC, expected)).as("output %s, expected %s", output, expected).isTrue();
    }
}
