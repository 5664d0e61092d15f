package dev.skyfn.nats;

import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PullRequestOptions;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Requests to a JetStream pull consumer, each read to its end. jnats' {@code iterate} and
 * {@code fetch} stop reading at about the moment the server lets the request expire, so a message
 * the server sends in the request's last instant reaches the client after its reader stopped: it
 * is delivered, counted against the consumer's room for messages out, and seen by nobody — unless
 * a later request drains it first, it comes back only after the ack wait. (Measured: 6 of 2,014
 * messages taken with 1 ms requests.) Here a request is read until the server says it is over —
 * its status 408 when it expires, or the batch asked for in full — and what a node closing still
 * finds in its client is handed back at once.
 */
public final class Pull {

    /** How long after a request's expiry its reader still waits for the server's word that it is over. */
    static final Duration GRACE = Duration.ofSeconds(2);
    /** The shortest wait asked of the server: jnats refuses one under a millisecond. */
    static final Duration MIN_WAIT = Duration.ofMillis(1);

    private Pull() {
    }

    /**
     * Asks for up to {@code max} messages, waiting up to {@code wait} (at least 1 ms) for them, and
     * hands each to {@code each} as it comes; returns how many. Messages left in the client by a
     * request whose end did not come within {@link #GRACE} come first.
     *
     * @throws io.nats.client.JetStreamStatusException the server ended the request with an error (its consumer deleted)
     */
    public static int read(JetStreamSubscription sub, int max, Duration wait, Consumer<Message> each) throws InterruptedException {
        int n = 0;
        while (n < max && sub.getPendingMessageCount() > 0) {
            Message left = sub.nextMessage(Duration.ofNanos(1));
            if (left != null) {
                each.accept(left);
                n++;
            }
        }
        if (n == max) {
            return n;
        }
        Duration expires = wait.compareTo(MIN_WAIT) < 0 ? MIN_WAIT : wait;
        sub.pull(PullRequestOptions.builder(max - n).expiresIn(expires).build());
        long until = System.nanoTime() + expires.plus(GRACE).toNanos();
        while (n < max) {
            long remaining = until - System.nanoTime();
            // null: the request is over (its 408), or gave up on after its grace
            Message m = remaining > 0 ? sub.nextMessage(Duration.ofNanos(remaining)) : null;
            if (m == null) {
                return n;
            }
            each.accept(m);
            n++;
        }
        return n;
    }

    /**
     * Hands back at once, for any node to take, what reached the client and was not read: nothing
     * when every request was read to its end. Called before the subscription is dropped.
     */
    public static void handBack(JetStreamSubscription sub) {
        try {
            while (sub.getPendingMessageCount() > 0) {
                Message m = sub.nextMessage(Duration.ofNanos(1));
                if (m != null) {
                    m.nak();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IllegalStateException closed) {
            // the connection went first: the server hands them out again after their ack wait
        }
    }
}
