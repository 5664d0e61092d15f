package dev.skyfn.core.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skyfn.api.HttpRequest;
import dev.skyfn.api.HttpResponse;
import dev.skyfn.core.workflow.Step;
import dev.skyfn.core.workflow.StepRecord;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WireCodecTest {

    private static Message roundTrip(Message m) {
        byte[] frame = WireCodec.encode(m);
        int length = ((frame[0] & 0xFF) << 24) | ((frame[1] & 0xFF) << 16) | ((frame[2] & 0xFF) << 8) | (frame[3] & 0xFF);
        assertThat(length).isEqualTo(frame.length - 4);
        return WireCodec.decode(frame, 4, length);
    }

    @Test
    void controlMessagesSurviveTheWire() {
        List<Message> messages = List.of(
                new Message.Hello(2, 4242, "3f1c0a9e"),
                new Message.Load(7, 2, "shop", 3, "/data/shop.jar", 6 << 20,
                        List.of(new Message.HandlerRef("order", "shop.Order", 30_000, 256, Map.of("TABLE", "orders", "EMPTY", "")),
                                new Message.HandlerRef("ü", "x.Ü::go", 1, 10_240, Map.of())),
                        List.of(new Message.WorkflowRef("checkout", "{\"StartAt\":\"A\"}")), "eu-west-1", Map.of("TABLE", "orders"), true, 256),
                new Message.Failure(9, "FUNCTION_ERROR", "boom", "java.lang.IllegalStateException"),
                new Message.Failure(10, "FUNCTION_ERROR", "boom", "", new Spent(-1, 1_234)),
                new Message.Failure(12, "FUNCTION_TIMEOUT", "slow", "", new Spent(30_000_000_000L, -1)),
                new Message.Result(11, Payload.EMPTY, new Spent(2_345, 99)),
                new Message.Cancel(Long.MAX_VALUE),
                new Message.Logs(300, List.of(new LogLine("inv-1", "fn", LogLine.Kind.STDERR, 123L, "line ✓"))),
                new Message.Unload(5),
                new Message.Retire("THREAD_LEAK", "left 2 threads"));
        for (Message m : messages) {
            assertThat(roundTrip(m)).isEqualTo(m);
        }
    }

    @Test
    void bodiesSurviveTheWire() {
        byte[] body = new byte[300_000];
        Arrays.fill(body, (byte) 7);
        var invoke = (Message.Invoke) roundTrip(new Message.Invoke(1, 129, "f", "inv", 30_000, Payload.json(body)));
        assertThat(invoke.slot()).isEqualTo(129);
        assertThat(invoke.function()).isEqualTo("f");
        assertThat(invoke.timeoutMillis()).isEqualTo(30_000);
        assertThat(((Payload.Body) invoke.payload()).bytes()).isEqualTo(body);
        assertThat(((Payload.Body) invoke.payload()).contentType()).isEqualTo("application/json");
        assertThat(((Message.Result) roundTrip(new Message.Result(2, Payload.EMPTY))).payload()).isEqualTo(Payload.EMPTY);
    }

    @Test
    void manyInvocationsInOneFrameSurviveTheWire() {
        String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        var each = (Message.InvokeEach) roundTrip(new Message.InvokeEach(3, "pass", 60_000, List.of(
                new Message.Item(41, "ev-a", Payload.json("{\"n\":1}".getBytes()), ""),
                new Message.Item(42, "ev-b", new Payload.Body("text/plain", "ü".getBytes(StandardCharsets.UTF_8)), traceparent),
                new Message.Item(43, "ev-c", Payload.EMPTY, ""))));
        assertThat(each.slot()).isEqualTo(3);
        assertThat(each.function()).isEqualTo("pass");
        assertThat(each.timeoutMillis()).isEqualTo(60_000);
        assertThat(each.items()).extracting(Message.Item::id).containsExactly(41L, 42L, 43L);
        assertThat(each.items()).extracting(Message.Item::invocationId).containsExactly("ev-a", "ev-b", "ev-c");
        assertThat(each.items()).extracting(Message.Item::traceparent).containsExactly("", traceparent, "");
        var second = (Payload.Body) each.items().get(1).payload();
        assertThat(second.contentType()).isEqualTo("text/plain");
        assertThat(new String(second.bytes(), StandardCharsets.UTF_8)).isEqualTo("ü");
        assertThat(each.items().get(2).payload()).isEqualTo(Payload.EMPTY);
    }

    @Test
    void callsToOtherAppsSurviveTheWire() {
        var call = (Message.Call) roundTrip(new Message.Call(3, 4, "images", "resize", "inv.1.2", 900, Payload.json("{}".getBytes())));
        assertThat(call.id()).isEqualTo(3);
        assertThat(call.slot()).isEqualTo(4);
        assertThat(call.app()).isEqualTo("images");
        assertThat(call.function()).isEqualTo("resize");
        assertThat(call.invocationId()).isEqualTo("inv.1.2");
        assertThat(call.timeoutMillis()).isEqualTo(900);
        assertThat(((Payload.Body) call.payload()).bytes()).isEqualTo("{}".getBytes());
        assertThat(call.traceparent()).as("none given").isEmpty();
    }

    @Test
    void theTraceContextOfACallSurvivesTheWireBothWays() {
        String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        var invoke = (Message.Invoke) roundTrip(new Message.Invoke(1, 0, "f", "inv", 5, Payload.EMPTY, traceparent));
        assertThat(invoke.traceparent()).isEqualTo(traceparent);
        var call = (Message.Call) roundTrip(new Message.Call(2, 0, "a", "g", "inv.1", 5, Payload.EMPTY, traceparent));
        assertThat(call.traceparent()).isEqualTo(traceparent);
        assertThat(call.payload()).isEqualTo(Payload.EMPTY);
    }

    @Test
    void dataOperationsSurviveTheWire() {
        var cas = (Message.Data) roundTrip(new Message.Data(4, 6, DataOp.GLOBAL_CAS, "", "counter", "2".getBytes(), null, 0, 0));
        assertThat(cas.slot()).isEqualTo(6);
        assertThat(cas.op()).isEqualTo(DataOp.GLOBAL_CAS);
        assertThat(cas.key()).isEqualTo("counter");
        assertThat(cas.value()).isEqualTo("2".getBytes());
        assertThat(cas.expected()).isNull();
        var get = (Message.Data) roundTrip(new Message.Data(5, 0, DataOp.EPHEMERAL_AWAIT_ITEMS, "/job/map", "k", null, new byte[0], 7, 1000));
        assertThat(get.value()).isNull();
        assertThat(get.expected()).isEmpty();
        assertThat(get.number()).isEqualTo(7);
        assertThat(get.count()).isEqualTo(1000);
        assertThat(get.path()).isEqualTo("/job/map");
    }

    @Test
    void workflowRunsAndTheirStepsSurviveTheWire() {
        var settled = new StepRecord("Thumbs[3]/Resize", "Resize", "Task", Step.Phase.SUCCEEDED, 1_700_000_000_123_456L,
                "{\"w\":64}".getBytes(StandardCharsets.UTF_8), null, null, null, 2);
        var inBlob = new StepRecord("Store", "Store", "Task", Step.Phase.FAILED, 5, null, "b-17", "java.io.IOException", "disk full", 1);
        var run = (Message.Run) roundTrip(new Message.Run(8, 3, "pipeline", "ex-1", 60_000, "{}".getBytes(), List.of(settled, inBlob)));
        assertThat(run.slot()).isEqualTo(3);
        assertThat(run.workflow()).isEqualTo("pipeline");
        assertThat(run.executionId()).isEqualTo("ex-1");
        assertThat(run.timeoutMillis()).isEqualTo(60_000);
        assertThat(run.input()).isEqualTo("{}".getBytes());
        assertThat(run.memo()).hasSize(2);
        StepRecord first = run.memo().getFirst();
        assertThat(first).usingRecursiveComparison().isEqualTo(settled);
        assertThat(run.memo().get(1)).usingRecursiveComparison().isEqualTo(inBlob);
        assertThat(run.memo().get(1).inBlob()).isTrue();

        var progress = (Message.Progress) roundTrip(new Message.Progress(3, "ex-1", settled));
        assertThat(progress.slot()).isEqualTo(3);
        assertThat(progress.executionId()).isEqualTo("ex-1");
        assertThat(progress.step()).usingRecursiveComparison().isEqualTo(settled);
    }

    @Test
    void aFunctionsUsageInTheSandboxSurvivesTheWire() {
        var usage = new Message.Usage(2, "resize", "inv-1.3", true, 1_234_567, "FUNCTION_ERROR", Spent.UNKNOWN);
        assertThat(roundTrip(usage)).isEqualTo(usage);
        var ok = new Message.Usage(0, "f", "i", false, 1, "ok", new Spent(817, 42), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        assertThat(roundTrip(ok)).isEqualTo(ok);
    }

    @Test
    void directCallsAndWhatBrokersThemSurviveTheWire() {
        var direct = new Message.Usage(1, "echo", "inv-2.1", false, 42_000, "ok", new Spent(9_000, -1), "", true, 1_048_576, 3);
        assertThat(roundTrip(direct)).isEqualTo(direct);
        assertThat(roundTrip(new Message.Admit(7, "ab12"))).isEqualTo(new Message.Admit(7, "ab12"));
        assertThat(roundTrip(new Message.Route("images", "sb-4.sock", "ab12", 2, 64))).isEqualTo(new Message.Route("images", "sb-4.sock", "ab12", 2, 64));
        assertThat(roundTrip(new Message.Revoke(9))).isEqualTo(new Message.Revoke(9));
        var load = new Message.Concurrency(List.of(new Message.Concurrency.SlotCalls(1, 12), new Message.Concurrency.SlotCalls(300, 0)));
        assertThat(roundTrip(load)).isEqualTo(load);
    }

    @Test
    void refusesAUsageOfAnUnknownKind() {
        byte[] frame = WireCodec.encode(new Message.Usage(1, "f", "i", false, 1, "ok", Spent.UNKNOWN, "", true, 0, 0));
        // the kind byte follows the frame's type, the slot (one byte) and two strings of one character (a length byte and the character)
        frame[WireCodec.HEADER_BYTES + 1 + 1 + 2 + 2] = 3;
        assertThatThrownBy(() -> WireCodec.decode(frame, WireCodec.HEADER_BYTES, frame.length - WireCodec.HEADER_BYTES))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("unknown kind of usage 3");
    }

    @Test
    void refusesADirectUsageOfNegativeBytes() {
        byte[] frame = WireCodec.encode(new Message.Usage(1, "f", "i", false, 1, "ok", Spent.UNKNOWN, "", true, 0, 5));
        // bytes out are the frame's last eight bytes
        java.nio.ByteBuffer.wrap(frame, frame.length - 8, 8).putLong(-5);
        assertThatThrownBy(() -> WireCodec.decode(frame, WireCodec.HEADER_BYTES, frame.length - WireCodec.HEADER_BYTES))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("-5 out");
    }

    @Test
    void httpExchangesSurviveTheWire() {
        var req = new HttpRequest("POST", "/a/b", "x=1&y=2",
                Map.of("content-type", List.of("text/plain"), "x-many", List.of("1", "2")), "hi".getBytes(StandardCharsets.UTF_8));
        var sent = (Message.Invoke) roundTrip(new Message.Invoke(1, 0, "web", "inv", 5, new Payload.Request(req)));
        HttpRequest got = ((Payload.Request) sent.payload()).request();
        assertThat(got.method()).isEqualTo("POST");
        assertThat(got.path()).isEqualTo("/a/b");
        assertThat(got.query()).isEqualTo("x=1&y=2");
        assertThat(got.headers()).isEqualTo(req.headers());
        assertThat(got.bodyAsString()).isEqualTo("hi");

        var res = HttpResponse.text(201, "made").withHeader("location", "/x");
        var result = (Message.Result) roundTrip(new Message.Result(1, new Payload.Response(res)));
        HttpResponse back = ((Payload.Response) result.payload()).response();
        assertThat(back.status()).isEqualTo(201);
        assertThat(back.headers()).isEqualTo(res.headers());
        assertThat(back.body()).isEqualTo(res.body());
    }

    @Test
    void refusesTruncatedAndUnknownFrames() {
        byte[] frame = WireCodec.encode(new Message.Failure(1, "A", "B", "C"));
        assertThatThrownBy(() -> WireCodec.decode(frame, 4, frame.length - 6)).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> WireCodec.decode(new byte[]{99}, 0, 1)).isInstanceOf(ProtocolException.class);
    }

    @Test
    void refusesALengthBeyondTheFrame() {
        // a string claiming 2^28 bytes inside a 10-byte frame
        byte[] hostile = {5, 0, 0, 0, 0, 0, 0, 0, 1, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01};
        assertThatThrownBy(() -> WireCodec.decode(hostile, 0, hostile.length)).isInstanceOf(ProtocolException.class);
    }
}
