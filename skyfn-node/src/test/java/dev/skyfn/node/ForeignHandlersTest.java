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
    void runsAnHttpApiHandlerBehindItsFunctionUrlAsLambdaDoes() {
        var deployed = node.deploy(JarBuilder.app("app: api\nfunctions: {orders: {handler: dev.skyfn.node.apps.Foreign$HttpApi, url: public}}")
                .classes(Foreign.HttpApi.class, RequestHandler.class, com.amazonaws.services.lambda.runtime.Context.class)
                .jarOf(com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent.class));
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        var res = node.send("POST", "/fn/dev/api/orders/7?tag=a&tag=b", "{\"n\":1}".getBytes(), "Content-Type", "application/json",
                "Cookie", "s=1; theme=dark", "X-Forwarded-For", "198.51.100.1");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        assertThat(res.body()).isEqualTo("POST /7 tag=a,b cookies=[s=1, theme=dark] body={\"n\":1} from=127.0.0.1");
        assertThat(res.headers().firstValue("content-type")).hasValue("text/plain");
        // two Set-Cookie header lines: the expiry's comma survives
        assertThat(res.headers().allValues("set-cookie")).containsExactly("seen=1; Path=/",
                "last=/7; Expires=Wed, 21 Oct 2026 07:28:00 GMT");
        // past the function's name, the path is the function's, matrix parameters and all
        var matrix = node.send("POST", "/fn/dev/api/orders/7;v=1?tag=a", "{}".getBytes(), "Content-Type", "application/json");
        assertThat(matrix.body()).as(matrix.body()).startsWith("POST /7;v=1 tag=a ");
        // a GET has no body: the handler gets the event all the same
        var get = node.get("/fn/dev/api/orders?tag=x");
        assertThat(get.statusCode()).as(get.body()).isEqualTo(200);
        assertThat(get.body()).isEqualTo("GET / tag=x cookies=null body=null from=127.0.0.1");
    }

    @Test
    void honoursTheAppsOwnJacksonAnnotationsAndKeepsOffsetsAndZones() {
        for (boolean bundled : new boolean[] {false, true}) {
            var jar = JarBuilder.app("app: annotated" + bundled + "\nfunctions: {order: {handler: dev.skyfn.node.apps.Annotated}}")
                    .classes(dev.skyfn.node.apps.Annotated.class);
            if (bundled) {
                jar.jarOf(com.fasterxml.jackson.annotation.JsonProperty.class); // as a fat jar carries them
            }
            var deployed = node.deploy(jar);
            assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
            var res = node.invoke("annotated" + bundled, "order",
                    "{\"qty\":3,\"name\":\"tea\",\"at\":\"2026-12-01T10:15:30+05:30\",\"due\":\"2026-12-02T09:00:00+01:00[Europe/Paris]\"}");
            assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
            assertThat(res.body()).as("bundled: " + bundled).isEqualTo("{\"item\":\"tea\",\"quantity\":3,"
                    + "\"at\":\"2026-12-01T10:15:30+05:30\",\"due\":\"2026-12-02T09:00:00+01:00[Europe/Paris]\"}");
        }
    }

    @Test
    void runsALambdaHandlerNamedWithItsMethod() {
        var deployed = node.deploy(JarBuilder.app("app: plain\nfunctions: {greet: {handler: 'dev.skyfn.node.apps.Foreign$Plain::greet'}}")
                .classes(Foreign.Plain.class));
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        var res = node.invoke("plain", "greet", "{\"name\":\"ada\"}");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        assertThat(res.body()).isEqualTo("\"hello ada from greet\"");
    }

    @Test
    void givesAFailureInLambdasShapeWhenAsked() {
        var deployed = node.deploy(JarBuilder.app("app: refusing\nfunctions: {order: {handler: dev.skyfn.node.apps.Foreign$Refusing}}")
                .classes(Foreign.Refusing.class));
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        var lambda = node.send("POST", "/v1/apps/refusing/functions/order:invoke", "{\"order\":7}".getBytes(), "X-Skyfn-Error-Shape", "lambda");
        assertThat(lambda.statusCode()).isEqualTo(500);
        var body = json(lambda);
        assertThat(body.get("errorMessage").asText()).contains("no order 7");
        assertThat(body.get("errorType").asText()).isEqualTo("java.lang.IllegalArgumentException");
        assertThat(lambda.headers().firstValue("X-Skyfn-Error-Code")).hasValue("FUNCTION_ERROR");
        // unasked, skyfn's own shape
        var skyfn = node.send("POST", "/v1/apps/refusing/functions/order:invoke", "{\"order\":7}".getBytes());
        assertThat(json(skyfn).get("error").get("code").asText()).isEqualTo("FUNCTION_ERROR");
    }

    @Test
    void runsACloudEventsFunctionGivenAStructuredCloudEventInItsOwnSandbox() {
        var deployed = node.deploy(JarBuilder.app("app: structured\nfunctions: {on: {handler: dev.skyfn.node.apps.Foreign$Events, url: public}}")
                .classes(Foreign.Events.class));
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        String event = """
                {"specversion": "1.0", "id": "s-1", "source": "//storage.googleapis.com/projects/_/buckets/b", "subject": "objects/x.png",
                 "type": "google.cloud.storage.object.v1.finalized", "datacontenttype": "application/json", "data": {"bucket": "b"}}""";
        // the first event the fresh sandbox reads is structured: its format is found by the CloudEvents SDK's service lookup
        var res = node.send("POST", "/v1/apps/structured/functions/on:invoke", event.getBytes(),
                "Content-Type", "application/cloudevents+json; charset=utf-8");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(204);
        String id = res.headers().firstValue("X-Skyfn-Invocation-Id").orElseThrow();
        assertThat(json(node.get("/v1/apps/structured/logs?invocation=" + id)).get("lines").get(0).get("text").asText())
                .isEqualTo("event google.cloud.storage.object.v1.finalized s-1 {\"bucket\":\"b\"}");
        var url = node.send("POST", "/fn/dev/structured/on", event.getBytes(), "Content-Type", "application/cloudevents+json");
        assertThat(url.statusCode()).as(url.body()).isEqualTo(200);
    }

    @Test
    void runsACloudEventsFunctionBehindItsUrlInTheBinaryContentMode() {
        var deployed = node.deploy(JarBuilder.app("app: events\nfunctions: {on: {handler: dev.skyfn.node.apps.Foreign$Events, url: public}}")
                .classes(Foreign.Events.class));
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        var res = node.send("POST", "/fn/dev/events/on", "{\"bucket\":\"b\"}".getBytes(), "Content-Type", "application/json",
                "ce-specversion", "1.0", "ce-id", "e-7", "ce-source", "//storage/b", "ce-type", "google.cloud.storage.object.v1.finalized");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        String id = res.headers().firstValue("X-Skyfn-Invocation-Id").orElseThrow();
        assertThat(json(node.get("/v1/apps/events/logs?invocation=" + id)).get("lines").get(0).get("text").asText())
                .isEqualTo("event google.cloud.storage.object.v1.finalized e-7 {\"bucket\":\"b\"}");
        var notAnEvent = node.send("POST", "/fn/dev/events/on", "{}".getBytes(), "Content-Type", "application/json");
        assertThat(notAnEvent.statusCode()).isEqualTo(400);
        assertThat(json(notAnEvent).get("error").get("code").asText()).isEqualTo("INVALID_INPUT");
    }

    @Test
    void givesACloudFunctionTheMultipartFormsParts() {
        var deployed = node.deploy(JarBuilder.app("app: uploads\nfunctions: {up: {handler: dev.skyfn.node.apps.Foreign$Upload, url: public}}")
                .classes(Foreign.Upload.class));
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        String form = "--x\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n"
                + "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                + "\u0001\u0002\u0003\r\n--x--\r\n";
        var res = node.send("POST", "/fn/dev/uploads/up", form.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1),
                "Content-Type", "multipart/form-data; boundary=x");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        assertThat(res.body()).isEqualTo("file=a.bin:3;note=-:2;");
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

    @Test
    void givesEachFunctionItsEnvironmentAndThoseItsPlatformSets() {
        var deployed = node.deploy(JarBuilder.app("""
                        app: configured
                        env: {TABLE: orders, LOG_LEVEL: info}
                        functions:
                          lambda: {handler: dev.skyfn.node.apps.Foreign$Configured, memory: 512, env: {LOG_LEVEL: debug}}
                          web: {handler: dev.skyfn.node.apps.Foreign$ConfiguredWeb, url: public}
                          native: {handler: dev.skyfn.node.apps.Foreign$Native}
                        """)
                .classes(Foreign.Configured.class, Foreign.ConfiguredWeb.class, Foreign.Native.class));
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        var res = node.invoke("configured", "lambda", "{}");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        var seen = json(res);
        assertThat(seen.get("AWS_LAMBDA_FUNCTION_NAME").asText()).isEqualTo("lambda");
        assertThat(seen.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE").asText()).isEqualTo("512");
        assertThat(seen.get("AWS_LAMBDA_FUNCTION_VERSION").asText()).isEqualTo("1");
        assertThat(seen.get("AWS_REGION").asText()).isEqualTo("local"); // the embedded default's one cloud
        assertThat(seen.get("AWS_DEFAULT_REGION").asText()).isEqualTo("local");
        assertThat(seen.get("AWS_EXECUTION_ENV").asText()).isEqualTo("AWS_Lambda_java25");
        assertThat(seen.get("_HANDLER").asText()).isEqualTo("dev.skyfn.node.apps.Foreign$Configured");
        assertThat(seen.get("LOG_LEVEL").asText()).as("the function's own over the app's").isEqualTo("debug");
        assertThat(seen.get("K_SERVICE").asText()).isEqualTo("null");
        assertThat(seen.get("created").asText()).as("read as the handler was created").isEqualTo("orders");
        assertThat(seen.get("thread").asText()).as("read on a thread the call started").isEqualTo("debug");
        assertThat(seen.get("all").asText()).isEqualTo("lambda true");
        var web = node.get("/fn/dev/configured/web");
        assertThat(web.statusCode()).as(web.body()).isEqualTo(200);
        assertThat(web.body()).isEqualTo("web http dev.skyfn.node.apps.Foreign$ConfiguredWeb orders null");
        var plain = node.invoke("configured", "native", "\"x\"");
        assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);
        assertThat(plain.body()).isEqualTo("orders info null");
    }

    @Test
    void keepsEveryDigitOfANumberInAJsonTree() {
        var deployed = node.deploy(JarBuilder.app("app: tree\nfunctions: {tree: {handler: dev.skyfn.node.apps.Foreign$Tree}}")
                .classes(Foreign.Tree.class).jarOf(com.fasterxml.jackson.databind.JsonNode.class)
                .jarOf(com.fasterxml.jackson.core.JsonParser.class).jarOf(com.fasterxml.jackson.annotation.JsonProperty.class));
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        var res = node.invoke("tree", "tree", "{\"amount\":0.1000000000000000000001,\"price\":1.10,\"id\":123456789012345678901234567890}");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        assertThat(res.body()).isEqualTo("{\"amount\":0.1000000000000000000001,\"price\":1.10,\"id\":123456789012345678901234567890,"
                + "\"seen\":\"DecimalNode\"}");
    }
}
