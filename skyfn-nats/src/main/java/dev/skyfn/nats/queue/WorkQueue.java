package dev.skyfn.nats.queue;

import dev.skyfn.nats.Engine;
import dev.skyfn.nats.Js;
import dev.skyfn.nats.Pull;
import io.nats.client.JetStream;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.impl.Headers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A JetStream work queue shared by every node: a job published once is kept until one worker
 * acknowledges it. A worker that dies with a job gives it back after {@code ackWait}, so a job runs
 * at least once; a worker still busy with one says so every third of that time.
 */
public final class WorkQueue implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WorkQueue.class);

    private final Engine engine;
    private final JetStream js;
    private final String stream;
    private final String consumer;
    private final Duration ackWait;
    private volatile boolean closed;
    private volatile ExecutorService jobs;

    private WorkQueue(Engine engine, JetStream js, String stream, String consumer, Duration ackWait) {
        this.engine = engine;
        this.js = js;
        this.stream = stream;
        this.consumer = consumer;
        this.ackWait = ackWait;
    }

    /**
     * The queue {@code stream} of {@code subjects}, worked by the shared consumer {@code consumer},
     * which takes the jobs of the subjects {@code filter} matches (consumers of one stream must
     * not overlap). A state mirror keeps the jobs it copies for {@code replayHorizon}: as long as
     * their outcomes are kept, so that a job replayed after a promotion is recognised as done.
     */
    public static WorkQueue open(Engine engine, String stream, String subjects, String consumer, String filter, Duration ackWait,
                                 int maxDeliver, Duration replayHorizon) {
        engine.stream(stream, subjects, RetentionPolicy.WorkQueue, Duration.ZERO, replayHorizon);
        return Js.call("opening " + stream, () -> {
            var management = engine.connection().jetStreamManagement(engine.jsOptions());
            management.addOrUpdateConsumer(stream, ConsumerConfiguration.builder().durable(consumer).filterSubject(filter)
                    .ackPolicy(AckPolicy.Explicit).ackWait(ackWait).maxDeliver(maxDeliver).build());
            return new WorkQueue(engine, engine.connection().jetStream(engine.jsOptions()), stream, consumer, ackWait);
        });
    }

    /**
     * Publishes a job under {@code id} ({@code Nats-Msg-Id}: the stream drops a second job of an id
     * within its duplicate window, two minutes); returns once the stream has it, and its copy in
     * the state mirror if there is one.
     */
    public void publish(String subject, Headers headers, byte[] body, String id) {
        var options = io.nats.client.PublishOptions.builder().messageId(id).build();
        long sequence = Js.call("queueing a job", () -> js.publish(subject, headers, body, options)).getSeqno();
        engine.awaitCopied(stream, sequence);
    }

    /** One job taken from the queue. */
    public interface Job {
        Headers headers();

        byte[] body();

        /** How many times it has been handed out, this time included. */
        long deliveries();

        /** Done with it: nobody gets it again. */
        void ack();

        /** Not done: it is handed out again, to this worker or another, after {@code pause}. */
        void retryIn(Duration pause);
    }

    /**
     * Takes jobs, at most {@code parallel} at a time, and hands each to {@code run} on a thread of
     * its own. Platform threads, taking turns with others by the kernel's scheduler: on virtual
     * threads, each wake-up of a job's path — its delivery, each write's acknowledgement — waited
     * its turn behind every runnable virtual thread of the node's calls, tens of milliseconds while
     * a backlog of events flowed.
     */
    public void work(int parallel, Consumer<Job> run) {
        var slots = new Semaphore(parallel);
        jobs = Executors.newCachedThreadPool(Thread.ofPlatform().daemon().name("job-" + stream + "-", 0).factory());
        Thread.ofPlatform().daemon().name("work-" + stream).start(() -> {
            JetStreamSubscription sub = Js.call("taking jobs from " + stream,
                    () -> js.subscribe(null, PullSubscribeOptions.bind(stream, consumer)));
            while (!closed) {
                try {
                    if (!slots.tryAcquire(1, java.util.concurrent.TimeUnit.SECONDS)) {
                        continue;
                    }
                    List<Message> taken = new java.util.ArrayList<>(1);
                    Pull.read(sub, 1, Duration.ofSeconds(1), taken::add);
                    if (taken.isEmpty()) {
                        slots.release();
                        continue;
                    }
                    Message m = taken.getFirst();
                    try {
                        jobs.execute(() -> {
                            try {
                                runKeepingItAlive(m, run);
                            } finally {
                                slots.release();
                            }
                        });
                    } catch (RejectedExecutionException closing) {
                        slots.release();
                        m.nak(); // taken as the queue closed: another worker gets it now, not after its ack wait
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    slots.release();
                    if (!closed) {
                        LOG.warn("taking jobs from {}: {}", stream, e.getMessage());
                    }
                }
            }
            // closed between two requests, each read to its end: nothing of theirs waits in the client
            Pull.handBack(sub);
        });
    }

    private void runKeepingItAlive(Message m, Consumer<Job> run) {
        Thread keepAlive = Thread.ofVirtual().start(() -> {
            try {
                while (true) {
                    Thread.sleep(ackWait.dividedBy(3));
                    m.inProgress();
                }
            } catch (InterruptedException done) {
                // the job ended
            }
        });
        try {
            run.accept(new Job() {
                @Override
                public Headers headers() {
                    return m.getHeaders();
                }

                @Override
                public byte[] body() {
                    return m.getData();
                }

                @Override
                public long deliveries() {
                    return m.metaData().deliveredCount();
                }

                @Override
                public void ack() {
                    m.ack();
                }

                @Override
                public void retryIn(Duration pause) {
                    m.nakWithDelay(pause);
                }
            });
        } finally {
            keepAlive.interrupt();
        }
    }

    @Override
    public void close() {
        // the worker ends its request (a second at most) rather than be interrupted under it, which would leave its job unseen until its ack wait
        closed = true;
        if (jobs != null) {
            jobs.shutdown(); // jobs running end, or are handed out again once their ack wait is over
        }
    }
}
