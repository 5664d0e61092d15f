package dev.skyfn.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skyfn.core.testing.JarBuilder;
import dev.skyfn.node.apps.Hello;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("slow")
class InvokeTest {

    @TempDir
    static Path dir;
    static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.dev(dir);
        var deployed = node.deploy(JarBuilder.app("""
                app: hello
                functions:
                  hello:
                    handler: dev.skyfn.node.apps.Hello
                """).classes(Hello.class));
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void invokesAFunctionInItsSandbox() {
        var res = node.invoke("hello", "hello", "skyfn");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        assertThat(res.body()).isEqualTo("Hello, skyfn!");
        assertThat(res.headers().firstValue("X-Skyfn-Invocation-Id")).isPresent();
    }

    @Test
    void keepsTheLogLinesAndOutputOfEachInvocation() {
        var res = node.invoke("hello", "hello", "logs");
        String id = res.headers().firstValue("X-Skyfn-Invocation-Id").orElseThrow();
        var logs = node.get("/v1/apps/hello/logs?invocation=" + id);
        assertThat(logs.body()).contains("greeting logs").contains("printed for logs");
    }

    @Test
    void aReaderFollowsTheLogsWithTheCursorEachAnswerGives() {
        node.invoke("hello", "hello", "first");
        var first = Errors.json(node.get("/v1/apps/hello/logs?function=hello"));
        assertThat(first.get("lines").toString()).contains("greeting first");
        assertThat(first.get("lines").get(0).get("node").asText()).as("the node that ran the call").isEqualTo("skyfn");
        assertThat(first.get("unreachable")).isEmpty();
        node.invoke("hello", "hello", "second");
        String after = "/v1/apps/hello/logs?function=hello&cursor=" + first.get("next").asText();
        // its output is shipped beside its log lines: wait for both before reading past them
        await().atMost(Duration.ofSeconds(10)).until(() -> node.get(after).body().contains("printed for second"));
        var next = Errors.json(node.get(after));
        assertThat(next.get("lines").toString()).as("only what came after the cursor").contains("greeting second").doesNotContain("first");
        var none = Errors.json(node.get("/v1/apps/hello/logs?cursor=" + next.get("next").asText()));
        assertThat(none.get("lines")).isEmpty();
        assertThat(none.get("next").asText()).isEqualTo(next.get("next").asText());
    }

    @Test
    void aCursorOrScopeNoAnswerGaveIsABadRequest() {
        Errors.assertError(node.get("/v1/apps/hello/logs?cursor=%21%21"), 400, "BAD_REQUEST", "cursor");
        Errors.assertError(node.get("/v1/apps/hello/logs?scope=everywhere"), 400, "BAD_REQUEST", "scope");
    }
}
