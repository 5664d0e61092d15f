package dev.skyfn.sandbox;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import dev.skyfn.core.wire.FrameChannel;
import dev.skyfn.core.wire.Message;
import dev.skyfn.core.wire.Payload;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * Runs the sandbox's whole request path before the sandbox reports ready: a real load of a small
 * app from a jar and a few hundred invocations, over a socket of its own, through the same code
 * the node's requests take. A pre-booted sandbox then has its runtime classes loaded and its hot
 * paths compiled, and an app's first call pays only for the app. This run is also what the AOT
 * cache of the sandbox runtime records.
 */
final class Warmup {

    static final int INVOCATIONS = 300;
    static final int EXECUTIONS = 30;
    /**
     * Loads of the same small app into fresh slots, each with a first call: an app's load (a new
     * class loader, its classes rewritten and defined) runs once per cold start, so one load in
     * the warm-up would leave that path to the interpreter.
     */
    static final int LOADS = 12;
    /** A workflow over the echo function: the interpreter's paths, choices and a Map are warmed too. */
    /** How long one warm-up step may take: generous, so that a busy machine slows the boot down rather than failing it. */
    private static final long STEP_TIMEOUT_MS = 60_000;
    private static final String WORKFLOW = """
            {"StartAt": "First", "States": {
              "First": {"Type": "Task", "Resource": "echo", "ResultPath": "$.first", "Next": "Which"},
              "Which": {"Type": "Choice", "Choices": [{"Variable": "$.warm[0]", "NumericEquals": 1, "Next": "Each"}], "Default": "Done"},
              "Each": {"Type": "Map", "ItemsPath": "$.warm", "MaxConcurrency": 2,
                       "ItemProcessor": {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "Parameters": {"item.$": "$"}, "End": true}}},
                       "ResultPath": "$.items", "Next": "Done"},
              "Done": {"Type": "Pass", "OutputPath": "$.first", "End": true}}}
            """;
    private static final byte[] INPUT = "{\"warm\":[1,2.5,\"x\",true,null]}".getBytes(StandardCharsets.UTF_8);
    private static final Payload NAME = new Payload.Body("text/plain", "warm".getBytes(StandardCharsets.UTF_8));

    private Warmup() {
    }

    /** A handler of the sandbox's own, loaded from a jar like an app's; public because it is created reflectively. */
    public static final class Echo implements Handler<Map<String, Object>, Map<String, Object>> {
        @Override
        public Map<String, Object> handle(Map<String, Object> input, Context ctx) {
            ctx.log().debug("warming");
            return Map.of("echo", input, "function", ctx.function());
        }
    }

    /** Text in, text out, a line logged: the other common shape of a first call. */
    public static final class Greet implements Handler<String, String> {
        @Override
        public String handle(String name, Context ctx) {
            ctx.log().info("greeting " + name);
            return "Hello, " + name + "!";
        }
    }

    /** Warms the sandbox's paths up in {@code dir}, through a shared-memory channel when {@code sharedMemory}, as its node's will be. */
    static void run(Path dir, boolean sharedMemory, PrintStream diagnostics) throws Exception {
        Path jar = appJar(dir);
        Path socket = dir.resolve("warmup-" + ProcessHandle.current().pid() + ".sock");
        Path frames = dir.resolve("warmup-" + ProcessHandle.current().pid() + ".shm");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            var nodeSocket = SocketChannel.open(UnixDomainSocketAddress.of(socket));
            var sandboxSocket = server.accept();
            FrameChannel node;
            FrameChannel sandbox;
            if (sharedMemory) {
                FrameChannel.createSharedMemory(frames, 64 << 10);
                node = FrameChannel.overSharedMemory(nodeSocket, frames, true, 1 << 20);
                sandbox = FrameChannel.overSharedMemory(sandboxSocket, frames, false, 1 << 20);
            } else {
                node = FrameChannel.overSocket(nodeSocket, 1 << 20);
                sandbox = FrameChannel.overSocket(sandboxSocket, 1 << 20);
            }
            var runtime = new SandboxRuntime(sandbox, diagnostics);
            BlockingQueue<Message> answers = new LinkedBlockingQueue<>();
            Thread.ofPlatform().daemon().start(() -> readQuietly(sandbox, runtime::handle));
            Thread.ofPlatform().daemon().start(() -> readQuietly(node, m -> {
                if (!(m instanceof Message.Logs) && !(m instanceof Message.Progress) && !(m instanceof Message.Usage)) {
                    answers.add(m);
                }
            }));
            long id = 0;
            for (int slot = 1; slot <= LOADS; slot++) {
                node.send(load(++id, slot, jar));
                expectResult(answers);
                node.send(new Message.Invoke(++id, slot, "greet", "warmup-load-" + slot, STEP_TIMEOUT_MS, NAME));
                expectResult(answers);
                node.send(new Message.Unload(slot));
            }
            node.send(load(++id, 0, jar));
            expectResult(answers);
            for (int i = 1; i <= INVOCATIONS; i++) {
                node.send(i % 2 == 0 ? new Message.Invoke(++id, 0, "echo", "warmup-" + i, STEP_TIMEOUT_MS, Payload.json(INPUT))
                        : new Message.Invoke(++id, 0, "greet", "warmup-" + i, STEP_TIMEOUT_MS, NAME));
                expectResult(answers);
            }
            for (int i = 1; i <= EXECUTIONS; i++) {
                node.send(new Message.Run(++id, 0, "warm", "warmup-" + i, STEP_TIMEOUT_MS, INPUT, List.of()));
                expectResult(answers);
            }
            node.close();
            sandbox.close();
            runtime.close();
        } finally {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(frames);
            Files.deleteIfExists(jar);
        }
        try (InputStream main = SandboxMain.class.getResourceAsStream("SandboxMain.class")) {
            new CallRewriter(Warmup.class.getClassLoader()).rewrite(main.readAllBytes());
        }
    }

    private static Message.Load load(long id, int slot, Path jar) {
        return new Message.Load(id, slot, "warmup", 1, jar.toString(), 1 << 20,
                List.of(new Message.HandlerRef("echo", Echo.class.getName(), STEP_TIMEOUT_MS, 128, Map.of()),
                        new Message.HandlerRef("greet", Greet.class.getName(), STEP_TIMEOUT_MS, 128, Map.of())),
                List.of(new Message.WorkflowRef("warm", WORKFLOW)), "local", Map.of(), false, 0);
    }

    private static void expectResult(BlockingQueue<Message> answers) throws InterruptedException {
        Message m = answers.poll(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        if (m == null) {
            throw new IllegalStateException("the sandbox's own warm-up got no answer within " + STEP_TIMEOUT_MS / 1000
                    + " s (is the machine overloaded?)");
        }
        if (!(m instanceof Message.Result)) {
            throw new IllegalStateException("the sandbox's own warm-up failed: " + m);
        }
    }

    private static void readQuietly(FrameChannel channel, java.util.function.Consumer<Message> sink) {
        try {
            channel.readLoop(sink);
        } catch (IOException e) {
            // the warm-up closes its sockets when done
        }
    }

    /** A jar holding the warm-up's handlers, as an app's jar would. */
    private static Path appJar(Path dir) throws IOException {
        Path jar = dir.resolve("warmup-" + ProcessHandle.current().pid() + ".jar");
        try (OutputStream file = Files.newOutputStream(jar); var out = new JarOutputStream(file)) {
            for (Class<?> handler : List.of(Echo.class, Greet.class)) {
                String entry = handler.getName().replace('.', '/') + ".class";
                try (InputStream bytes = Warmup.class.getClassLoader().getResourceAsStream(entry)) {
                    out.putNextEntry(new JarEntry(entry));
                    bytes.transferTo(out);
                    out.closeEntry();
                }
            }
        }
        return jar;
    }
}
