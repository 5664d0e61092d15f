package dev.skyfn.sandbox;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import dev.skyfn.core.wire.Message;
import dev.skyfn.core.wire.Payload;
import dev.skyfn.core.wire.WireCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Runs the sandbox's own request path once before it reports ready, so that a pre-booted sandbox
 * has its runtime classes loaded and initialised and an app's first call pays only for the app.
 * This run is also what the AOT cache of the sandbox runtime records.
 */
final class Warmup {

    private static final byte[] INPUT = "{\"warm\":[1,2.5,\"x\",true,null]}".getBytes(StandardCharsets.UTF_8);

    private Warmup() {
    }

    /** A handler of the sandbox's own, mapped like an app's; public because it is created reflectively. */
    public static final class Echo implements Handler<Map<String, Object>, Map<String, Object>> {
        @Override
        public Map<String, Object> handle(Map<String, Object> input, Context ctx) {
            return Map.of("echo", input, "function", ctx.function());
        }
    }

    static void run() throws Exception {
        var codec = new Codec(1 << 20);
        GrainWorker worker = GrainWorker.load("echo", Echo.class.getName(), Warmup.class.getClassLoader(), codec);
        var ctx = new InvocationContext("warmup", "warmup", "echo", 1_000, null);
        Thread grain = Thread.ofVirtual().start(() -> roundTrip(worker, ctx));
        grain.join();
        try (InputStream main = SandboxMain.class.getResourceAsStream("SandboxMain.class")) {
            new ExitRewriter(Warmup.class.getClassLoader()).rewrite(main.readAllBytes());
        }
    }

    private static void roundTrip(GrainWorker worker, InvocationContext ctx) {
        try {
            Payload out = worker.run(Payload.json(INPUT), ctx);
            byte[] frame = WireCodec.encode(new Message.Result(1, out));
            WireCodec.decode(frame, 4, frame.length - 4);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException("the sandbox's own warm-up failed", e);
        }
    }
}
