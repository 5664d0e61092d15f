package dev.skyfn.node;

import static dev.skyfn.node.Errors.assertError;
import static dev.skyfn.node.Errors.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skyfn.core.testing.JarBuilder;
import dev.skyfn.node.apps.Events;
import dev.skyfn.node.apps.Stateful;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Functions run by schedules and by events published to their tenant's subjects, on one node with real sandboxes. */
@Tag("slow")
class TriggersTest {

    @TempDir
    static Path dir;
    static TestNode anonymous;
    static TestNode acme;
    static TestNode globex;

    static final String APP = """
            app: shop
            functions:
              tick:
                handler: dev.skyfn.node.apps.Events$Record
                triggers: [{schedule: rate(1 second), input: {job: compact}}]
              orders:
                handler: dev.skyfn.node.apps.Events$Record
                triggers: [{topic: orders.*}]
              fails:
                handler: dev.skyfn.node.apps.Events$Fail
                triggers: [{topic: jobs, maxAttempts: 2, backoff: 50ms, deadLetter: jobs-dead}]
              dead:
                handler: dev.skyfn.node.apps.Events$Record
                triggers: [{topic: jobs-dead}]
              double:
                handler: dev.skyfn.node.apps.Events$Double
                triggers: [{topic: numbers, output: doubled}]
              doubled:
                handler: dev.skyfn.node.apps.Events$Record
                triggers: [{topic: doubled}]
              gated:
                handler: dev.skyfn.node.apps.Events$Gated
                triggers: [{topic: backlog, output: backlog-doubled}]
              total:
                handler: dev.skyfn.node.apps.Events$Total
                triggers: [{topic: backlog-doubled}]
              seen: {handler: dev.skyfn.node.apps.Events$Seen}
              publish: {handler: dev.skyfn.node.apps.Events$Publish}
              keys: {handler: dev.skyfn.node.apps.Stateful$Keys}
              sequence:
                handler: dev.skyfn.node.apps.Events$Sequence
                triggers: [{topic: steps, ordering: key}]
              changes:
                handler: dev.skyfn.node.apps.Events$Changes
                triggers: [{state: carts/}]
              live:
                handler: dev.skyfn.node.apps.Events$Record
                triggers: [{topic: live.*, delivery: at-most-once}]
            """;

    @BeforeAll
    static void start() throws Exception {
        anonymous = TestNode.start(TestNode.config(dir).build(), false);
        TestNode admin = anonymous.as(Files.readString(dir.resolve("admin.key")).trim());
        acme = admin.tenant("acme");
        globex = admin.tenant("globex");
        var deployed = acme.deploy(JarBuilder.app(APP).classes(Events.class, Stateful.class));
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        anonymous.close();
    }

    private static String seen(TestNode tenant, String what) {
        return seen(tenant, "shop", what);
    }

    private static String seen(TestNode tenant, String app, String what) {
        var res = tenant.send("POST", "/v1/apps/" + app + "/functions/seen:invoke", what.getBytes(StandardCharsets.UTF_8),
                "Content-Type", "text/plain");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        return res.body();
    }

    private static String publish(TestNode tenant, String subject, String body, String... headers) {
        String[] all = new String[headers.length + 2];
        all[0] = "Content-Type";
        all[1] = "application/json";
        System.arraycopy(headers, 0, all, 2, headers.length);
        var res = tenant.send("POST", "/v1/topics/" + subject, body.getBytes(StandardCharsets.UTF_8), all);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(202);
        return json(res).get("id").asText();
    }

    @Test
    void aScheduleRunsItsFunctionAtEachTickWithItsInputAndTheTriggersSayWhen() {
        await().atMost(Duration.ofSeconds(30)).until(() -> !seen(acme, "count/tick").equals("<none>")
                && Long.parseLong(seen(acme, "count/tick")) >= 2);
        var res = acme.get("/v1/apps/shop/triggers");
        assertThat(res.statusCode()).isEqualTo(200);
        var tick = json(res).get("triggers").get(0);
        assertThat(tick.get("function").asText()).isEqualTo("tick");
        assertThat(tick.get("kind").asText()).isEqualTo("schedule");
        Instant last = Instant.parse(tick.get("lastFired").asText());
        assertThat(last.toEpochMilli() % 1000).isZero();
        assertThat(Instant.parse(tick.get("nextTick").asText())).isAfter(last);
        var triggers = json(res).get("triggers");
        assertThat(triggers.get(1).get("spec").asText()).startsWith("orders.*, 3 attempt(s) then dead-letter.shop.orders");
    }

    @Test
    void anEventPublishedToASubjectRunsTheFunctionsSubscribedToItAsACloudEvent() {
        String id = publish(acme, "orders.eu", "{\"total\": 3}", "ce-type", "order.created");
        await().atMost(Duration.ofSeconds(20)).until(() -> !seen(acme, id).equals("<none>"));
        assertThat(seen(acme, id)).contains("type=order.created").contains("subject=orders.eu").contains("data={total=3}")
                .contains("specversion=1.0");
    }

    @Test
    void anEventDeliveredAtMostOnceRunsItsFunctionOnceAsACloudEvent() {
        long before = seen(acme, "count/live").equals("<none>") ? 0 : Long.parseLong(seen(acme, "count/live"));
        String id = publish(acme, "live.eu", "{\"total\": 4}", "ce-type", "ping");
        await().atMost(Duration.ofSeconds(20)).until(() -> !seen(acme, id).equals("<none>"));
        assertThat(seen(acme, id)).contains("type=ping").contains("subject=live.eu").contains("data={total=4}");
        var again = acme.send("POST", "/v1/topics/live.eu", "{}".getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json",
                "ce-id", id);
        assertThat(json(again).get("duplicate").asBoolean()).isTrue();
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> Long.parseLong(seen(acme, "count/live")) == before + 1);
        var triggers = json(acme.get("/v1/apps/shop/triggers")).get("triggers");
        assertThat(triggers.findValuesAsText("spec")).contains("live.*, at most once, a failed event to dead-letter.shop.live");
    }

    @Test
    void aFunctionPublishesAnEventThatRunsTheFunctionsSubscribedToIt() {
        var res = acme.send("POST", "/v1/apps/shop/functions/publish:invoke", "orders.fn".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "text/plain");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        String id = res.body();
        await().atMost(Duration.ofSeconds(20)).until(() -> !seen(acme, id).equals("<none>"));
        assertThat(seen(acme, id)).contains("source=/skyfn/acme/shop").contains("data={from=function}").contains("partitionkey=k1")
                .contains("subject=orders.fn").contains("type=dev.skyfn.function.v1.published");
        var bad = acme.send("POST", "/v1/apps/shop/functions/publish:invoke", "orders fn".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "text/plain");
        // the function's own request was bad, not its caller's
        assertError(bad, 500, "FUNCTION_ERROR", "the function's data operation was refused, BAD_REQUEST: 'orders fn' is not a subject");
    }

    @Test
    void aStateTriggerSeesEveryChangeOfItsKeysInOrderWithTheValuesBeforeAndAfter() {
        for (int i = 1; i <= 10; i++) {
            var res = acme.send("POST", "/v1/apps/shop/functions/keys:invoke", ("global carts/7=v" + i).getBytes(StandardCharsets.UTF_8),
                    "Content-Type", "text/plain");
            assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        }
        acme.send("POST", "/v1/apps/shop/functions/keys:invoke", "global other/1=x".getBytes(StandardCharsets.UTF_8), "Content-Type", "text/plain");
        await().atMost(Duration.ofSeconds(20)).until(() -> seen(acme, "last/changes").contains("newValue=v10"));
        assertThat(seen(acme, "last/changes")).doesNotContain("other/1");
        assertThat(seen(acme, "last/changes")).contains("key=carts/7").contains("oldValue=v9").contains("type=dev.skyfn.state.v1.changed")
                .contains("partitionkey=carts/7");
        var history = acme.send("POST", "/v1/apps/shop/functions/keys:invoke", "global history/carts/7".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "text/plain").body();
        assertThat(history).isEqualTo("v1 v2 v3 v4 v5 v6 v7 v8 v9 v10");
    }

    @Test
    void eventsOfOneKeyRunInTheOrderPublishedWhenTheTriggerAsksForIt() {
        for (int i = 1; i <= 12; i++) {
            publish(acme, "steps", Integer.toString(i), "ce-partitionkey", i % 2 == 0 ? "even" : "odd");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> keysValue("sequence/even").split(" ").length == 6
                && keysValue("sequence/odd").split(" ").length == 6);
        assertThat(keysValue("sequence/even")).isEqualTo("2 4 6 8 10 12");
        assertThat(keysValue("sequence/odd")).isEqualTo("1 3 5 7 9 11");
    }

    private static String keysValue(String key) {
        return acme.send("POST", "/v1/apps/shop/functions/keys:invoke", ("global " + key).getBytes(StandardCharsets.UTF_8),
                "Content-Type", "text/plain").body();
    }

    @Test
    void anEventKeepsItsExtensionsAndAnIdPublishedAgainIsDroppedAndSaidSo() {
        String id = "ext-" + System.nanoTime();
        publish(acme, "orders.ext", "{\"n\": 1}", "ce-id", id, "ce-region", "eu", "ce-subject", "ignored");
        await().atMost(Duration.ofSeconds(20)).until(() -> !seen(acme, id).equals("<none>"));
        assertThat(seen(acme, id)).contains("region=eu").contains("subject=orders.ext");
        var again = acme.send("POST", "/v1/topics/orders.other", "{}".getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json",
                "ce-id", id);
        assertThat(json(again).get("duplicate").asBoolean()).isTrue();
        var structured = acme.send("POST", "/v1/topics/orders.ext", ("{\"specversion\": \"1.0\", \"id\": \"s-" + id
                + "\", \"type\": \"t\", \"source\": \"/s\", \"tier\": \"gold\", \"data\": {\"n\": 2}}").getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/cloudevents+json");
        assertThat(structured.statusCode()).as(structured.body()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(20)).until(() -> !seen(acme, "s-" + id).equals("<none>"));
        assertThat(seen(acme, "s-" + id)).contains("tier=gold").contains("data={n=2}");
    }

    @Test
    void anotherTenantsEventOnTheSameSubjectNeverReachesTheApp() throws InterruptedException {
        String theirs = publish(globex, "orders.eu", "{\"total\": 1}");
        String ours = publish(acme, "orders.eu", "{\"total\": 2}");
        await().atMost(Duration.ofSeconds(20)).until(() -> !seen(acme, ours).equals("<none>"));
        assertThat(seen(acme, theirs)).isEqualTo("<none>");
    }

    @Test
    void anAppRemovedAndDeployedAgainTakesNoneOfTheEventsPublishedWhileItWasGone() {
        var jar = JarBuilder.app("""
                app: restock
                functions:
                  orders:
                    handler: dev.skyfn.node.apps.Events$Record
                    triggers: [{topic: restock}]
                  seen: {handler: dev.skyfn.node.apps.Events$Seen}
                """).classes(Events.class, Stateful.class);
        assertThat(acme.deploy(jar).statusCode()).isEqualTo(201);
        String before = publish(acme, "restock", "1");
        await().atMost(Duration.ofSeconds(20)).until(() -> !seen(acme, "restock", before).equals("<none>"));
        var removed = acme.send("DELETE", "/v1/apps/restock", null);
        assertThat(removed.statusCode()).as(removed.body()).isEqualTo(204);
        String whileGone = publish(acme, "restock", "2");

        assertThat(acme.deploy(jar).statusCode()).isEqualTo(201);
        String after = publish(acme, "restock", "3");
        await().atMost(Duration.ofSeconds(20)).until(() -> !seen(acme, "restock", after).equals("<none>"));
        assertThat(seen(acme, "restock", whileGone)).isEqualTo("<none>");
        assertThat(seen(acme, "restock", "count/orders")).as("the app created again took one event").isEqualTo("1");
    }

    @Test
    void anEventThatKeepsFailingGoesToTheDeadLetterSubjectWithItsError() {
        String id = publish(acme, "jobs", "{\"n\": 1}");
        String dead = "dead-letter:acme.shop.fails.0:" + id;
        await().atMost(Duration.ofSeconds(20)).until(() -> !seen(acme, dead).equals("<none>"));
        assertThat(seen(acme, dead)).contains("errorcode=FUNCTION_ERROR").contains("attempts=2")
                .contains("errormessage=cannot take " + id).contains("originalsubject=jobs").contains("data={n=1}");
    }

    @Test
    void aStreamFunctionsResultIsPublishedToItsOutput() {
        publish(acme, "numbers", "21", "ce-partitionkey", "k7");
        await().atMost(Duration.ofSeconds(20)).until(() -> !seen(acme, "last/doubled").equals("<none>"));
        assertThat(seen(acme, "last/doubled")).contains("data=42").contains("subject=doubled").contains("partitionkey=k7")
                .contains("id=out:acme.shop.double.0:").contains("type=dev.skyfn.function.v1.result");
    }

    @Test
    void aBacklogCrossesToTheSandboxManyEventsAtATimeAndEachGetsItsOwnResult() {
        int events = 150;
        // the first calls hold the function until all are published: the rest wait in the log, and go to the sandbox in frames
        for (int i = 1; i <= events; i++) {
            publish(acme, "backlog", Integer.toString(i));
        }
        var open = acme.send("POST", "/v1/apps/shop/functions/keys:invoke", "global open=yes".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "text/plain");
        assertThat(open.statusCode()).as(open.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(60)).until(() -> seen(acme, "count/total").equals(Integer.toString(events)));
        assertThat(seen(acme, "total/total")).isEqualTo(Long.toString((long) events * (events + 1)));
    }

    @Test
    void aBadSubjectOrTriggerIsRefusedWithTheFieldNamed() {
        var res = acme.send("POST", "/v1/topics/orders..eu", new byte[]{1});
        assertError(res, 400, "BAD_REQUEST", "'orders..eu' is not a subject: an empty token");
        assertError(acme.send("POST", "/v1/topics/orders", "not json".getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json"),
                400, "BAD_REQUEST", "the event's data is not JSON, as its media type application/json says");
        assertError(acme.send("POST", "/v1/topics/orders", "{\"specversion\": \"0.3\"}".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/cloudevents+json"), 400, "BAD_REQUEST", "specversion '0.3' is not taken");
        assertError(acme.send("POST", "/v1/topics/orders", "{\"data\": {\"a\": 1}, \"data_base64\": \"AQ==\"}".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/cloudevents+json"), 400, "BAD_REQUEST", "the CloudEvent has both 'data' and 'data_base64'");
        assertError(acme.send("POST", "/v1/topics/orders", "{\"region\": {\"name\": \"eu\"}}".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/cloudevents+json"), 400, "BAD_REQUEST",
                "the CloudEvent's extension 'region' is an object: an extension is a string, a number or a boolean");
        assertError(acme.send("POST", "/v1/topics/orders", new byte[]{1}, "ce-Bad_Name", "x"), 400, "BAD_REQUEST",
                "'bad_name' is not a CloudEvents extension attribute's name");
        var bad = acme.deploy(JarBuilder.app("app: bad\nfunctions:\n  f:\n    handler: dev.skyfn.node.apps.Events$Record\n"
                + "    triggers: [{schedule: 'cron(61 12 * * ? *)'}]\n").classes(Events.class, Stateful.class));
        assertError(bad, 400, "MANIFEST_INVALID", "functions.f.triggers[0].schedule: 'cron(61 12 * * ? *)' is not a schedule");
        var past = acme.deploy(JarBuilder.app("app: bad\nfunctions:\n  f:\n    handler: dev.skyfn.node.apps.Events$Record\n"
                + "    triggers: [{schedule: 'cron(0 12 1 1 ? 2020)'}]\n").classes(Events.class, Stateful.class));
        assertError(past, 400, "MANIFEST_INVALID", "functions.f.triggers[0].schedule: 'cron(0 12 1 1 ? 2020)' has no tick after");
        assertThat(acme.send("GET", "/v1/apps/bad", null).statusCode()).isEqualTo(404);
    }
}
