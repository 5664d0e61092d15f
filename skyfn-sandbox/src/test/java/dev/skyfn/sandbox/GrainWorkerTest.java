package dev.skyfn.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skyfn.api.HttpRequest;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.wire.Payload;
import dev.skyfn.sandbox.fixtures.Foreign;
import dev.skyfn.sandbox.fixtures.GoogleEventFunctions;
import dev.skyfn.sandbox.fixtures.Handlers;
import dev.skyfn.sandbox.fixtures.LambdaEvents;
import dev.skyfn.sandbox.fixtures.PlainLambda;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GrainWorkerTest {

    private final Codec codec = new Codec(1024);
    private final List<String> logged = new java.util.ArrayList<>();
    private final InvocationContext ctx = new InvocationContext("inv-1", "", "app", "fn", 1000, new Services(
            (invocation, function, kind, text) -> logged.add(invocation + " " + kind + " " + text), FunctionCaller.NONE, codec, null, null));

    private GrainWorker load(Class<?> handler) {
        return GrainWorker.load("fn", handler.getName(), getClass().getClassLoader(), codec);
    }

    private static Payload json(String s) {
        return Payload.json(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(Payload p) {
        return new String(((Payload.Body) p).bytes(), StandardCharsets.UTF_8);
    }

    private static void assertCode(Runnable r, ErrorCode code, String message) {
        assertThatThrownBy(r::run).isInstanceOf(SkyfnException.class)
                .satisfies(e -> assertThat(((SkyfnException) e).code()).isEqualTo(code))
                .hasMessageContaining(message);
    }

    @Test
    void mapsJsonToTheHandlersRecordAndBack() throws Exception {
        Payload out = load(Handlers.Price.class).run(json("{\"item\":\"tea\",\"quantity\":4,\"extra\":true}"), ctx);
        assertThat(((Payload.Body) out).contentType()).isEqualTo("application/json");
        assertThat(text(out)).isEqualTo("{\"item\":\"tea\",\"quantity\":4,\"price\":10.0}");
    }

    @Test
    void findsTheInputTypeBoundInASuperclass() throws Exception {
        assertThat(text(load(Handlers.Count.class).run(json("[1,2,3]"), ctx))).isEqualTo("count=3");
    }

    @Test
    void givesStreamHandlersTheRawBytes() throws Exception {
        Payload out = load(Handlers.Upper.class).run(new Payload.Body("text/plain", "abc".getBytes()), ctx);
        assertThat(((Payload.Body) out).bytes()).isEqualTo("ABC".getBytes());
    }

    @Test
    void handsAWholeHttpRequestToWebHandlers() throws Exception {
        var req = new HttpRequest("PUT", "/x", "", Map.of(), "hi".getBytes());
        Payload out = load(Handlers.Web.class).run(new Payload.Request(req), ctx);
        assertThat(((Payload.Response) out).response().body()).isEqualTo("PUT /x hi".getBytes());
    }

    @Test
    void refusesInputThatDoesNotFitTheTypeNamingTheField() {
        GrainWorker price = load(Handlers.Price.class);
        assertCode(() -> run(price, "{\"item\":\"tea\",\"quantity\":\"lots\"}"), ErrorCode.INVALID_INPUT, "(at quantity)");
        assertCode(() -> run(price, "[1,2]"), ErrorCode.INVALID_INPUT, "Handlers$Order");
        assertCode(() -> run(price, "{\"item\": "), ErrorCode.INVALID_INPUT, "input does not fit");
    }

    @Test
    void refusesAResultOverTheLimit() throws Exception {
        GrainWorker huge = load(Handlers.Huge.class);
        assertThat(((Payload.Body) huge.run(json("1024"), ctx)).bytes()).hasSize(1024);
        assertCode(() -> run(huge, "1025"), ErrorCode.RESULT_TOO_LARGE, "larger than 1024 bytes");
    }

    @Test
    void refusesJsonResultsOverTheLimitWhileWritingThem() {
        GrainWorker count = GrainWorker.load("fn", Handlers.Price.class.getName(), getClass().getClassLoader(), new Codec(10));
        assertCode(() -> run(count, "{\"item\":\"tea\",\"quantity\":1}"), ErrorCode.RESULT_TOO_LARGE, "larger than 10 bytes");
    }

    @Test
    void explainsHandlersOfTheWrongShape() {
        assertCode(() -> load(Handlers.NotAHandler.class), ErrorCode.HANDLER_INVALID, "implements none of the handler interfaces");
        assertCode(() -> load(Handlers.NeedsArguments.class), ErrorCode.HANDLER_INVALID, "public constructor without parameters");
        assertCode(() -> load(Handlers.Base.class), ErrorCode.HANDLER_INVALID, "non-abstract");
        assertCode(() -> GrainWorker.load("fn", "no.such.Handler", getClass().getClassLoader(), codec),
                ErrorCode.HANDLER_NOT_FOUND, "no.such.Handler is not in the app's jar");
    }

    @Test
    void reportsAConstructorThatThrowsAsALoadFailure() {
        assertCode(() -> load(Handlers.FailsToStart.class), ErrorCode.APP_LOAD_FAILED, "no database");
    }

    private void run(GrainWorker worker, String json) {
        try {
            worker.run(json(json), ctx);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void readsAnEmptyBodyAsNoInput() throws Exception {
        assertThat(codec.decode(Payload.EMPTY, codec.type(List.class))).isNull();
    }

    @Test
    void runsAwsLambdaRequestHandlersWithTheirContext() throws Exception {
        Payload out = load(Foreign.LambdaGreeting.class).run(json("{\"name\":\"Ada\"}"), ctx);
        assertThat(text(out)).contains("\"message\":\"Hello, Ada\"").contains("\"requestId\":\"inv-1\"")
                .contains("\"function\":\"fn\"");
        assertThat(logged).containsExactly("inv-1 INFO greeting Ada");
    }

    @Test
    void aLambdaContextSaysTheFunctionsConfiguredMemoryNotTheHeap() throws Exception {
        GrainWorker greeting = GrainWorker.load("fn", Foreign.LambdaGreeting.class.getName(), getClass().getClassLoader(), codec, 3, 512);
        assertThat(text(greeting.run(json("{\"name\":\"Ada\"}"), ctx))).contains("\"memory\":512");
    }

    @Test
    void mapsStringsAsJsonForAwsLambdaHandlersAsLambdaDoes() throws Exception {
        assertThat(text(load(Foreign.LambdaUpper.class).run(json("\"abc\""), ctx))).isEqualTo("\"ABC\"");
    }

    @Test
    void runsAwsLambdaStreamHandlers() throws Exception {
        Payload out = load(Foreign.LambdaStream.class).run(new Payload.Body("text/plain", "raw".getBytes()), ctx);
        assertThat(((Payload.Body) out).bytes()).isEqualTo("streamed:raw".getBytes());
    }

    @Test
    void runsGoogleCloudHttpFunctions() throws Exception {
        var req = new HttpRequest("POST", "/orders", "who=ada&x=1", Map.of("content-type", List.of("text/plain")),
                "first line\nsecond".getBytes());
        var res = ((Payload.Response) load(Foreign.CloudFunction.class).run(new Payload.Request(req), ctx)).response();
        assertThat(res.status()).isEqualTo(202);
        assertThat(res.headers()).containsEntry("x-who", List.of("ada")).containsEntry("content-type", List.of("text/plain"));
        assertThat(new String(res.body())).isEqualTo("POST /orders first line");
    }

    @Test
    void givesAnHttpApiHandlerTheEventLambdaBuildsForAFunctionUrl() throws Exception {
        var req = new HttpRequest("POST", "/orders/7", "tag=a&tag=b&q=x%20y", Map.of("x-tag", List.of("t1", "t2"),
                "cookie", List.of("s=1; theme=dark"), "content-type", List.of("text/plain"),
                "x-forwarded-for", List.of("203.0.113.9, 10.0.0.7")), "first".getBytes());
        var res = ((Payload.Response) load(LambdaEvents.HttpApi.class).run(new Payload.Request(req), ctx)).response();
        assertThat(res.status()).isEqualTo(201);
        // the source is the peer the gateway saw (the last entry it appended), not what the caller claims before it
        assertThat(new String(res.body())).isEqualTo("POST|/orders/7|tag=a&tag=b&q=x%20y|{tag=a,b, q=x y}|t1,t2|[s=1, theme=dark]"
                + "|first|false|inv-1|2.0|$default|10.0.0.7");
        // each cookie a Set-Cookie of its own: an expiry's comma would break a joined header
        assertThat(res.headers().get("set-cookie")).containsExactly("a=1; Path=/", "b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT");
        assertThat(res.header("content-type")).isEqualTo("text/plain");
    }

    @Test
    void givesAnHttpApiHandlerABinaryBodyInBase64() throws Exception {
        var req = new HttpRequest("PUT", "/", "", Map.of("content-type", List.of("image/png")), new byte[] {1, 2, 3});
        var res = ((Payload.Response) load(LambdaEvents.HttpApi.class).run(new Payload.Request(req), ctx)).response();
        assertThat(new String(res.body())).contains("|AQID|true|");
    }

    @Test
    void givesARestApiHandlerTheProxyEventWithMultipleValues() throws Exception {
        var req = new HttpRequest("GET", "/items/9", "tag=a&tag=b", Map.of("accept", List.of("text/plain"), "x-tag", List.of("1", "2")),
                new byte[0]);
        var res = ((Payload.Response) load(LambdaEvents.RestApi.class).run(new Payload.Request(req), ctx)).response();
        assertThat(res.status()).isEqualTo(200);
        // a REST API's headers keep the case HTTP/1.1 clients write them in, where an HTTP API's are lower case
        assertThat(new String(res.body())).isEqualTo("GET|/items/9|b|[a, b]|{proxy=items/9}|null|text/plain|[1, 2]");
        assertThat(res.headers().get("x-seen")).containsExactly("one", "two");
    }

    @Test
    void mapsLambdaEventClassesWithLambdasOwnNames() throws Exception {
        String sqs = """
                {"Records": [{"messageId": "m1", "receiptHandle": "r", "body": "hello", "attributes": {},
                  "messageAttributes": {"kind": {"stringValue": "greeting", "dataType": "String"}},
                  "eventSource": "aws:sqs", "awsRegion": "eu-west-1"}]}""";
        assertThat(text(load(LambdaEvents.Queue.class).run(json(sqs), ctx))).isEqualTo("\"1:hello:greeting\"");
    }

    @Test
    void answersAFunctionUrlCallWithoutAStatusAsLambdaDoes() throws Exception {
        var get = new Payload.Request(new HttpRequest("GET", "/here", "", Map.of(), new byte[0]));
        var res = ((Payload.Response) load(LambdaEvents.Plain.class).run(get, ctx)).response();
        assertThat(res.status()).isEqualTo(200);
        assertThat(res.header("content-type")).isEqualTo("application/json");
        assertThat(new String(res.body())).isEqualTo("path /here");
    }

    @Test
    void aLambdaHandlerThatAnswersNothingAnswersJsonNull() throws Exception {
        assertThat(text(load(LambdaEvents.Nothing.class).run(json("{}"), ctx))).isEqualTo("null");
    }

    @Test
    void runsAHandlerNamedWithItsMethodAsLambdaDoes() throws Exception {
        String cls = PlainLambda.class.getName();
        assertThat(text(named(cls + "::handleRequest").run(json("{\"n\":1}"), ctx))).as("the method of the name with most parameters")
                .contains("\"got\":1").contains("\"id\":\"inv-1\"");
        assertThat(text(named(cls + "::shout").run(json("\"abc\""), ctx))).isEqualTo("\"ABC\"");
        Payload copied = named(cls + "::copy").run(new Payload.Body("text/plain", "raw".getBytes()), ctx);
        assertThat(((Payload.Body) copied).bytes()).isEqualTo("copied:raw".getBytes());
        assertThatThrownBy(() -> named(cls + "::fail").run(json("{}"), ctx)).isInstanceOf(IllegalStateException.class)
                .hasMessage("no orders today");
    }

    @Test
    void refusesAHandlerMethodLambdaCouldNotCall() {
        String cls = PlainLambda.class.getName();
        assertCode(() -> named(cls + "::missing"), ErrorCode.HANDLER_INVALID, "has no public method missing");
        assertCode(() -> named(cls + "::twoInputs"), ErrorCode.HANDLER_INVALID, "takes 2 parameters");
    }

    private GrainWorker named(String handler) {
        return GrainWorker.load("fn", handler, getClass().getClassLoader(), codec);
    }

    @Test
    void givesACloudEventsFunctionTheEventOfAnyContentMode() throws Exception {
        GoogleEventFunctions.SEEN.clear();
        GrainWorker events = load(GoogleEventFunctions.Events.class);
        var binary = new HttpRequest("POST", "/", "", Map.of("ce-specversion", List.of("1.0"), "ce-id", List.of("e-1"),
                "ce-source", List.of("//storage/b"), "ce-type", List.of("google.cloud.storage.object.v1.finalized"),
                "content-type", List.of("application/json")), "{\"name\":\"photo.png\"}".getBytes());
        var res = ((Payload.Response) events.run(new Payload.Request(binary), ctx)).response();
        assertThat(res.status()).isEqualTo(200);
        String structured = """
                {"specversion": "1.0", "id": "e-2", "source": "//pubsub/t", "type": "google.cloud.pubsub.topic.v1.messagePublished",
                 "datacontenttype": "application/json", "data": {"n": 1}}""";
        assertThat(events.run(new Payload.Body("application/cloudevents+json", structured.getBytes()), ctx)).isEqualTo(Payload.EMPTY);
        assertThat(GoogleEventFunctions.SEEN).containsExactly(
                "google.cloud.storage.object.v1.finalized //storage/b e-1 {\"name\":\"photo.png\"}",
                "google.cloud.pubsub.topic.v1.messagePublished //pubsub/t e-2 {\"n\":1}");
        assertCode(() -> run(events, "{\"just\": \"json\"}"), ErrorCode.INVALID_INPUT, "an event function takes a CloudEvent");
        // a legacy event reaches it as the CloudEvent Eventarc would send
        events.run(json("""
                {"data": {"data": "aGk="}, "context": {"eventId": "l-9", "eventType": "google.pubsub.topic.publish",
                 "resource": {"service": "pubsub.googleapis.com", "name": "projects/p/topics/t"}}}"""), ctx);
        assertThat(GoogleEventFunctions.SEEN).last().isEqualTo("google.cloud.pubsub.topic.v1.messagePublished "
                + "//pubsub.googleapis.com/projects/p/topics/t l-9 {\"message\":{\"data\":\"aGk=\"}}");
    }

    @Test
    void givesABackgroundFunctionItsDataAndContextFromACloudEventOrTheLegacyShape() throws Exception {
        GoogleEventFunctions.SEEN.clear();
        GrainWorker legacy = load(GoogleEventFunctions.Legacy.class);
        legacy.run(json("""
                {"data": {"name": "ada"}, "context": {"eventId": "l-1", "timestamp": "2026-12-01T00:00:00Z",
                 "eventType": "providers/cloud.pubsub/eventTypes/topic.publish", "resource": "projects/p/topics/t"}}"""), ctx);
        // a CloudEvent of a Google type reaches it in the legacy form its code was written for, as the Functions Framework gives it
        legacy.run(new Payload.Body("application/cloudevents+json", """
                {"specversion": "1.0", "id": "c-1", "source": "//storage.googleapis.com/projects/_/buckets/b", "subject": "objects/bob",
                 "type": "google.cloud.storage.object.v1.finalized", "data": {"name": "bob"}}""".getBytes()), ctx);
        legacy.run(new Payload.Body("application/cloudevents+json", """
                {"specversion": "1.0", "id": "c-2", "source": "//shop/orders", "subject": "o-1",
                 "type": "com.example.order.placed", "data": {"name": "cy"}}""".getBytes()), ctx);
        assertThat(GoogleEventFunctions.SEEN).containsExactly(
                "ada l-1 providers/cloud.pubsub/eventTypes/topic.publish projects/p/topics/t",
                "bob c-1 google.storage.object.finalize {\"service\":\"storage.googleapis.com\",\"name\":\"projects/_/buckets/b/objects/bob\"}",
                "cy c-2 com.example.order.placed //shop/orders/o-1");
    }

    @Test
    void readsTextInTheCharsetItsContentTypeDeclares() throws Exception {
        byte[] latin = "café".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        GrainWorker echo = load(Handlers.Echo.class);
        assertThat(text(echo.run(new Payload.Body("text/plain; charset=ISO-8859-1", latin), ctx))).isEqualTo("4:café");
        assertThat(text(echo.run(new Payload.Body("text/plain", "café".getBytes(StandardCharsets.UTF_8)), ctx))).isEqualTo("4:café");
        var req = new HttpRequest("POST", "/", "", Map.of("content-type", List.of("text/plain;charset=iso-8859-1")), latin);
        assertThat(req.bodyAsString()).isEqualTo("café");
    }

    @Test
    void givesACloudFunctionTheFormsPartsAsItsFrameworkDoes() throws Exception {
        String body = "--b0undary\r\n"
                + "Content-Disposition: form-data; name=\"title\"\r\n\r\n"
                + "holiday\r\n"
                + "--b0undary\r\n"
                + "Content-Disposition: form-data; name=\"photo\"; filename=\"beach.txt\"\r\n"
                + "Content-Type: text/plain\r\n\r\n"
                + "sand and sea\r\n"
                + "--b0undary--\r\n";
        var req = new HttpRequest("POST", "/", "", Map.of("content-type", List.of("multipart/form-data; boundary=b0undary")),
                body.getBytes(StandardCharsets.UTF_8));
        var res = ((Payload.Response) load(Foreign.Upload.class).run(new Payload.Request(req), ctx)).response();
        assertThat(new String(res.body())).isEqualTo("photo beach.txt text/plain 12 sand and sea;title - - 7 holiday;");
        var notAForm = new HttpRequest("POST", "/", "", Map.of("content-type", List.of("application/x-www-form-urlencoded")),
                "a=1".getBytes());
        assertThatThrownBy(() -> load(Foreign.Upload.class).run(new Payload.Request(notAForm), ctx))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("must be multipart/form-data");
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
            "s3.json        | Storage  | ObjectCreated:Put photos/2026/beach.png 1024 2026",
            "sns.json       | Topic    | arn:aws:sns:us-east-1:123456789012:orders order 7 shipped shipping",
            "dynamodb.json  | Table    | INSERT order-7 3 111",
            "kinesis.json   | Stream   | order-7 hello stream",
            "scheduled.json | Schedule | Scheduled Event aws.events 14 [arn:aws:events:us-east-1:123456789012:rule/nightly]",
    })
    void readsTheEventsLambdaSendsIntoItsEventClasses(String event, String handler, String said) throws Exception {
        byte[] json;
        try (var in = getClass().getResourceAsStream("/lambda-events/" + event)) {
            json = in.readAllBytes();
        }
        GrainWorker worker = GrainWorker.load("fn", LambdaEvents.class.getName() + "$" + handler, getClass().getClassLoader(), codec);
        assertThat(text(worker.run(Payload.json(json), ctx))).isEqualTo("\"" + said + "\"");
    }
}
