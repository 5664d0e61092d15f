package dev.skyfn.core.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dashjoin.jsonata.Jsonata;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class EvaluationBoundsTest {

    /** Calls itself for ever: JSONata runs a call in tail position as a loop, so it never nests deeper. */
    private static final String ENDLESS = "($f := function($n) { $f($n + 1) }; $f(0))";

    @Test
    void anEndlessExpressionStopsAtItsTime() {
        Jsonata expr = Jsonata.jsonata(ENDLESS);
        var frame = expr.createFrame();
        EvaluationBounds.apply(frame, Duration.ofMillis(300));
        long start = System.nanoTime();
        assertThatThrownBy(() -> expr.evaluate(null, frame)).hasMessageContaining("ran longer than 300 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void anEndlessExpressionStopsWhenItsThreadIsInterrupted() throws InterruptedException {
        Jsonata expr = Jsonata.jsonata(ENDLESS);
        var frame = expr.createFrame();
        EvaluationBounds.apply(frame, Duration.ofMinutes(5));
        var failure = new AtomicReference<Throwable>();
        Thread running = Thread.ofVirtual().start(() -> {
            try {
                expr.evaluate(null, frame);
            } catch (RuntimeException e) {
                failure.set(e);
            }
        });
        assertThat(running.join(Duration.ofMillis(200))).as("still running").isFalse();
        running.interrupt();
        assertThat(running.join(Duration.ofSeconds(10))).as("stopped once interrupted").isTrue();
        assertThat(failure.get()).hasMessageContaining("it was stopped");
    }

    @Test
    void aRecursionTooDeepFailsItsStateRatherThanItsSandbox() {
        var value = JsonataValue.of(TextNode.valueOf("{% ($f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) }; $f(100000)) %}"));
        var scope = new JsonataValue.Scope(JsonNodeFactory.instance.objectNode(), JsonNodeFactory.instance.objectNode(), null, null, Map.of());
        assertThatThrownBy(() -> value.evaluate(scope)).isInstanceOf(WorkflowError.class)
                .hasMessageContaining("nests more than " + EvaluationBounds.DEPTH)
                .satisfies(e -> assertThat(((WorkflowError) e).error()).isEqualTo(JsonataValue.QUERY_EVALUATION_ERROR));
    }

    @Test
    void anOrdinaryExpressionIsUnbothered() {
        var value = JsonataValue.of(TextNode.valueOf("{% $sum([1..10000]) %}"));
        var scope = new JsonataValue.Scope(JsonNodeFactory.instance.objectNode(), JsonNodeFactory.instance.objectNode(), null, null, Map.of());
        assertThat(value.evaluate(scope).asLong()).isEqualTo(50005000L);
    }
}
