package dev.skyfn.node;

import static dev.skyfn.node.Errors.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.core.testing.JarBuilder;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code examples/lambda-shop}: AWS Lambda code as {@code sam init} writes it, with the event
 * classes bundled as its build bundles them, answers through skyfn as on Lambda; and {@code
 * examples/gcf-events}, a Cloud Functions CloudEvents function as Google's guide writes it.
 */
@Tag("slow")
class ForeignExamplesTest {

    @TempDir
    Path dir;

    @Test
    void anApiGatewayHandlerAndAnSqsHandlerRunUnchanged() {
        try (TestNode node = TestNode.dev(dir)) {
            var deployed = node.deploy(JarBuilder.example("lambda-shop")
                    .jarOf(com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent.class)
                    .jarOf(org.joda.time.DateTime.class)); // the events library's dependency, which a Lambda package bundles too
            assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);

            var hello = node.get("/fn/dev/lambda-shop/hello/greetings?name=ada");
            assertThat(hello.statusCode()).as(hello.body()).isEqualTo(200);
            assertThat(hello.headers().firstValue("X-Custom-Header")).hasValue("application/json");
            var body = json(hello);
            assertThat(body.get("message").asText()).isEqualTo("hello ada");
            assertThat(body.get("path").asText()).isEqualTo("/greetings");
            assertThat(body.get("method").asText()).isEqualTo("GET");

            String batch = """
                    {"Records": [
                      {"messageId": "m-1", "body": "3", "eventSource": "aws:sqs", "awsRegion": "eu-west-1", "attributes": {}, "messageAttributes": {}},
                      {"messageId": "m-2", "body": "lots", "eventSource": "aws:sqs", "awsRegion": "eu-west-1", "attributes": {}, "messageAttributes": {}}]}""";
            var orders = node.invoke("lambda-shop", "orders", batch);
            assertThat(orders.statusCode()).as(orders.body()).isEqualTo(200);
            var failures = json(orders).get("batchItemFailures");
            assertThat(failures).hasSize(1);
            assertThat(failures.get(0).get("itemIdentifier").asText()).isEqualTo("m-2");
            String id = orders.headers().firstValue("X-Skyfn-Invocation-Id").orElseThrow();
            assertThat(node.get("/v1/apps/lambda-shop/logs?invocation=" + id).body()).contains("order m-1: 3 item(s)");
        }
    }

    @Test
    void aCloudEventsFunctionRunsUnchanged() {
        try (TestNode node = TestNode.dev(dir)) {
            var deployed = node.deploy(JarBuilder.example("gcf-events"));
            assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
            var res = node.send("POST", "/fn/dev/gcf-events/onupload", "{\"bucket\":\"photos\",\"name\":\"beach.png\"}".getBytes(),
                    "Content-Type", "application/json", "ce-specversion", "1.0", "ce-id", "1234", "ce-source",
                    "//storage.googleapis.com/projects/_/buckets/photos", "ce-type", "google.cloud.storage.object.v1.finalized");
            assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
            String id = res.headers().firstValue("X-Skyfn-Invocation-Id").orElseThrow();
            assertThat(node.get("/v1/apps/gcf-events/logs?invocation=" + id).body()).contains("Event ID: 1234")
                    .contains("Event Type: google.cloud.storage.object.v1.finalized").contains("beach.png");
        }
    }
}
