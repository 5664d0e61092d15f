package dev.skyfn.nats;

import io.nats.client.JetStream;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything a stream holds on a subject, read in order by an ordered consumer that goes away
 * after: how a node reads another's log (a dead node's execution backups, a node's usage ledger).
 */
public final class OrderedRead {

    /**
     * How long a message the stream said it holds is waited for. A server that is slow to answer
     * (a busy machine, a replica catching up) delivers late, not never: a read that gave up sooner
     * would return a log cut short as if it were whole.
     */
    private static final Duration PATIENCE = Duration.ofSeconds(10);

    private OrderedRead() {
    }

    /**
     * The messages of {@code stream} on {@code subject} (wildcards allowed) from sequence
     * {@code from} (1: all) to the last one there when the read began; none at once when there are
     * none.
     *
     * @throws dev.skyfn.core.SkyfnException {@code UNAVAILABLE} when JetStream cannot be reached,
     *     or a message it counted does not arrive within 10 s: never a part of the log as if whole
     */
    public static List<Message> all(JetStream js, String stream, String subject, long from) {
        return Js.call("reading " + subject, () -> {
            List<Message> messages = new ArrayList<>();
            var config = ConsumerConfiguration.builder().deliverPolicy(DeliverPolicy.ByStartSequence).startSequence(Math.max(1, from)).build();
            JetStreamSubscription sub = js.subscribe(subject, PushSubscribeOptions.builder().stream(stream).ordered(true)
                    .configuration(config).build());
            try {
                var info = sub.getConsumerInfo();
                if (info.getNumPending() == 0 && info.getDelivered().getConsumerSequence() == 0) {
                    return messages; // nothing there: no wait for a message that will not come
                }
                for (Message m = next(sub, subject); m != null; m = m.metaData().pendingCount() == 0 ? null : next(sub, subject)) {
                    messages.add(m);
                }
            } finally {
                sub.unsubscribe();
            }
            return messages;
        });
    }

    private static Message next(JetStreamSubscription sub, String subject) throws InterruptedException, IOException {
        Message m = sub.nextMessage(PATIENCE);
        if (m == null) {
            throw new IOException("a message on " + subject + " the stream holds did not arrive within " + PATIENCE.toSeconds() + " s");
        }
        return m;
    }
}
