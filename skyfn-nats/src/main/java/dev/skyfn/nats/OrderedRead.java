package dev.skyfn.nats;

import io.nats.client.JetStream;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything a stream holds on a subject, read in order by an ordered consumer that goes away
 * after: how a node reads another's log (a dead node's execution backups, a node's usage ledger).
 */
public final class OrderedRead {

    /** How long a message that is still on its way is waited for. */
    private static final Duration QUIET = Duration.ofMillis(500);

    private OrderedRead() {
    }

    /**
     * The messages of {@code stream} on {@code subject} (wildcards allowed) from sequence
     * {@code from} (1: all) to the last one there now; none at once when there are none.
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
                for (Message m = sub.nextMessage(QUIET); m != null; m = m.metaData().pendingCount() == 0 ? null : sub.nextMessage(QUIET)) {
                    messages.add(m);
                }
            } finally {
                sub.unsubscribe();
            }
            return messages;
        });
    }
}
