package dev.skyfn.node;

import static dev.skyfn.node.Errors.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.core.testing.JarBuilder;
import dev.skyfn.node.apps.Callers;
import dev.skyfn.node.apps.Misbehaving;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Functions calling functions: in their own sandbox, and in another app's through the node. */
@Tag("slow")
class FunctionCallsTest {

    @TempDir
    static Path dir;
    static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.dev(dir);
        deploy(JarBuilder.app("""
                app: calc
                functions:
                  double: {handler: dev.skyfn.node.apps.Callers$Double}
                  sum: {handler: dev.skyfn.node.apps.Callers$SumOfDoubles}
                  converts: {handler: dev.skyfn.node.apps.Callers$Converts}
                  mirror: {handler: dev.skyfn.node.apps.Callers$Mirror}
                  relay: {handler: dev.skyfn.node.apps.Callers$Relay}
                  careless: {handler: dev.skyfn.node.apps.Callers$Careless}
                  recurses: {handler: dev.skyfn.node.apps.Callers$Recurses}
                  throws: {handler: dev.skyfn.node.apps.Misbehaving$Throws}
                  slow: {handler: dev.skyfn.node.apps.Misbehaving$Sleeps, timeout: 300ms}
                """).classes(Callers.class, Misbehaving.class));
        deploy(JarBuilder.app("""
                app: other
                functions:
                  echo: {handler: dev.skyfn.node.apps.Callers$Echo}
                  throws: {handler: dev.skyfn.node.apps.Misbehaving$Throws}
                """).classes(Callers.class, Misbehaving.class));
    }

    private static void deploy(JarBuilder jar) {
        var res = node.deploy(jar);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void callsFunctionsOfTheSameAppInItsSandboxAtOnce() {
        var res = node.invoke("calc", "sum", "[3, 4]");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        assertThat(res.body()).isEqualTo("14");
    }

    @Test
    void givesEachCallAnIdUnderItsCallersSoLogsShowTheChain() {
        var res = node.invoke("calc", "sum", "[1, 2]");
        String root = res.headers().firstValue("X-Skyfn-Invocation-Id").orElseThrow();
        String logs = node.get("/v1/apps/calc/logs?function=double").body();
        assertThat(logs).contains("\"invocationId\":\"" + root + ".1\"").contains("\"invocationId\":\"" + root + ".2\"")
                .contains("doubling 1 for " + root);
    }

    @Test
    void convertsTheInputToTheCalleesType() {
        assertThat(node.invoke("calc", "converts", "").body()).isEqualTo("2,1");
    }

    @Test
    void callsFunctionsOfAnotherAppThroughTheNode() {
        var res = node.send("POST", "/v1/apps/calc/functions/relay:invoke", "other/echo".getBytes());
        String root = res.headers().firstValue("X-Skyfn-Invocation-Id").orElseThrow();
        assertThat(res.body()).isEqualTo("ok: other/echo got payload as " + root + ".1");
    }

    @Test
    void passesTheCalleesErrorCodeAndTypeToTheCaller() {
        assertThat(node.send("POST", "/v1/apps/calc/functions/relay:invoke", "throws".getBytes()).body())
                .isEqualTo("failed: FUNCTION_ERROR (java.lang.IllegalStateException) boom: payload");
        assertThat(node.send("POST", "/v1/apps/calc/functions/relay:invoke", "other/throws".getBytes()).body())
                .isEqualTo("failed: FUNCTION_ERROR (java.lang.IllegalStateException) boom: payload");
        assertThat(node.send("POST", "/v1/apps/calc/functions/relay:invoke", "nope".getBytes()).body())
                .startsWith("failed: FUNCTION_NOT_FOUND");
        assertThat(node.send("POST", "/v1/apps/calc/functions/relay:invoke", "ghost/echo".getBytes()).body())
                .startsWith("failed: APP_NOT_FOUND");
    }

    @Test
    void anUncaughtCallFailureFailsTheCallerWithTheCalleesCode() {
        var error = assertError(node.send("POST", "/v1/apps/calc/functions/careless:invoke", "throws".getBytes()),
                500, "FUNCTION_ERROR", "boom: payload");
        assertThat(error.get("type").asText()).isEqualTo("java.lang.IllegalStateException");
    }

    @Test
    void aCalleePastItsTimeoutFailsTheCallWithTimeout() {
        assertThat(node.send("POST", "/v1/apps/calc/functions/relay:invoke", "slow=5000".getBytes()).body())
                .startsWith("failed: FUNCTION_TIMEOUT");
        assertThat(node.send("POST", "/v1/apps/calc/functions/relay:invoke", "slow=1".getBytes()).body())
                .isEqualTo("ok: slept 1");
    }

    @Test
    void endlessRecursionStopsAtTheDepthLimit() {
        assertError(node.invoke("calc", "recurses", "0"), 508, "CALL_DEPTH_EXCEEDED", "more than 32 deep");
    }
}
