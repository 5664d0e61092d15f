package dev.skyfn.node.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.wire.FrameChannel;
import dev.skyfn.core.wire.Message;
import dev.skyfn.core.wire.WireCodec;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process that reaches a new sandbox's socket before the sandbox does cannot pose as it: it does
 * not have the token the node gave the sandbox. The sandboxes here are not confined (as on a host
 * without bubblewrap, where the socket is in reach), and the real one is held at its JVM's start,
 * so the impostor is always first.
 */
@Tag("slow")
class ImpostorTest {

    @TempDir
    Path runDir;

    @Test
    void aProcessThatConnectsFirstWithoutTheTokenIsRefusedAndTheSandboxIsNotHandedOut() throws Exception {
        var launcher = new SandboxLauncher(runDir, runDir.resolve("cache"), Duration.ofSeconds(20), 1 << 20, false,
                List.of("-XX:+UnlockDiagnosticVMOptions", "-XX:+PauseAtStartup"), new Confinement.None("a test"), Cgroups.none("a test"), (took, aot, warmth) -> {
                });
        CompletableFuture<Sandbox> booting = CompletableFuture.supplyAsync(() -> launcher.boot(128, Sandbox.Owner.NONE, SandboxLauncher.Warmth.COLD));
        Path socket = runDir.resolve("sb-1").resolve("node.sock");
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(socket));

        var connected = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        // it speaks whichever transport the node's sandboxes use, through the very file the real one was given
        try (var impostor = SandboxTransport.byDefault() == SandboxTransport.SOCKET ? FrameChannel.overSocket(connected, 1 << 20)
                : FrameChannel.overSharedMemory(connected, runDir.resolve("sb-1").resolve("frames.shm"), false, 1 << 20)) {
            impostor.send(new Message.Hello(WireCodec.PROTOCOL_VERSION, 1, "a guess"));
            assertThatThrownBy(booting::join).hasCauseInstanceOf(SkyfnException.class)
                    .hasMessageContaining("was not the one the node started; refused");
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> ProcessHandle.current().descendants()
                .noneMatch(p -> p.info().commandLine().orElse("").contains("SandboxMain")));
        assertThat(runDir.resolve("sb-1")).as("the sandbox's directory goes with it").doesNotExist();
        launcher.killAll();
    }
}
