package dev.skyfn.node;

import static dev.skyfn.node.Errors.assertError;
import static dev.skyfn.node.Errors.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skyfn.core.testing.JarBuilder;
import dev.skyfn.node.apps.Hello;
import dev.skyfn.node.apps.Misbehaving;
import java.nio.file.Files;
import java.time.Duration;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Outside dev mode every call needs a key, and a key sees its own tenant's apps only. */
@Tag("slow")
class TenantIsolationTest {

    @TempDir
    static Path dir;
    static TestNode anonymous;
    static TestNode admin;
    static TestNode acme;
    static TestNode globex;

    @BeforeAll
    static void start() throws Exception {
        // traced, its spans kept in the node alone
        anonymous = TestNode.start(TestNode.config(dir).tracing(dev.skyfn.node.tracing.Tracing.Export.kept(1.0)).build(), false);
        admin = anonymous.as(Files.readString(dir.resolve("admin.key")).trim());
        acme = admin.tenant("acme");
        globex = admin.tenant("globex");
        var deployed = acme.deploy(JarBuilder.app("""
                app: shop
                functions:
                  hello: {handler: dev.skyfn.node.apps.Hello}
                  open: {handler: dev.skyfn.node.apps.Hello, url: public}
                  async: {handler: dev.skyfn.node.apps.Misbehaving$Sleeps}
                workflows:
                  waits:
                    StartAt: Wait
                    States:
                      Wait: {Type: Wait, Seconds: 300, End: true}
                """).classes(Hello.class, Misbehaving.class));
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        anonymous.close();
    }

    @Test
    void callsWithoutAKeyAreRefused() {
        assertError(anonymous.get("/v1/apps"), 401, "UNAUTHENTICATED", "Authorization: Bearer");
        assertError(anonymous.invoke("shop", "hello", "x"), 401, "UNAUTHENTICATED", "API key");
        assertError(anonymous.as("sk_0000000000_forged").get("/v1/apps"), 401, "UNAUTHENTICATED", "unknown or revoked");
    }

    @Test
    void aTenantSeesOnlyItsOwnApps() {
        assertThat(json(acme.get("/v1/apps")).get("apps")).hasSize(1);
        assertThat(json(globex.get("/v1/apps")).get("apps")).isEmpty();
        assertError(globex.get("/v1/apps/shop"), 404, "APP_NOT_FOUND", "no app shop");
        // every tenant's apps for an operator, with their tenants; for no one else
        var all = json(admin.get("/v1/apps?allTenants=true")).get("apps");
        assertThat(all.findValuesAsText("app")).contains("shop");
        assertThat(all.findValuesAsText("tenant")).contains("acme");
        assertThat(json(admin.get("/v1/apps")).get("apps").findValuesAsText("app")).doesNotContain("shop");
        assertError(globex.get("/v1/apps?allTenants=true"), 403, "FORBIDDEN", "admin key");
        assertError(acme.get("/v1/apps?allTenants=true"), 403, "FORBIDDEN", "admin key");
    }

    @Test
    void aTenantCannotInvokeReadLogsOrDeleteAnothersApp() {
        assertThat(acme.invoke("shop", "hello", "acme").statusCode()).isEqualTo(200);
        assertError(globex.invoke("shop", "hello", "x"), 404, "APP_NOT_FOUND", "no app shop");
        assertError(globex.get("/v1/apps/shop/logs"), 404, "APP_NOT_FOUND", "no app shop");
        assertError(globex.send("DELETE", "/v1/apps/shop", null), 404, "APP_NOT_FOUND", "no app shop");
        assertThat(acme.get("/v1/apps/shop").statusCode()).isEqualTo(200);
    }

    @Test
    void aTenantCannotStartSeeListOrCancelAnothersExecutions() {
        var started = acme.send("POST", "/v1/apps/shop/workflows/waits/executions?async=true", "{}".getBytes());
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        String id = json(started).get("executionId").asText();
        assertError(anonymous.get("/v1/executions/" + id), 401, "UNAUTHENTICATED", "API key");
        assertError(globex.get("/v1/executions/" + id), 404, "EXECUTION_NOT_FOUND", "no execution " + id);
        assertError(globex.send("POST", "/v1/executions/" + id + ":cancel", null), 404, "EXECUTION_NOT_FOUND", "no execution");
        assertError(globex.get("/v1/apps/shop/executions"), 404, "APP_NOT_FOUND", "no app shop");
        assertError(globex.send("POST", "/v1/apps/shop/workflows/waits/executions", "{}".getBytes()), 404, "APP_NOT_FOUND", "no app shop");
        assertThat(json(acme.get("/v1/executions/" + id)).get("status").asText()).isEqualTo("RUNNING");
        assertThat(json(acme.send("POST", "/v1/executions/" + id + ":cancel", null)).get("status").asText()).isEqualTo("ABORTED");
    }

    @Test
    void aTenantCannotReadAnothersAsyncInvocation() {
        var accepted = acme.send("POST", "/v1/apps/shop/functions/async:invoke?async=true", "1".getBytes());
        assertThat(accepted.statusCode()).isEqualTo(202);
        String id = json(accepted).get("invocationId").asText();
        assertThat(acme.get("/v1/invocations/" + id).statusCode()).isEqualTo(200);
        assertError(globex.get("/v1/invocations/" + id), 404, "INVOCATION_NOT_FOUND", id);
    }

    @Test
    void aTenantSeesOnlyItsOwnCallsRunningAndAnAdminSeesEveryTenants() {
        var accepted = acme.send("POST", "/v1/apps/shop/functions/async:invoke?async=true", "3000".getBytes());
        assertThat(accepted.statusCode()).isEqualTo(202);
        String id = json(accepted).get("invocationId").asText();
        String running = "/v1/invocations?state=running";
        await().atMost(Duration.ofSeconds(20)).until(() -> json(acme.get(running)).get("invocations").findValuesAsText("invocationId").contains(id));
        assertThat(json(admin.get(running)).get("invocations").findValuesAsText("invocationId")).contains(id);
        assertThat(json(globex.get(running)).get("invocations").findValuesAsText("invocationId")).doesNotContain(id);
        assertError(anonymous.get(running), 401, "UNAUTHENTICATED", "API key");
    }

    @Test
    void aTenantReadsItsOwnTracesAndNoOtherTenantsOnesWhileAnAdminReadsAll() {
        String trace = "3bf92f3577b34da6a3ce929d0e0e4736";
        assertThat(acme.send("POST", "/v1/apps/shop/functions/hello:invoke", "x".getBytes(), "traceparent",
                "00-" + trace + "-00f067aa0ba902b7-01").statusCode()).isEqualTo(200);
        var spans = await().atMost(Duration.ofSeconds(10)).until(() -> json(acme.get("/v1/traces/" + trace)).get("spans"),
                s -> s.findValuesAsText("name").contains("invoke shop/hello"));
        assertThat(spans.findValuesAsText("skyfn.tenant")).containsOnly("acme");
        assertThat(json(admin.get("/v1/traces/" + trace)).get("spans").findValuesAsText("name")).contains("invoke shop/hello");
        assertError(globex.get("/v1/traces/" + trace), 404, "TRACE_NOT_FOUND", "globex");
        // asked of one node, as nodes ask each other: no span naming another tenant
        var asNode = json(globex.get("/v1/traces/" + trace + "?scope=node")).get("spans");
        assertThat(asNode.findValuesAsText("skyfn.tenant")).isEmpty();
        assertThat(asNode.findValuesAsText("name")).doesNotContain("invoke shop/hello");
        // nor is it listed among another tenant's latest traces, asked of the fleet or of one node
        assertThat(json(acme.get("/v1/traces")).get("traces").findValuesAsText("traceId")).contains(trace);
        assertThat(json(admin.get("/v1/traces")).get("traces").findValuesAsText("traceId")).contains(trace);
        assertThat(json(globex.get("/v1/traces")).get("traces").findValuesAsText("traceId")).doesNotContain(trace);
        assertThat(json(globex.get("/v1/traces?scope=node")).get("traces").findValuesAsText("traceId")).doesNotContain(trace);
        assertError(anonymous.get("/v1/traces"), 401, "UNAUTHENTICATED", "API key");
    }

    @Test
    void privateFunctionUrlsNeedTheOwnersKeyAndDoNotSeeIt() {
        assertError(anonymous.get("/fn/acme/shop/hello"), 401, "UNAUTHENTICATED", "API key");
        assertError(globex.get("/fn/acme/shop/hello"), 403, "FORBIDDEN", "private to its tenant");
        assertThat(acme.get("/fn/acme/shop/hello").statusCode()).isEqualTo(200);
        assertThat(anonymous.get("/fn/acme/shop/open").statusCode()).isEqualTo(200);
    }

    @Test
    void aMalformedBodySaysWhereInTheRequestNotInTheParser() {
        var cut = admin.send("POST", "/v1/tenants", "{\"name\": \"x\",".getBytes());
        assertThat(assertError(cut, 400, "BAD_REQUEST", "(line 1, column 14)").get("message").asText()).doesNotContain("Source");
        var wrong = admin.send("POST", "/v1/tenants", "{\"name\": [1]}".getBytes());
        assertThat(assertError(wrong, 400, "BAD_REQUEST", "(at 'name')").get("message").asText()).doesNotContain("Source");
    }

    @Test
    void onlyAdminsManageTenantsAndReadMetrics() {
        assertError(acme.send("POST", "/v1/tenants", "{\"name\":\"evil\"}".getBytes()), 403, "FORBIDDEN", "admin");
        assertError(acme.get("/metrics"), 403, "FORBIDDEN", "admin");
        assertError(acme.send("POST", "/v1/tenants/globex/keys", null), 403, "FORBIDDEN", "own tenant");
        assertThat(admin.get("/metrics").body()).contains("skyfn_invocations_total");
    }

    @Test
    void aRevokedKeyStopsWorking() {
        var issued = json(acme.send("POST", "/v1/tenants/acme/keys", null));
        TestNode extra = anonymous.as(issued.get("apiKey").asText());
        assertThat(extra.get("/v1/apps").statusCode()).isEqualTo(200);
        assertThat(acme.send("DELETE", "/v1/tenants/acme/keys/" + issued.get("keyId").asText(), null).statusCode()).isEqualTo(204);
        assertError(extra.get("/v1/apps"), 401, "UNAUTHENTICATED", "revoked");
    }
}
