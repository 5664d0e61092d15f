package dev.skyfn.node;

import static dev.skyfn.node.Errors.assertError;
import static dev.skyfn.node.Errors.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.testing.JarBuilder;
import dev.skyfn.core.wire.Payload;
import dev.skyfn.node.apps.Hello;
import dev.skyfn.node.apps.Misbehaving;
import dev.skyfn.node.apps.Stateful;
import dev.skyfn.node.apps.Typed;
import dev.skyfn.node.sandbox.Sandbox;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Deploy, redeploy, remove, restart, scale to zero: the app's life on a node. */
@Tag("slow")
class LifecycleTest {

    private static final AppKey KEY_APP = new AppKey("dev", "app");

    @TempDir
    Path dir;

    private static JarBuilder sleeper(String app, String version) {
        return JarBuilder.app("app: " + app + "\nfunctions:\n  sleep: {handler: dev.skyfn.node.apps.Misbehaving$Sleeps, keepWarm: "
                + version + "}\n  hello: {handler: dev.skyfn.node.apps.Hello}\n").classes(Misbehaving.class, Hello.class);
    }

    @Test
    void redeployingDoesNotDropCallsInFlight() throws Exception {
        try (TestNode node = TestNode.dev(dir)) {
            assertThat(node.deploy(sleeper("app", "1m")).statusCode()).isEqualTo(201);
            assertThat(node.invoke("app", "hello", "warm").statusCode()).isEqualTo(200);
            List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                inFlight.add(CompletableFuture.supplyAsync(() -> node.invoke("app", "sleep", "1500")));
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> node.platform.node().invoker().running(KEY_APP, "sleep") == 4);
            var v2 = node.deploy(sleeper("app", "2m"));
            assertThat(json(v2).get("version").asInt()).isEqualTo(2);
            for (var call : inFlight) {
                assertThat(call.get().statusCode()).as(call.get().body()).isEqualTo(200);
                assertThat(call.get().body()).isEqualTo("slept 1500");
            }
            assertThat(json(node.get("/v1/apps/app")).get("functions").get(0).get("keepWarm").asText()).isEqualTo("2m");
            assertThat(node.invoke("app", "hello", "v2").body()).isEqualTo("Hello, v2!");
        }
    }

    @Test
    void deployedAppsSurviveARestart() {
        try (TestNode node = TestNode.dev(dir)) {
            node.deploy(JarBuilder.app("app: kept\nfunctions: {hello: {handler: dev.skyfn.node.apps.Hello}}").classes(Hello.class));
        }
        try (TestNode node = TestNode.dev(dir)) {
            assertThat(node.invoke("kept", "hello", "again").body()).isEqualTo("Hello, again!");
        }
    }

    @Test
    void aSecondNodeOnTheSameDataDirectoryIsRefusedAndOneAfterTheFirstStopsStarts() {
        try (TestNode node = TestNode.dev(dir)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> TestNode.dev(dir))
                    .hasMessageContaining("the data directory " + dir + " is in use by another skyfn node (process "
                            + ProcessHandle.current().pid() + ")");
            assertThat(node.get("/v1/apps").statusCode()).isEqualTo(200);
        }
        try (TestNode again = TestNode.dev(dir)) {
            assertThat(again.get("/v1/apps").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void removingAnAppMakesItUnknown() {
        try (TestNode node = TestNode.dev(dir)) {
            node.deploy(JarBuilder.app("app: gone\nfunctions: {hello: {handler: dev.skyfn.node.apps.Hello}}").classes(Hello.class));
            assertThat(node.invoke("gone", "hello", "x").statusCode()).isEqualTo(200);
            assertThat(node.send("DELETE", "/v1/apps/gone", null).statusCode()).isEqualTo(204);
            assertError(node.invoke("gone", "hello", "x"), 404, "APP_NOT_FOUND", "gone");
            assertThat(json(node.get("/v1/apps")).get("apps")).isEmpty();
        }
    }

    @Test
    void aCallOfARemovedAppStillRunningCannotWriteIntoTheAppCreatedAgain() {
        try (TestNode node = TestNode.dev(dir)) {
            var jar = JarBuilder.app("app: again\nfunctions:\n  slow: {handler: dev.skyfn.node.apps.Stateful$SlowWrite}\n"
                    + "  keys: {handler: dev.skyfn.node.apps.Stateful$Keys}").classes(Stateful.class);
            node.deploy(jar);
            var accepted = node.send("POST", "/v1/apps/again/functions/slow:invoke?async=true", "1500 left=old".getBytes());
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
            String id = json(accepted).get("invocationId").asText();
            await().atMost(Duration.ofSeconds(20)).until(() -> json(node.get("/v1/invocations?state=running")).get("invocations")
                    .findValuesAsText("invocationId").contains(id));
            assertThat(node.send("DELETE", "/v1/apps/again", null).statusCode()).isEqualTo(204);
            node.deploy(jar);
            await().atMost(Duration.ofSeconds(20)).until(() -> !json(node.get("/v1/invocations/" + id)).get("state").asText().equals("running"));
            var status = json(node.get("/v1/invocations/" + id));
            assertThat(status.get("state").asText()).as(status.toString()).isEqualTo("failed");
            assertThat(status.get("error").get("code").asText()).isEqualTo("APP_NOT_FOUND");
            assertThat(status.get("error").get("message").asText()).contains("was removed while this call ran");
            var read = node.send("POST", "/v1/apps/again/functions/keys:invoke", "global left".getBytes(), "Content-Type", "text/plain");
            assertThat(read.body()).as("the app created again").isEqualTo("<none>");
        }
    }

    @Test
    void theGaugesOfAnAppsRuntimeFollowItsFunctionsAndGoWithIt() {
        try (TestNode node = TestNode.dev(dir)) {
            node.deploy(JarBuilder.app("app: gauged\nfunctions: {hello: {handler: dev.skyfn.node.apps.Hello}}").classes(Hello.class));
            assertThat(node.get("/metrics").body()).contains("skyfn_queue_depth{app=\"gauged\",cloud=\"local\",function=\"hello\",tenant=\"dev\"} 0.0")
                    .contains("skyfn_invocations_in_flight{app=\"gauged\",cloud=\"local\",function=\"hello\",tenant=\"dev\"} 0.0");
            node.deploy(JarBuilder.app("app: gauged\nfunctions: {hi: {handler: dev.skyfn.node.apps.Hello}}").classes(Hello.class));
            assertThat(node.get("/metrics").body()).as("a function the new version added, one it dropped")
                    .contains("skyfn_queue_depth{app=\"gauged\",cloud=\"local\",function=\"hi\",tenant=\"dev\"} 0.0")
                    .doesNotContain("skyfn_queue_depth{app=\"gauged\",cloud=\"local\",function=\"hello\"")
                    .doesNotContain("skyfn_invocations_in_flight{app=\"gauged\",cloud=\"local\",function=\"hello\"");
            assertThat(node.send("DELETE", "/v1/apps/gauged", null).statusCode()).isEqualTo(204);
            assertThat(node.get("/metrics").body()).doesNotContain("skyfn_queue_depth{app=\"gauged\"")
                    .doesNotContain("skyfn_invocations_in_flight{app=\"gauged\"");
            node.deploy(JarBuilder.app("app: gauged\nfunctions: {hi: {handler: dev.skyfn.node.apps.Hello}}").classes(Hello.class));
            assertThat(node.get("/metrics").body()).as("the runtime of the app deployed again")
                    .contains("skyfn_queue_depth{app=\"gauged\",cloud=\"local\",function=\"hi\",tenant=\"dev\"} 0.0");
        }
    }

    @Test
    void idleAppsScaleToZeroAndComeBackCold() {
        try (TestNode node = TestNode.dev(dir)) {
            node.deploy(JarBuilder.app("app: idle\nfunctions: {hello: {handler: dev.skyfn.node.apps.Hello, keepWarm: 0s}}")
                    .classes(Hello.class));
            var first = node.invoke("idle", "hello", "1");
            assertThat(first.headers().firstValue("X-Skyfn-Cold-Start")).contains("true");
            await().atMost(Duration.ofSeconds(10)).until(() -> node.platform.node().sandboxes().getOrDefault(Sandbox.State.ACTIVE, 0) == 0);
            var again = node.invoke("idle", "hello", "2");
            assertThat(again.statusCode()).isEqualTo(200);
            assertThat(again.headers().firstValue("X-Skyfn-Cold-Start")).contains("true");
        }
    }

    @Test
    void atItsSandboxLimitANodeRetiresTheLeastRecentlyUsedIdleApp() {
        try (TestNode node = TestNode.start(TestNode.config(dir).maxSandboxes(2).build(), true)) {
            for (String app : List.of("a", "b", "c")) {
                node.deploy(JarBuilder.app("app: " + app + "\nfunctions:\n  hello: {handler: dev.skyfn.node.apps.Hello}\n"
                        + "  sleep: {handler: dev.skyfn.node.apps.Misbehaving$Sleeps}\n").classes(Hello.class, Misbehaving.class));
            }
            assertThat(node.invoke("a", "hello", "1").headers().firstValue("X-Skyfn-Cold-Start")).contains("true");
            assertThat(node.invoke("b", "hello", "1").headers().firstValue("X-Skyfn-Cold-Start")).contains("true");
            assertThat(node.invoke("b", "hello", "2").headers().firstValue("X-Skyfn-Cold-Start")).isEmpty();
            assertThat(node.invoke("c", "hello", "1").statusCode()).isEqualTo(200);
            assertThat(node.invoke("b", "hello", "3").headers().firstValue("X-Skyfn-Cold-Start")).as("b was used last: kept").isEmpty();
            assertThat(node.invoke("a", "hello", "2").headers().firstValue("X-Skyfn-Cold-Start")).as("a made room").contains("true");
        }
    }

    @Test
    void aNodeWhoseSandboxesAreAllBusyLoadsAnotherAppOnceOneFallsIdleAndACallThatCannotWaitSaysWhy() throws Exception {
        try (TestNode node = TestNode.start(TestNode.config(dir).maxSandboxes(1).build(), true)) {
            for (String app : List.of("a", "b")) {
                // apps that may share a sandbox would share a's rather than wait
                node.deploy(JarBuilder.app("app: " + app + "\nshareSandbox: false\nfunctions: {sleep: {handler: dev.skyfn.node.apps.Misbehaving$Sleeps}}")
                        .classes(Misbehaving.class));
            }
            node.deploy(JarBuilder.app("app: hurried\nshareSandbox: false\nfunctions: {sleep: {handler: dev.skyfn.node.apps.Misbehaving$Sleeps, timeout: 1s}}")
                    .classes(Misbehaving.class));
            var busy = CompletableFuture.supplyAsync(() -> node.invoke("a", "sleep", "3000"));
            await().until(() -> node.platform.node().invoker().running(new AppKey("dev", "a"), "sleep") == 1);

            var waiting = CompletableFuture.supplyAsync(() -> node.invoke("b", "sleep", "0"));
            assertError(node.invoke("hurried", "sleep", "0"), 504, "FUNCTION_TIMEOUT", "to fall idle");
            assertThat(waiting).as("b waits for room while a's only sandbox is busy").isNotDone();

            assertThat(busy.get().statusCode()).isEqualTo(200);
            HttpResponse<String> b = waiting.get();
            assertThat(b.statusCode()).as(b.body()).isEqualTo(200);
            assertThat(b.headers().firstValue("X-Skyfn-Cold-Start")).contains("true");
        }
    }

    @Test
    void callsBeyondConcurrencyAndQueueAreRefusedWith429() throws Exception {
        try (TestNode node = TestNode.dev(dir)) {
            node.deploy(JarBuilder.app("app: narrow\nfunctions: {sleep: {handler: dev.skyfn.node.apps.Misbehaving$Sleeps, concurrency: 1, queue: 1}}")
                    .classes(Misbehaving.class));
            assertThat(node.invoke("narrow", "sleep", "0").statusCode()).isEqualTo(200);
            var running = CompletableFuture.supplyAsync(() -> node.invoke("narrow", "sleep", "1500"));
            await().until(() -> node.platform.node().invoker().running(new AppKey("dev", "narrow"), "sleep") == 1);
            var queued = CompletableFuture.supplyAsync(() -> node.invoke("narrow", "sleep", "0"));
            await().until(() -> node.platform.node().invoker().waiting(new AppKey("dev", "narrow"), "sleep") == 1);
            var refused = node.invoke("narrow", "sleep", "0");
            assertError(refused, 429, "TOO_MANY_REQUESTS", "concurrency limit (1 running, 1 waiting)");
            assertThat(refused.headers().firstValue("Retry-After")).as("when to try again, in seconds").hasValue("1");
            assertThat(running.get().statusCode()).isEqualTo(200);
            assertThat(queued.get().statusCode()).isEqualTo(200);
        }
    }

    /**
     * A call whose caller does not wait on a thread (a trigger's) goes to a warm sandbox before
     * {@code dispatchAsync} returns, with no thread scheduled between; one that finds the function's
     * slots taken waits for one on a thread of its own, unbounded as an event's call is: not refused
     * though the queue is full.
     */
    @Test
    void aCallWhoseCallerDoesNotWaitIsSentOnItsThreadWhenWarmAndWaitsForASlotOtherwise() throws Exception {
        try (TestNode node = TestNode.dev(dir)) {
            node.deploy(JarBuilder.app("app: narrow\nfunctions: {sleep: {handler: dev.skyfn.node.apps.Misbehaving$Sleeps, concurrency: 1, queue: 1}}")
                    .classes(Misbehaving.class));
            assertThat(node.invoke("narrow", "sleep", "0").statusCode()).isEqualTo(200);
            AppKey key = new AppKey("dev", "narrow");
            var invoker = node.platform.node().invoker();
            var target = invoker.resolve(key, "sleep");
            var first = invoker.dispatchAsync(target, Payload.json("500".getBytes()), "inv-first", Duration.ofSeconds(20));
            assertThat(invoker.running(key, "sleep")).as("running in the sandbox as dispatchAsync returns").isEqualTo(1);
            var second = invoker.dispatchAsync(target, Payload.json("0".getBytes()), "inv-second", Duration.ofSeconds(20));
            var third = invoker.dispatchAsync(target, Payload.json("0".getBytes()), "inv-third", Duration.ofSeconds(20));
            for (var call : List.of(first, second, third)) {
                var outcome = call.get(20, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(outcome.ok()).as(String.valueOf(outcome.error())).isTrue();
            }
            assertThat(new String(((Payload.Body) first.get().payload()).bytes())).isEqualTo("slept 500");
        }
    }

    /**
     * An app removed from a node (deleted, or placed elsewhere in a fleet) has the calls it had
     * started or queued there finished, and the node counts them in flight until they are: a fleet
     * gives back no node that still holds a caller's call.
     */
    @Test
    void aRemovedAppsCallsAreFinishedAndCountedInFlightUntilDone() throws Exception {
        try (TestNode node = TestNode.dev(dir)) {
            AppKey key = new AppKey("dev", "leaving");
            node.deploy(JarBuilder.app("app: leaving\nfunctions: {sleep: {handler: dev.skyfn.node.apps.Misbehaving$Sleeps, concurrency: 1, queue: 4}}")
                    .classes(Misbehaving.class));
            assertThat(node.invoke("leaving", "sleep", "0").statusCode()).isEqualTo(200);
            var running = CompletableFuture.supplyAsync(() -> node.invoke("leaving", "sleep", "1500"));
            await().until(() -> node.platform.node().invoker().running(key, "sleep") == 1);
            var queued = CompletableFuture.supplyAsync(() -> node.invoke("leaving", "sleep", "300"));
            await().until(() -> node.platform.node().invoker().waiting(key, "sleep") == 1);

            assertThat(node.send("DELETE", "/v1/apps/leaving", null).statusCode()).isEqualTo(204);
            assertThat(node.platform.node().inFlightByApp()).containsEntry(key, 2);

            assertThat(running.get().statusCode()).as(running.get().body()).isEqualTo(200);
            assertThat(queued.get().statusCode()).as(queued.get().body()).isEqualTo(200);
            await().until(() -> node.platform.node().inFlightByApp().isEmpty());
        }
    }

    @Test
    void asyncInvocationsReportTheirResultLater() {
        try (TestNode node = TestNode.dev(dir)) {
            node.deploy(JarBuilder.app("app: later\nfunctions: {price: {handler: dev.skyfn.node.apps.Typed$Price}}").classes(Typed.class));
            var accepted = node.send("POST", "/v1/apps/later/functions/price:invoke", "{\"item\":\"tea\",\"quantity\":4}".getBytes(),
                    "Prefer", "respond-async");
            assertThat(accepted.statusCode()).isEqualTo(202);
            String id = json(accepted).get("invocationId").asText();
            assertThat(json(accepted).get("status").asText()).isEqualTo("queued");
            assertThat(accepted.headers().firstValue("Location")).contains("/v1/invocations/" + id);
            await().atMost(Duration.ofSeconds(10)).until(() -> json(node.get("/v1/invocations/" + id)).get("state").asText().equals("succeeded"));
            var status = json(node.get("/v1/invocations/" + id));
            assertThat(status.get("result").get("total").asDouble()).isEqualTo(5.0);
            assertThat(status.get("result").get("invocationId").asText()).isEqualTo(id);
            assertError(node.get("/v1/invocations/000000000000000000000000dead"), 404, "INVOCATION_NOT_FOUND", "no async invocation");
        }
    }

    @Test
    void functionUrlsHandTheWholeRequestToTheFunction() {
        try (TestNode node = TestNode.dev(dir)) {
            node.deploy(JarBuilder.app("app: site\nfunctions:\n  web: {handler: dev.skyfn.node.apps.Typed$Web, url: public}\n"
                    + "  hidden: {handler: dev.skyfn.node.apps.Typed$Web, url: off}\n"
                    + "  split: {handler: dev.skyfn.node.apps.Typed$SplitsHeaders, url: public}\n").classes(Typed.class));
            var res = node.send("POST", "/fn/dev/site/web/orders/42?express=true", "tea".getBytes());
            assertThat(res.statusCode()).isEqualTo(201);
            assertThat(res.body()).isEqualTo("POST /orders/42?express=true body=tea auth=none");
            assertThat(res.headers().firstValue("x-served-by")).contains("web");
            assertThat(node.get("/fn/dev/site/web").body()).isEqualTo("GET /? body= auth=none");
            assertError(node.get("/fn/dev/site/hidden"), 404, "FUNCTION_NOT_FOUND", "has no URL");
            var split = node.get("/fn/dev/site/split");
            assertError(split, 500, "FUNCTION_ERROR", "invalid HTTP header");
            assertThat(split.headers().firstValue("set-cookie")).isEmpty();
        }
    }

    @Test
    void anAppWhoseSandboxWouldOutgrowWhatTheNodeGivesOneIsRefusedAtDeployment() {
        try (TestNode node = TestNode.start(TestNode.config(dir).sandboxMemoryBytes(1L << 30).build(), true)) {
            // a heap of 1024 MiB and 512 beside it: 1536 MiB, more than the 1024 the node gives a sandbox
            var big = node.deploy(JarBuilder.app("app: big\nmemory: 1024\nfunctions: {hello: {handler: dev.skyfn.node.apps.Hello}}\n")
                    .classes(Hello.class));
            assertError(big, 422, "PLACEMENT_UNSATISFIABLE", "cannot place app big");
            assertThat(node.get("/v1/apps/big").statusCode()).isEqualTo(404);
            var fits = node.deploy(JarBuilder.app("app: fits\nmemory: 512\nfunctions: {hello: {handler: dev.skyfn.node.apps.Hello}}\n")
                    .classes(Hello.class));
            assertThat(fits.statusCode()).as(fits.body()).isEqualTo(201);
        }
    }

    @Test
    void aFunctionsResponseCannotPoseAsThePlatformNorLeaveItsClientWaiting() throws Exception {
        try (TestNode node = TestNode.dev(dir)) {
            node.deploy(JarBuilder.app("app: site\nfunctions:\n  any: {handler: dev.skyfn.node.apps.Typed$AnyStatus, url: public}\n")
                    .classes(Typed.class));
            var ok = node.get("/fn/dev/site/any/201");
            assertThat(ok.statusCode()).isEqualTo(201);
            assertThat(ok.headers().firstValue("x-mine")).contains("kept");
            assertThat(ok.headers().allValues("x-skyfn-invocation-id")).hasSize(1).doesNotContain("forged");
            assertThat(ok.headers().firstValue("x-skyfn-node")).isEmpty();
            var reset = node.get("/fn/dev/site/any/205");
            assertThat(reset.statusCode()).isEqualTo(205);
            assertThat(reset.body()).isEmpty();
            for (String informational : List.of("100", "101", "199")) {
                assertError(node.get("/fn/dev/site/any/" + informational), 500, "FUNCTION_ERROR", "no final response");
            }
            // on one kept-alive connection, as a browser would: a 204's body would be read as the next response's start
            try (var socket = new java.net.Socket("127.0.0.1", node.platform.port())) {
                socket.setSoTimeout(10_000);
                var out = socket.getOutputStream();
                out.write(("GET /fn/dev/site/any/204 HTTP/1.1\r\nHost: x\r\n\r\nGET /fn/dev/site/any/200 HTTP/1.1\r\nHost: x\r\n\r\n")
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                out.flush();
                var in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(), java.nio.charset.StandardCharsets.ISO_8859_1));
                assertThat(in.readLine()).isEqualTo("HTTP/1.1 204 No Content");
                String line;
                while (!(line = in.readLine()).isEmpty()) {
                    assertThat(line.toLowerCase(java.util.Locale.ROOT)).doesNotStartWith("content-length: 1");
                }
                assertThat(in.readLine()).as("the next response, right after the 204's headers").isEqualTo("HTTP/1.1 200 OK");
            }
        }
    }

    @Test
    void invokeHandsAHandlerOfTheWholeRequestTheCallersHeadersButNotItsKey() {
        try (TestNode node = TestNode.dev(dir)) {
            node.deploy(JarBuilder.app("app: seen\nfunctions: {echo: {handler: dev.skyfn.node.apps.Typed$Headers}}").classes(Typed.class));
            var res = node.send("POST", "/v1/apps/seen/functions/echo:invoke?v=1", "tea".getBytes(), "X-Trace", "t-1",
                    "Authorization", "Bearer sk_not_for_the_function", "Content-Type", "text/plain");
            assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
            assertThat(res.body()).isEqualTo("x-trace=t-1 auth=none query=v=1 type=text/plain body=tea");
        }
    }

    @Test
    void aNodeKeepsTheSparesItIsToldAndSaysHowManyItKeeps() {
        try (TestNode node = TestNode.start(TestNode.config(dir).spareSandboxes(2).build(), true)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> json(node.get("/v1/node")).at("/sandboxes/spare").asInt() == 2);

            var sandboxes = json(node.get("/v1/node")).get("sandboxes");
            assertThat(sandboxes.get("spareTarget").asInt()).as(sandboxes.toString()).isEqualTo(2);
            assertThat(sandboxes.at("/spareByHeapMb/256").asInt()).as("the default heap size").isEqualTo(2);
            assertThat(node.get("/metrics").body()).contains("skyfn_sandboxes_spare 2.0").contains("skyfn_sandboxes_spare_target 2.0");
        }
    }

    @Test
    void metricsCountInvocationsColdStartsAndSandboxes() {
        // a cloud priced as Lambda's x86 list prices, so that what the calls cost is more than nothing
        var pricing = new dev.skyfn.core.cloud.Pricing(dev.skyfn.core.cloud.Pricing.Model.ON_DEMAND, 0.0000166667, 0, 0.0000002, 0.09,
                Duration.ZERO, Duration.ZERO);
        var cloud = new dev.skyfn.core.cloud.Cloud("local", "local", "local", java.util.Map.of(), pricing, dev.skyfn.core.cloud.Trust.TRUSTED,
                java.util.Set.of(), Duration.ZERO, 1, false, java.util.List.of(new dev.skyfn.core.cloud.NodeSpec("skyfn", "local", 2, 4096)));
        try (TestNode node = TestNode.start(TestNode.config(dir).cloud(cloud).build(), true)) {
            node.deploy(JarBuilder.app("app: counted\nfunctions: {hello: {handler: dev.skyfn.node.apps.Hello}}").classes(Hello.class));
            node.invoke("counted", "hello", "1");
            node.invoke("counted", "nope", "1");
            node.invoke("counted", "hello", "2");
            String metrics = node.get("/metrics").body();
            assertThat(metrics).contains("skyfn_invocations_total{app=\"counted\",cloud=\"local\",function=\"hello\",outcome=\"ok\",tenant=\"dev\"} 2.0");
            assertThat(metrics).contains("skyfn_invocation_duration_seconds_bucket{app=\"counted\",cloud=\"local\",function=\"hello\"");
            assertThat(metrics).contains("skyfn_cold_starts_seconds_count{app=\"counted\",cloud=\"local\",tenant=\"dev\"} 1");
            assertThat(metrics).contains("skyfn_sandboxes{state=\"active\"} 1.0");
            assertThat(metrics).contains("skyfn_queue_depth{app=\"counted\",cloud=\"local\",function=\"hello\",tenant=\"dev\"} 0.0");
            assertThat(metrics).contains("skyfn_invocations_in_flight{app=\"counted\",cloud=\"local\",function=\"hello\",tenant=\"dev\"} 0.0");
            // two calls (the one to no function never ran) rated at the node's cloud's prices, as the bill rates them
            var cost = java.util.regex.Pattern.compile("skyfn_cost_usd_total\\{app=\"counted\",cloud=\"local\",tenant=\"dev\"} ([0-9.E-]+)").matcher(metrics);
            assertThat(cost.find()).as(metrics).isTrue();
            double billed = json(node.get("/v1/bills?app=counted")).at("/bill/total/cost").asDouble();
            assertThat(Double.parseDouble(cost.group(1))).isPositive().isCloseTo(billed, org.assertj.core.data.Offset.offset(1e-6));
        }
    }

    @Test
    void aCallRunningNowCountsInTheFunctionsConcurrency() {
        try (TestNode node = TestNode.dev(dir)) {
            node.deploy(JarBuilder.app("app: busy\nfunctions: {sleeps: {handler: dev.skyfn.node.apps.Misbehaving$Sleeps}}")
                    .classes(dev.skyfn.node.apps.Misbehaving.class));
            String running = "skyfn_invocations_in_flight{app=\"busy\",cloud=\"local\",function=\"sleeps\",tenant=\"dev\"} ";
            var call = java.util.concurrent.CompletableFuture.supplyAsync(() -> node.invoke("busy", "sleeps", "3000"));
            await().atMost(Duration.ofSeconds(20)).until(() -> node.get("/metrics").body().contains(running + "1.0"));
            // and, once its sandbox has loaded the app, it is listed with its invocation id until it ends
            var listed = await().atMost(Duration.ofSeconds(20)).until(() -> json(node.get("/v1/invocations?state=running&app=busy"))
                    .get("invocations"), l -> l.size() == 1);
            assertThat(listed.get(0).get("function").asText()).isEqualTo("sleeps");
            assertThat(listed.get(0).get("node").asText()).isEqualTo("skyfn");
            assertThat(listed.get(0).get("runningMs").asLong()).isNotNegative();
            assertThat(json(node.get("/v1/invocations?state=running&app=other")).get("invocations")).isEmpty();
            assertError(node.get("/v1/invocations"), 400, "BAD_REQUEST", "state=running");
            HttpResponse<String> done = call.join();
            assertThat(done.statusCode()).isEqualTo(200);
            assertThat(done.headers().firstValue("X-Skyfn-Invocation-Id")).contains(listed.get(0).get("invocationId").asText());
            assertThat(node.get("/metrics").body()).contains(running + "0.0");
            assertThat(json(node.get("/v1/invocations?state=running")).get("invocations")).isEmpty();
        }
    }
}
