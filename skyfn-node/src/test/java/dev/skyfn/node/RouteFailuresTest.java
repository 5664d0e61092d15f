package dev.skyfn.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpService;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Whatever a route lets out — an exception or an error — its caller gets skyfn's JSON error with a stable code. */
class RouteFailuresTest {

    private static WebServer server;

    @BeforeAll
    static void start() {
        HttpService failing = rules -> rules
                .get("/exception", (req, res) -> throwing(() -> new IllegalStateException("a bug")))
                .get("/stack-overflow", (req, res) -> throwing(() -> new StackOverflowError()))
                .get("/assertion", (req, res) -> throwing(() -> new AssertionError("never")))
                .get("/skyfn", (req, res) -> throwing(() -> new dev.skyfn.core.SkyfnException(dev.skyfn.core.ErrorCode.CONFLICT, "taken")));
        server = WebServer.builder().host("127.0.0.1").port(0).routing(r -> Node.routing(r, List.of(), failing)).build().start();
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    @ParameterizedTest
    @CsvSource({"/exception, 500, INTERNAL", "/stack-overflow, 500, INTERNAL", "/assertion, 500, INTERNAL", "/skyfn, 409, CONFLICT",
            "/nothing-here, 404, NOT_FOUND"})
    void aFailureAnswersJsonWithItsCode(String path, int status, String code) throws IOException, InterruptedException {
        HttpResponse<String> answer = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(status);
        assertThat(answer.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        assertThat(answer.body()).contains("\"code\":\"" + code + "\"");
    }

    private static void throwing(Supplier<? extends Throwable> failure) {
        Throwable t = failure.get();
        if (t instanceof RuntimeException e) {
            throw e;
        }
        throw (Error) t;
    }
}
