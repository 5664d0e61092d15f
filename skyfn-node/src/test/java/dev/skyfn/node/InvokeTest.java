package dev.skyfn.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.core.testing.JarBuilder;
import dev.skyfn.node.apps.Hello;
import java.nio.file.Path;
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
}
