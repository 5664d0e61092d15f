package dev.skyfn.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.core.wire.FrameChannel;
import dev.skyfn.core.wire.LogLine;
import dev.skyfn.core.wire.Message;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputCaptureTest {

    @TempDir
    Path dir;

    @Test
    void eachInvocationsLinesAreShippedTaggedWithItAndALineLeftWithoutANewlineAsItEnds() throws Exception {
        List<LogLine> shipped = new CopyOnWriteArrayList<>();
        var address = UnixDomainSocketAddress.of(dir.resolve("logs.sock"));
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        try (var server = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(address);
             var client = SocketChannel.open(address);
             var accepted = server.accept()) {
            var receiver = FrameChannel.overSocket(accepted, 1 << 20);
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    receiver.readLoop(m -> shipped.addAll(((Message.Logs) m).lines()));
                } catch (java.io.IOException closed) {
                    // the test is over
                }
            });
            var shipper = new LogShipper(FrameChannel.overSocket(client, 1 << 20));
            var capture = new OutputCapture(shipper);
            capture.install();
            try {
                run(capture, "inv-1", () -> System.out.print("no newline"));
                run(capture, "inv-2", () -> { });
                run(capture, "inv-3", () -> {
                    System.out.println("whole");
                    System.err.print("half");
                });
            } finally {
                System.setOut(stdout);
                System.setErr(stderr);
            }
            shipper.flush();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (shipped.size() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        }
        assertThat(shipped).extracting(LogLine::invocationId, LogLine::kind, LogLine::text).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("inv-1", LogLine.Kind.STDOUT, "no newline"),
                org.assertj.core.groups.Tuple.tuple("inv-3", LogLine.Kind.STDOUT, "whole"),
                org.assertj.core.groups.Tuple.tuple("inv-3", LogLine.Kind.STDERR, "half"));
    }

    /** Runs {@code body} as an invocation does: on a thread of its own, tagged, then left. */
    private static void run(OutputCapture capture, String invocationId, Runnable body) throws InterruptedException {
        Thread.ofVirtual().start(() -> {
            OutputCapture.enter(1, invocationId, "f");
            body.run();
            capture.leave();
        }).join();
    }
}
