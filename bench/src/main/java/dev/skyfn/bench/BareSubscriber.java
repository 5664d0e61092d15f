package dev.skyfn.bench;

import dev.skyfn.nats.Engine;
import dev.skyfn.nats.NatsAccess;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * A bare NATS subscriber in a process of its own, as a node is, so that it can be pinned to the
 * node's CPU: prints {@code ready} once subscribed, then, for each message (8 bytes: the
 * publisher's {@code System.nanoTime()}, which on Linux reads the machine's one monotonic clock),
 * how long after its publication it was heard, in µs, one a line; exits after {@code count}.
 *
 * <p>Arguments: the server's URL, the nkey seed file, the CA file, the subject, the count.
 */
public final class BareSubscriber {

    private BareSubscriber() {
    }

    public static void main(String[] args) throws Exception {
        var access = new NatsAccess(args[0], Optional.of(Path.of(args[1])), Optional.of(Path.of(args[2])));
        int count = Integer.parseInt(args[4]);
        var done = new CountDownLatch(count);
        var out = new StringBuilder(count * 8);
        try (Engine e = Engine.connect(access, "bench-bare-sub")) {
            e.connection().createDispatcher(m -> {
                out.append((System.nanoTime() - ByteBuffer.wrap(m.getData()).getLong()) / 1000.0).append('\n');
                done.countDown();
            }).subscribe(args[3]);
            e.connection().flush(Duration.ofSeconds(5));
            System.out.println("ready");
            System.out.flush();
            done.await();
        }
        System.out.print(out);
        System.out.flush();
    }
}
