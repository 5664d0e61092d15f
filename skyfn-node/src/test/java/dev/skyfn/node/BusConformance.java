package dev.skyfn.node;

import static dev.skyfn.node.Errors.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.node.apps.Callers;
import dev.skyfn.node.apps.Hello;
import dev.skyfn.node.apps.Misbehaving;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What a caller sees of an invocation, whichever bus carries it: straight from the gateway to the
 * app's sandbox on the same node (the embedded default), or from a node that does not serve the
 * app to one that does, over NATS (a fleet). Extend with a deployment of {@link #MANIFEST} and a
 * gateway to call.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class BusConformance {

    static final String MANIFEST = """
            app: bus
            functions:
              hello: {handler: dev.skyfn.node.apps.Hello, memory: 128}
              throws: {handler: dev.skyfn.node.apps.Misbehaving$Throws, memory: 128}
              sleeps: {handler: dev.skyfn.node.apps.Misbehaving$Sleeps, memory: 128, timeout: 300ms}
              double: {handler: dev.skyfn.node.apps.Callers$Double, memory: 128}
              sum: {handler: dev.skyfn.node.apps.Callers$SumOfDoubles, memory: 128}
            """;
    static final Class<?>[] CLASSES = {Hello.class, Misbehaving.class, Callers.class};

    /** Deploys {@link #MANIFEST} with {@link #CLASSES}; a fleet adds where the app must run. */
    protected abstract void deploy();

    /** A request to the gateway under test. */
    protected abstract HttpResponse<String> send(String method, String path, byte[] body, String... headers);

    @BeforeAll
    void deployTheApp() {
        deploy();
    }

    private HttpResponse<String> invoke(String function, String body) {
        return send("POST", "/v1/apps/bus/functions/" + function + ":invoke", body.getBytes(StandardCharsets.UTF_8),
                "Content-Type", "text/plain");
    }

    @Test
    void theResultComesBackAsTheFunctionReturnedItWithTheInvocationsId() {
        HttpResponse<String> res = invoke("hello", "bus");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        assertThat(res.body()).isEqualTo("Hello, bus!");
        assertThat(res.headers().firstValue("X-Skyfn-Invocation-Id")).isPresent();
    }

    @Test
    void aFunctionThatThrowsIsAFunctionErrorNamingTheException() {
        var error = assertError(invoke("throws", "x"), 500, "FUNCTION_ERROR", "boom: x");
        assertThat(error.get("type").asText()).isEqualTo(IllegalStateException.class.getName());
    }

    @Test
    void aCallPastItsTimeoutIsAFunctionTimeout() {
        assertError(invoke("sleeps", "5000"), 504, "FUNCTION_TIMEOUT", "300ms");
    }

    @Test
    void unknownFunctionsAndAppsAreNamed() {
        assertError(invoke("nope", "x"), 404, "FUNCTION_NOT_FOUND", "nope");
        assertError(send("POST", "/v1/apps/nope/functions/hello:invoke", new byte[0]), 404, "APP_NOT_FOUND", "nope");
    }

    @Test
    void functionsOfTheAppCallEachOther() {
        HttpResponse<String> res = send("POST", "/v1/apps/bus/functions/sum:invoke", "[1, 2]".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        assertThat(res.body()).isEqualTo("6");
    }
}
