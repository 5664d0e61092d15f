package dev.skyfn.node;

import static dev.skyfn.node.Errors.assertError;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.core.testing.JarBuilder;
import dev.skyfn.node.apps.Hello;
import dev.skyfn.node.apps.Misbehaving;
import dev.skyfn.node.apps.Typed;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way a caller or a function can go wrong gets a stable code and a clear message, and the
 * node keeps serving every other app: after each case, {@code good} still answers.
 */
@Tag("slow")
class BadInputTest {

    @TempDir
    static Path dir;
    static TestNode node;

    private static final String BAD = """
            app: bad
            memory: 64
            functions:
              throws: {handler: dev.skyfn.node.apps.Misbehaving$Throws}
              unreadable: {handler: dev.skyfn.node.apps.Misbehaving$ThrowsTheUnreadable, timeout: 30s}
              hangs: {handler: dev.skyfn.node.apps.Misbehaving$Hangs, timeout: 1s}
              sleeps: {handler: dev.skyfn.node.apps.Misbehaving$Sleeps, timeout: 1s}
              hogs: {handler: dev.skyfn.node.apps.Misbehaving$Hogs, memory: 64}
              exits: {handler: dev.skyfn.node.apps.Misbehaving$Exits}
              crashes: {handler: dev.skyfn.node.apps.Misbehaving$Crashes}
              leaks: {handler: dev.skyfn.node.apps.Misbehaving$LeaksThreads}
              huge: {handler: dev.skyfn.node.apps.Misbehaving$Huge}
              sendsHuge: {handler: dev.skyfn.node.apps.Misbehaving$SendsHuge}
              price: {handler: dev.skyfn.node.apps.Typed$Price}
              floods: {handler: dev.skyfn.node.apps.Misbehaving$FloodsRawOutput, timeout: 20s}
            """;

    @BeforeAll
    static void start() {
        node = TestNode.start(TestNode.config(dir).maxRequestBytes(64 * 1024).maxResultBytes(1 << 20)
                .maxPackageBytes(256 * 1024).build(), true);
        deploy(JarBuilder.app("app: good\nfunctions: {hello: {handler: dev.skyfn.node.apps.Hello}}").classes(Hello.class));
        deploy(JarBuilder.app(BAD).classes(Misbehaving.class, Typed.class));
        deploy(JarBuilder.app("app: broken\nfunctions: {f: {handler: dev.skyfn.node.apps.Misbehaving$FailsToStart}}")
                .classes(Misbehaving.class));
    }

    private static void deploy(JarBuilder jar) {
        var res = node.deploy(jar);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @AfterEach
    void otherAppsStillServe() {
        var res = node.invoke("good", "hello", "still");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        assertThat(res.body()).isEqualTo("Hello, still!");
    }

    private static void badAppServesAgain() {
        assertError(node.invoke("bad", "throws", "again"), 500, "FUNCTION_ERROR", "boom: again");
    }

    @Test
    void unknownAppIs404() {
        assertError(node.invoke("nope", "f", ""), 404, "APP_NOT_FOUND", "no app nope");
    }

    @Test
    void unknownFunctionIs404AndNamesTheOnesThatExist() {
        assertError(node.invoke("good", "nope", ""), 404, "FUNCTION_NOT_FOUND", "(it has: hello)");
    }

    @Test
    void unknownEndpointIs404() {
        assertError(node.get("/v2/whatever"), 404, "NOT_FOUND", "no such endpoint");
    }

    @Test
    void oversizedPayloadIs413() {
        assertError(node.invoke("good", "hello", "x".repeat(65 * 1024)), 413, "PAYLOAD_TOO_LARGE", "65536 bytes");
    }

    @Test
    void inputThatDoesNotFitTheTypeIs400() {
        var error = assertError(node.invoke("bad", "price", "{\"item\":\"tea\",\"quantity\":\"many\"}"), 400,
                "INVALID_INPUT", "(at quantity)");
        assertThat(error.get("invocationId").asText()).hasSize(28);
    }

    @Test
    void anAsyncCallOfMalformedJsonIsRefusedBeforeItIsQueued() {
        byte[] malformed = "{\"item\": tea}".getBytes(UTF_8);
        assertError(node.send("POST", "/v1/apps/bad/functions/price:invoke?async=true", malformed, "Content-Type", "application/json"),
                400, "INVALID_INPUT", "the input of bad/price is JSON: Unrecognized token 'tea'");
        assertError(node.send("POST", "/v1/apps/bad/functions/price:invoke?async=true", "{} {}".getBytes(UTF_8)),
                400, "INVALID_INPUT", "one value, not more (line 1, column 4)");
        // a handler of text takes any body; well-formed JSON of the wrong shape is the function's to refuse, as on a sync call
        var text = node.send("POST", "/v1/apps/good/functions/hello:invoke?async=true", "{not json".getBytes(UTF_8),
                "Content-Type", "application/json");
        assertThat(text.statusCode()).as(text.body()).isEqualTo(202);
        var shape = node.send("POST", "/v1/apps/bad/functions/price:invoke?async=true", "[1]".getBytes(UTF_8));
        assertThat(shape.statusCode()).as(shape.body()).isEqualTo(202);
    }

    @Test
    void aThrowingFunctionGivesItsMessageAndTypeAndLogsTheStackTrace() {
        var res = node.invoke("bad", "throws", "x");
        var error = assertError(res, 500, "FUNCTION_ERROR", "boom: x");
        assertThat(error.get("type").asText()).isEqualTo("java.lang.IllegalStateException");
        String id = error.get("invocationId").asText();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(
                () -> node.get("/v1/apps/bad/logs?invocation=" + id).body().contains("java.lang.IllegalStateException: boom: x")
                        && node.get("/v1/apps/bad/logs?invocation=" + id).body().contains("Misbehaving$Throws.handle"));
    }

    @Test
    void anExceptionThatCannotBeReadStillEndsItsCallAtOnceWithItsType() {
        long start = System.nanoTime();
        var error = assertError(node.invoke("bad", "unreadable", "x"), 500, "FUNCTION_ERROR",
                "Misbehaving$Unreadable (its message could not be read: java.lang.IllegalStateException)");
        assertThat(error.get("type").asText()).isEqualTo("dev.skyfn.node.apps.Misbehaving$Unreadable");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("not at its timeout of 30 s").isLessThan(Duration.ofSeconds(10));
        String id = error.get("invocationId").asText();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(
                () -> node.get("/v1/apps/bad/logs?invocation=" + id).body().contains("Misbehaving$Unreadable (its message could not be read: java.lang.IllegalStateException)")
                        && node.get("/v1/apps/bad/logs?invocation=" + id).body().contains("(its stack trace could not be read: java.lang.IllegalStateException)"));
    }

    @Test
    void aSlowFunctionTimesOutAndItsSandboxKeepsServing() {
        assertError(node.invoke("bad", "sleeps", "60000"), 504, "FUNCTION_TIMEOUT", "timeout of 1s");
        badAppServesAgain();
    }

    @Test
    void aFunctionThatIgnoresInterruptionGetsItsSandboxReplaced() {
        assertError(node.invoke("bad", "hangs", "x"), 504, "FUNCTION_TIMEOUT", "timeout of 1s");
        badAppServesAgain();
    }

    @Test
    void runningOutOfMemoryIsReportedAndTheSandboxReplaced() {
        assertError(node.invoke("bad", "hogs", "x"), 500, "FUNCTION_OUT_OF_MEMORY", "heap of");
        badAppServesAgain();
    }

    @Test
    void systemExitDoesNotEndTheSandbox() {
        assertError(node.invoke("bad", "exits", "x"), 500, "FUNCTION_EXITED", "System.exit(3)");
        badAppServesAgain();
    }

    @Test
    void aSandboxThatDiesFailsItsCallersAndIsReplaced() {
        assertError(node.invoke("bad", "crashes", "x"), 502, "SANDBOX_CRASHED", "exited with status 9");
        badAppServesAgain();
    }

    @Test
    void leakedThreadsFailTheInvocationAndRetireTheSandbox() {
        assertError(node.invoke("bad", "leaks", "x"), 500, "THREAD_LEAK", "leaked-worker");
        badAppServesAgain();
    }

    @Test
    void errorsStayShortWhateverTheFunctionMakesOfThem() {
        var thrown = node.invoke("bad", "throws", "100000");
        assertError(thrown, 500, "FUNCTION_ERROR", "boom: xxx");
        assertThat(thrown.body().length()).isLessThan(4096);
        assertThat(thrown.body()).contains("(" + (100_000 + "boom: ".length() - 2048) + " more characters)");

        var leaked = node.invoke("bad", "leaks", "500");
        assertError(leaked, 500, "THREAD_LEAK", "left 500 threads running");
        assertThat(leaked.body()).contains("and 490 more").hasSizeLessThan(4096);
        badAppServesAgain();
    }

    @Test
    void aHugeResultIsRefused() {
        assertError(node.invoke("bad", "huge", "2"), 500, "RESULT_TOO_LARGE", "1048576 bytes");
        badAppServesAgain();
    }

    @Test
    void aHugeEventOrInputAFunctionSendsIsRefusedAsWhatItIs() {
        assertError(node.invoke("bad", "sendsHuge", "publish:2"), 500, "FUNCTION_ERROR",
                "the function's data operation was refused, PAYLOAD_TOO_LARGE: the event's data is larger than 1048576 bytes, the limit for an event's data");
        var input = node.invoke("bad", "sendsHuge", "invoke:2");
        assertThat(input.body()).isEqualTo("refused: PAYLOAD_TOO_LARGE the input is larger than 1048576 bytes, the limit for a call's input");
        badAppServesAgain();
    }

    @Test
    void outputPastTheCaptureIsDrainedNotKept() {
        var res = node.invoke("bad", "floods", "64");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        assertThat(res.body()).isEqualTo("flooded 64 MiB");
        badAppServesAgain();
    }

    @Test
    void anAppWhoseHandlerCannotBeCreatedFailsToLoadClearly() {
        assertError(node.invoke("broken", "f", "x"), 500, "APP_LOAD_FAILED", "cannot reach the database");
        assertError(node.invoke("broken", "f", "x"), 500, "APP_LOAD_FAILED", "cannot reach the database");
    }

    @Test
    void aJarWithoutManifestIsRefused() {
        assertError(node.deploy(JarBuilder.empty().classes(Hello.class)), 400, "MANIFEST_MISSING", "skyfn.yaml");
    }

    @Test
    void aMalformedManifestIsRefusedNamingTheField() {
        assertError(node.deploy(JarBuilder.app("app: x\nfunctions: {f: {handler: a.B, timeout: forever}}")),
                400, "MANIFEST_INVALID", "functions.f.timeout");
    }

    @Test
    void aJarWithPathTraversalIsRefused() {
        assertError(node.deploy(JarBuilder.app("app: x\nfunctions: {f: {handler: a.B}}").entry("../../evil.sh", "rm -rf /")),
                400, "PACKAGE_UNSAFE", "climbs out");
    }

    @Test
    void anOversizedJarIsRefused() {
        byte[] noise = new byte[300 * 1024];
        new java.util.Random(7).nextBytes(noise);
        assertError(node.deploy(JarBuilder.app("app: x\nfunctions: {f: {handler: a.B}}").entry("noise.bin", noise)),
                413, "PACKAGE_TOO_LARGE", "262144");
    }

    @Test
    void notAJarIsRefused() {
        assertError(node.send("POST", "/v1/apps", "hello".getBytes()), 400, "PACKAGE_INVALID", "not a jar");
    }

    @Test
    void aMissingHandlerClassIsRefused() {
        assertError(node.deploy(JarBuilder.app("app: x\nfunctions: {f: {handler: com.example.Gone}}")),
                400, "HANDLER_NOT_FOUND", "com.example.Gone");
    }

    @Test
    void aHandlerOfTheWrongShapeIsRefused() {
        assertError(node.deploy(JarBuilder.app("app: x\nfunctions: {f: {handler: dev.skyfn.node.apps.Typed$NotAFunction}}")
                .classes(Typed.class)), 400, "HANDLER_INVALID", "implements none of the handler interfaces");
    }
}
