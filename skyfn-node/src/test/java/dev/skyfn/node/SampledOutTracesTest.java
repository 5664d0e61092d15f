package dev.skyfn.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skyfn.core.testing.JarBuilder;
import dev.skyfn.core.testing.OtlpCollector;
import dev.skyfn.node.apps.Traced;
import dev.skyfn.node.tracing.Tracing;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node that keeps none of the traces that start at its gateway (sampling ratio 0): a request
 * without a {@code traceparent} still runs in a trace of its own, which its function reads and
 * passes on to the function it calls, not kept, and of which no span is sent; a caller's kept
 * trace is still followed.
 */
@Tag("slow")
class SampledOutTracesTest {

    @TempDir
    static Path dir;
    static OtlpCollector collector;
    static TestNode node;

    @BeforeAll
    static void start() {
        collector = new OtlpCollector();
        node = TestNode.start(TestNode.config(dir).tracing(new Tracing.Export(collector.endpoint(), 0.0)).build(), true);
        for (String app : new String[] {"front", "back"}) {
            var res = node.deploy(JarBuilder.app("app: " + app + "\nfunctions:\n  relay: {handler: dev.skyfn.node.apps.Traced$Relay}\n"
                    + "  parent: {handler: dev.skyfn.node.apps.Traced$Parent}\n").classes(Traced.class));
            assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
        }
    }

    @AfterAll
    static void stop() {
        node.close();
        collector.close();
    }

    private static HttpResponse<String> relay(String... headers) {
        String[] all = new String[headers.length + 2];
        all[0] = "Content-Type";
        all[1] = "text/plain";
        System.arraycopy(headers, 0, all, 2, headers.length);
        return node.send("POST", "/v1/apps/front/functions/relay:invoke", "back/parent".getBytes(StandardCharsets.UTF_8), all);
    }

    @Test
    void aRequestWithoutATraceRunsInOneNotKeptThatItsCallToAnotherAppCarriesOn() {
        HttpResponse<String> res = relay();
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        String[] seen = res.body().split(" ");
        assertThat(seen).as("the relay's traceparent and its callee's").hasSize(2)
                .allSatisfy(tp -> assertThat(tp).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-00"));
        String trace = seen[0].substring(3, 35);
        assertThat(trace).isNotEqualTo("0".repeat(32));
        // no span is made under a trace not kept: the callee gets the context its caller ran in, as it was
        assertThat(seen[1]).as("one trace").isEqualTo(seen[0]);
        assertThat(relay().body()).as("each request a trace of its own").doesNotContain(trace);

        // a kept call made after it: once its spans are in, any of the unkept one would be too
        String kept = "5bf92f3577b34da6a3ce929d0e0e4736";
        assertThat(relay("traceparent", "00-" + kept + "-00f067aa0ba902b7-01").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            node.platform.node().tracing().flush();
            return collector.trace(kept).stream().anyMatch(s -> s.name().equals("invoke back/parent"));
        });
        assertThat(collector.trace(trace)).isEmpty();
        assertThat(node.platform.node().tracing().recent().trace(trace)).isEmpty();
    }
}
