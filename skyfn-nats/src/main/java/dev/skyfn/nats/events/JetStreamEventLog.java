package dev.skyfn.nats.events;

import dev.skyfn.core.trigger.Event;
import dev.skyfn.core.trigger.EventEnvelope;
import dev.skyfn.core.trigger.EventLog;
import dev.skyfn.nats.Engine;
import dev.skyfn.nats.Js;
import dev.skyfn.nats.Pull;
import dev.skyfn.nats.seal.Sealer;
import io.nats.client.JetStream;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PublishOptions;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.impl.Headers;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Tenants' events in the JetStream stream {@value #STREAM}, on the subject
 * {@code skyfn.topic.<tenant>.<partition>.<subject>}: a tenant's subjects are apart from every
 * other's, and a subscription ordered by key takes one partition. A message's body is the
 * event's CloudEvent attributes and data in one {@link EventEnvelope}, sealed with the tenant's
 * key and bound to its subject and id; its one header, {@code Nats-Msg-Id}, is the tenant and the
 * event id, so JetStream drops a second publication of an id within its duplicate window (two
 * minutes). Messages of the first layout — the attributes as {@code Ce-*} headers, the data
 * alone sealed — are still read. Each subscription is a durable pull consumer, shared by the
 * nodes that open it, and deleted by JetStream two days after the last node asked it for events;
 * events are kept a day.
 */
public final class JetStreamEventLog implements EventLog {

    static final String STREAM = "skyfn-topics";
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(JetStreamEventLog.class);
    static final String PREFIX = "skyfn.topic.";
    /** How long events are kept for subscriptions that have not taken them. */
    static final Duration KEPT = Duration.ofDays(1);
    /**
     * How long a subscription no node has asked for events is kept: then it is the subscription of
     * a removed app. Longer than {@link #KEPT}, so that a subscription made again (its app served
     * again after so long) finds only events no one was handed, and none twice.
     */
    static final Duration FORGOTTEN = KEPT.multipliedBy(2);
    private static final String CE = "Ce-";
    private static final String CONTENT_TYPE = "Content-Type";
    private static final String MESSAGE_ID = "Nats-Msg-Id";
    /** The headers of an event's attributes; any other {@code ce-} header is an extension. */
    private static final java.util.Set<String> ATTRIBUTES = java.util.Set.of("ce-id", "ce-source", "ce-type", "ce-time", "ce-partitionkey");

    /** JetStream's word for "not done, hand it out again now". */
    private static final byte[] NAK = "-NAK".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /** How long a node waits for the server to say it has taken an event handed back. */
    private static final Duration HANDED_BACK_WITHIN = Duration.ofSeconds(2);

    /**
     * Where an event some listener wants is sent ahead of its JetStream publication:
     * {@code skyfn.live.<tenant>.<subject>}, which no stream keeps.
     */
    static final String LIVE_PREFIX = "skyfn.live.";

    /** The bucket of {@link PartitionLease}s: which node takes each key-ordered partition batched. */
    static final String LEASES = "skyfn-partition-leases";

    private final Engine engine;
    private final JetStream js;
    private final Sealer sealer;
    private final io.nats.client.KeyValue leases;
    /** This node's {@link LeaseGroup}s, by the name their partitions' subscriptions share. */
    private final Map<String, LeaseGroup> groups = new HashMap<>();
    /** This node among the nodes contending for partitions. */
    private final String contender;
    /** The events to send to listeners ahead of JetStream ({@link #heardAhead}). */
    private volatile java.util.function.Predicate<Event> ahead = e -> false;
    /** This node's listeners that may take an event published through it (a local bus beside the fleet's). */
    private final LocalTakers takers = new LocalTakers();

    private JetStreamEventLog(Engine engine, Sealer sealer) {
        this.engine = engine;
        this.sealer = sealer;
        this.js = Js.call("opening JetStream", () -> engine.connection().jetStream(engine.jsOptions()));
        this.leases = engine.bucket(LEASES, 1, PartitionLease.TTL);
        this.contender = engine.connection().getOptions().getConnectionName() + "/" + java.util.UUID.randomUUID();
    }

    public static JetStreamEventLog open(Engine engine, Sealer sealer) {
        engine.stream(STREAM, PREFIX + ">", io.nats.client.api.RetentionPolicy.Limits, KEPT);
        return new JetStreamEventLog(engine, sealer);
    }

    /** The NATS subject an event of {@code tenant} on {@code subject} (or a pattern) in {@code partition} (-1: any) is kept on. */
    static String natsSubject(String tenant, int partition, String subject) {
        return PREFIX + tenant + "." + (partition < 0 ? "*" : Integer.toString(partition)) + "." + subject;
    }

    @Override
    public void heardAhead(java.util.function.Predicate<Event> wanted) {
        ahead = wanted;
    }

    @Override
    public boolean publish(Event e) {
        String taken = takers.take(e);
        Outgoing out = outgoing(e);
        sendAhead(e, out, taken);
        return !Js.call("publishing an event to " + e.subject(), () -> js.publish(out.subject, null, out.body, out.options)).isDuplicate();
    }

    /**
     * Publishes without waiting for JetStream's acknowledgement, which completes the answer (false:
     * a duplicate); a publication the stream did not take completes it exceptionally: 503
     * {@code UNAVAILABLE} when JetStream is out of reach.
     */
    @Override
    public CompletableFuture<Boolean> publishAsync(Event e) {
        String taken = takers.take(e);
        Outgoing out = outgoing(e);
        sendAhead(e, out, taken);
        try {
            return js.publishAsync(out.subject, null, out.body, out.options).handle((ack, failed) -> {
                if (failed != null) {
                    // the same words and codes as a publication awaited
                    Throwable cause = failed instanceof java.util.concurrent.CompletionException c && c.getCause() != null ? c.getCause() : failed;
                    throw Js.failure("publishing an event to " + e.subject(), cause);
                }
                return !ack.isDuplicate();
            });
        } catch (RuntimeException refused) {
            return CompletableFuture.failedFuture(refused);
        }
    }

    /**
     * Sends {@code e}, when some listener may want it, on core NATS to its listeners' subject first,
     * with the same sealed body and message id: at most once, and lost without a word if the
     * connection is down (its JetStream publication then fails and says so). {@code taken} names the
     * groups a listener here took it for ({@link LocalTakers}; null: none), whose members elsewhere drop it.
     */
    private void sendAhead(Event e, Outgoing out, String taken) {
        if (!ahead.test(e)) {
            return;
        }
        Headers headers = new Headers().put(MESSAGE_ID, e.tenant() + ":" + e.id());
        if (taken != null) {
            headers.put(LocalTakers.HEADER, taken);
        }
        try {
            engine.connection().publish(LIVE_PREFIX + e.tenant() + "." + e.subject(), headers, out.body);
        } catch (IllegalStateException closed) {
            LOG.debug("events: {} not sent ahead to its listeners: {}", e.id(), closed.getMessage());
        }
    }

    /** An event as it goes to JetStream: its subject, its envelope sealed, its message id. */
    private record Outgoing(String subject, byte[] body, PublishOptions options) {
    }

    private Outgoing outgoing(Event e) {
        byte[] body = sealer.seal(e.tenant(), place(e.subject(), e.id()), EventEnvelope.write(e));
        var options = PublishOptions.builder().messageId(e.tenant() + ":" + e.id()).build();
        return new Outgoing(natsSubject(e.tenant(), e.partition(), e.subject()), body, options);
    }

    private static String place(String subject, String id) {
        return "event/" + subject + "/" + id;
    }

    @Override
    public Subscription subscribe(String name, String tenant, String pattern, int partition, Instant since, Duration ackWait,
                                  int maxUnacknowledged) {
        String filter = natsSubject(tenant, partition, pattern);
        var config = ConsumerConfiguration.builder().durable(name).filterSubject(filter).ackPolicy(AckPolicy.Explicit)
                .ackWait(ackWait).maxAckPending(maxUnacknowledged).maxDeliver(-1).inactiveThreshold(FORGOTTEN)
                .deliverPolicy(DeliverPolicy.ByStartTime)
                .startTime(since.atZone(java.time.ZoneOffset.UTC)).build();
        JetStreamSubscription sub = Js.call("subscribing " + name + " to " + filter, () -> {
            var management = engine.connection().jetStreamManagement(engine.jsOptions());
            try {
                current(management, management.getConsumerInfo(STREAM, name).getConsumerConfiguration(), maxUnacknowledged);
            } catch (io.nats.client.JetStreamApiException absent) {
                try {
                    management.addOrUpdateConsumer(STREAM, config);
                } catch (io.nats.client.JetStreamApiException raced) {
                    // another node made it first: its start is the same
                }
            }
            return js.subscribe(null, PullSubscribeOptions.bind(STREAM, name));
        });
        Subscription events = new Consumed(sub, tenant);
        if (!EventLog.exclusive(partition, maxUnacknowledged)) {
            return events;
        }
        // batches of a key-ordered partition: one node at a time, else two of its batches could run at once
        PartitionLease lease = lease(name, partition);
        return new LeasedPartition(lease, events, ackWait, maxUnacknowledged, () -> eventsOut(name), () -> leaveGroup(lease));
    }

    /**
     * A core NATS subscription of the queue group {@code group}, on a dispatcher of its own, to the
     * events sent ahead of JetStream ({@link #heardAhead}) on {@code skyfn.live.<tenant>.<pattern>}:
     * the server hands each to one member of the group as it routes it. An event whose publishing
     * node did not know it was wanted (an app deployed a moment before, not yet known there) is not
     * heard. A message this node cannot read is logged and dropped (the stream still holds the
     * event for the durable subscriptions).
     */
    @Override
    public Listener listen(String group, String tenant, String pattern, java.util.function.Consumer<Event> each) {
        return listen(group, tenant, pattern, each, null);
    }

    /**
     * {@link #listen(String, String, String, java.util.function.Consumer)}, an event published through
     * this node offered to {@code takesHere} (null: none) first.
     */
    @Override
    public Listener listen(String group, String tenant, String pattern, java.util.function.Consumer<Event> each,
                           java.util.function.Predicate<Event> takesHere) {
        String subject = LIVE_PREFIX + tenant + "." + pattern;
        io.nats.client.Connection connection = engine.connection();
        io.nats.client.Dispatcher dispatcher;
        try {
            dispatcher = connection.createDispatcher(m -> hand(tenant, group, m, each));
        } catch (IllegalStateException closed) {
            throw new dev.skyfn.core.SkyfnException(dev.skyfn.core.ErrorCode.UNAVAILABLE, "listening to " + subject
                    + ": the connection to the fleet's NATS server is closed; retry later", closed);
        }
        var open = new java.util.concurrent.atomic.AtomicBoolean(true);
        Runnable untake = takesHere == null ? () -> { } : takers.add(group, tenant, pattern, takesHere);
        Listener listener = () -> {
            if (!open.getAndSet(false)) {
                return;
            }
            untake.run();
            try {
                connection.closeDispatcher(dispatcher);
            } catch (IllegalStateException closed) {
                // the connection went first
            }
        };
        try {
            dispatcher.subscribe(subject, group);
            // subscribed at the server before an event published after this returns
            connection.flush(HANDED_BACK_WITHIN);
        } catch (java.util.concurrent.TimeoutException | IllegalStateException e) {
            listener.close();
            throw new dev.skyfn.core.SkyfnException(dev.skyfn.core.ErrorCode.UNAVAILABLE, "listening to " + subject
                    + ": the fleet's NATS server cannot be reached now (" + e.getMessage() + "); retry later", e);
        } catch (InterruptedException e) {
            listener.close();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("listening to " + subject + ": interrupted", e);
        }
        return listener;
    }

    private void hand(String tenant, String group, Message m, java.util.function.Consumer<Event> each) {
        if (m.hasHeaders() && LocalTakers.takenBy(m.getHeaders().getFirst(LocalTakers.HEADER), group)) {
            return; // a member of the group on the publishing node took it
        }
        Event event;
        try {
            // skyfn.live.<tenant>.<subject>
            event = enveloped(tenant, m.getSubject().substring(LIVE_PREFIX.length() + tenant.length() + 1), m.getHeaders(), m.getData());
        } catch (RuntimeException unreadable) {
            LOG.warn("events: a publication on {} cannot be read here ({}); not handed to the group {}", m.getSubject(),
                    unreadable.getMessage(), group);
            return;
        }
        each.accept(event);
    }

    /** How many events JetStream counts out of the subscription {@code name}: handed to a node, neither acknowledged nor terminated. */
    private int eventsOut(String name) {
        return Math.toIntExact(Js.call("reading the subscription " + name, () -> engine.connection().jetStreamManagement(engine.jsOptions())
                .getConsumerInfo(STREAM, name).getNumAckPending()));
    }

    /** A subscription as this node takes from it: each request to JetStream read to its end ({@link Pull}). */
    private final class Consumed implements Subscription {
        private final JetStreamSubscription sub;
        private final String tenant;

        Consumed(JetStreamSubscription sub, String tenant) {
            this.sub = sub;
            this.tenant = tenant;
        }

        @Override
        public int take(int max, Duration wait, java.util.function.Consumer<Delivery> each) throws InterruptedException {
            int[] n = {0};
            try {
                Pull.read(sub, max, wait, m -> {
                    Delivery d = readable(tenant, m);
                    if (d != null) {
                        each.accept(d);
                        n[0]++;
                    }
                });
            } catch (RuntimeException e) {
                if (n[0] == 0) {
                    throw e;
                }
                // those handed out are the caller's to run: lost here, they would come back only after the ack wait
                LOG.warn("events: a request for events of {} ended with an error: {}", sub.getConsumerName(), e.getMessage());
            }
            return n[0];
        }

        @Override
        public void close() {
            Pull.handBack(sub);
            try {
                sub.unsubscribe();
            } catch (IllegalStateException closed) {
                // the connection went first
            }
        }
    }

    /** A lease of {@code partition}'s subscription {@code name}, in this node's group of its trigger's partitions. */
    private PartitionLease lease(String name, int partition) {
        synchronized (groups) {
            // joined under the lock: a group whose last lease closes meanwhile is not closed under a new one
            LeaseGroup group = groups.computeIfAbsent(trigger(name, partition), t -> new LeaseGroup(leases, t, contender));
            return new PartitionLease(leases, name, partition, group, contender + "/" + java.util.UUID.randomUUID());
        }
    }

    private void leaveGroup(PartitionLease lease) {
        synchronized (groups) {
            LeaseGroup group = lease.group();
            if (group.remove(lease)) {
                groups.values().remove(group);
                group.close();
            }
        }
    }

    /** The name a trigger's partitions' subscriptions share: {@code <trigger>-<partition>}, as {@code TriggerNames} names them. */
    private static String trigger(String name, int partition) {
        String suffix = "-" + partition;
        return name.endsWith(suffix) ? name.substring(0, name.length() - suffix.length()) : name;
    }

    @Override
    public void forget(String name) {
        Js.run("deleting the subscription " + name, () -> {
            try {
                engine.connection().jetStreamManagement(engine.jsOptions()).deleteConsumer(STREAM, name);
            } catch (io.nats.client.JetStreamApiException e) {
                if (e.getErrorCode() != 404) {
                    throw e;
                }
            }
        });
    }

    /**
     * Brings a subscription made before up to date: forgotten once unused (made before they were),
     * and with the room for events out that the trigger now asks (a new version's batch size).
     */
    private static void current(io.nats.client.JetStreamManagement management, ConsumerConfiguration made, int maxUnacknowledged)
            throws java.io.IOException {
        if (FORGOTTEN.equals(made.getInactiveThreshold()) && made.getMaxAckPending() == maxUnacknowledged) {
            return;
        }
        try {
            management.addOrUpdateConsumer(STREAM, ConsumerConfiguration.builder(made).inactiveThreshold(FORGOTTEN)
                    .maxAckPending(maxUnacknowledged).build());
        } catch (io.nats.client.JetStreamApiException refused) {
            LOG.warn("events: the subscription {} keeps its settings: {}", made.getDurable(), refused.getMessage());
        }
    }

    /**
     * The delivery of {@code m}, or null when this node cannot read it. When it holds the key of
     * the tenant's trust level, the message is not one (not sealed with this fleet's key for the
     * tenant, altered, or not an event) and no node could read it either: it is logged and
     * terminated — left in the stream, where the operator finds it by its sequence, but not handed
     * out again, where it would come back every ack wait and hold up a partition ordered by key.
     * A node without that key hands it straight back, for one that has it.
     */
    private Delivery readable(String tenant, Message m) {
        try {
            return delivery(tenant, m);
        } catch (RuntimeException unreadable) {
            long sequence = m.isJetStream() ? m.metaData().streamSequence() : -1;
            if (!sealer.holds(sealer.levelOf(tenant))) {
                LOG.warn("events: message {} of stream {} on {} is sealed with a key of trust {} this node does not hold; handed back",
                        sequence, STREAM, m.getSubject(), sealer.levelOf(tenant));
                m.nak();
                return null;
            }
            LOG.error("events: message {} of stream {} on {} cannot be read ({}); it stays in the stream and is not handed out again",
                    sequence, STREAM, m.getSubject(), unreadable.getMessage());
            m.term();
            return null;
        }
    }

    private Delivery delivery(String tenant, Message m) {
        return new Taken(event(tenant, m), m, engine.connection());
    }

    /** The event {@code m} carries, opened with the tenant's key. */
    private Event event(String tenant, Message m) {
        // skyfn.topic.<tenant>.<partition>.<subject>
        String afterTenant = m.getSubject().substring(PREFIX.length() + tenant.length() + 1);
        String subject = afterTenant.substring(afterTenant.indexOf('.') + 1);
        Headers h = m.getHeaders();
        return h != null && h.containsKey(CE + "id") ? firstLayout(tenant, subject, h, m.getData())
                : enveloped(tenant, subject, h, m.getData());
    }

    /** An event as JetStream handed it to this node, by the connection it came over. */
    private record Taken(Event event, Message m, io.nats.client.Connection connection) implements LeasedPartition.Handed {

        @Override
        public long attempt() {
            return m.metaData().deliveredCount();
        }

        @Override
        public void ack() {
            m.ack();
        }

        @Override
        public void inProgress() {
            m.inProgress();
        }

        @Override
        public void retryIn(Duration pause) {
            m.nakWithDelay(pause);
        }

        @Override
        public long sequence() {
            return m.metaData().streamSequence();
        }

        /** The server answers a handing back sent as a request once it has taken it (its {@code processAck}). */
        @Override
        public boolean handBackNow() {
            try {
                return connection.request(m.getReplyTo(), NAK, HANDED_BACK_WITHIN) != null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (RuntimeException unreachable) {
                return false;
            }
        }
    }

    /** An event of the current layout: its id from the message id, its envelope opened there. */
    private Event enveloped(String tenant, String subject, Headers h, byte[] body) {
        String messageId = h == null ? null : h.getFirst(MESSAGE_ID);
        String prefix = tenant + ":";
        if (messageId == null || !messageId.startsWith(prefix)) {
            throw new IllegalArgumentException("an event on " + subject + " without its message id");
        }
        String id = messageId.substring(prefix.length());
        Event event = EventEnvelope.read(tenant, subject, sealer.open(tenant, place(subject, id), body));
        if (!event.id().equals(id)) {
            throw new IllegalArgumentException("an event on " + subject + " whose envelope's id is not its message id");
        }
        return event;
    }

    /** An event of the first layout: its attributes in {@code Ce-*} headers, its data alone sealed. */
    private Event firstLayout(String tenant, String subject, Headers h, byte[] body) {
        Map<String, String> extensions = new HashMap<>();
        for (String key : h.keySet()) {
            String lower = key.toLowerCase(java.util.Locale.ROOT);
            if (lower.startsWith("ce-") && !ATTRIBUTES.contains(lower)) {
                extensions.put(lower.substring(3), h.getFirst(key));
            }
        }
        String id = h.getFirst(CE + "id");
        return new Event(tenant, subject, id, h.getFirst(CE + "source"), h.getFirst(CE + "type"), Instant.parse(h.getFirst(CE + "time")),
                h.getFirst(CONTENT_TYPE), h.getFirst(CE + "partitionkey"), extensions, sealer.open(tenant, place(subject, id), body));
    }

    @Override
    public void close() {
        // the connection is the engine's
    }
}
