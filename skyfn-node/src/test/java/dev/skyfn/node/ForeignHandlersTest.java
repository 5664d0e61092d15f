package dev.skyfn.node;

import static dev.skyfn.node.Errors.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.skyfn.core.testing.JarBuilder;
import dev.skyfn.node.apps.Foreign;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Functions written for AWS Lambda and Google Cloud Functions deploy and run unchanged. */
@Tag("slow")
class ForeignHandlersTest {

    @TempDir
    static Path dir;
    static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.dev(dir);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void runsALambdaHandlerFromAJarThatBundlesTheLambdaInterfaces() {
        var deployed = node.deploy(JarBuilder.app("app: lambda\nfunctions: {echo: {handler: dev.skyfn.node.apps.Foreign$Lambda}}")
                .classes(Foreign.Lambda.class, RequestHandler.class, com.amazonaws.services.lambda.runtime.Context.class));
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        var res = node.invoke("lambda", "echo", "{\"order\":42}");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        var body = json(res);
        assertThat(body.get("echo").get("order").asInt()).isEqualTo(42);
        assertThat(body.get("requestId").asText()).isEqualTo(res.headers().firstValue("X-Skyfn-Invocation-Id").orElseThrow());
        assertThat(body.get("version").asText()).isEqualTo("1");
        String id = body.get("requestId").asText();
        assertThat(node.get("/v1/apps/lambda/logs?invocation=" + id).body()).contains("lambda got {order=42}");
    }

    @Test
    void runsACloudFunctionFromAJarWithoutTheFrameworkApi() {
        var deployed = node.deploy(JarBuilder.app("app: gcf\nfunctions: {web: {handler: dev.skyfn.node.apps.Foreign$Cloud, url: public}}")
                .classes(Foreign.Cloud.class));
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        var res = node.get("/fn/dev/gcf/web/hello?name=ada");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        assertThat(res.body()).isEqualTo("gcf GET /hello name=ada");
        assertThat(res.headers().firstValue("content-type")).contains("text/plain; charset=utf-8");
    }
}
