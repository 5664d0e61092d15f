package dev.skyfn.nats.mirror;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.nats.Js;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.Mirror;
import io.nats.client.api.Placement;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StreamConfiguration;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The mirror of each of the state cloud's streams and buckets in a second cloud's cluster: a
 * JetStream mirror named {@code MIRROR_<stream>}, kept in as many copies as the stream, which
 * {@link Promotion} turns into the stream itself when the state cloud is lost. The stream's own
 * subjects and retention are kept in the mirror's metadata, as a mirror has neither.
 *
 * <p>A mirror copies messages, not deletions: a mirror of a work queue keeps jobs its origin
 * removed once acknowledged, for {@code replayHorizon} (a worker acknowledges unrun a replayed
 * job whose outcome is recorded). Source: NATS JetStream mirrors and sources, and mirror
 * promotion (nats-server 2.12).
 */
public final class StateMirror {

    static final String PREFIX = "MIRROR_";
    static final String SUBJECTS = "skyfn.subjects";
    static final String RETENTION = "skyfn.retention";
    static final String MAX_AGE_MS = "skyfn.max-age-ms";
    /** How often a write waiting to be copied looks again, at most. */
    private static final Duration MAX_POLL = Duration.ofMillis(20);

    private final JetStreamManagement management;
    private final String cloud;
    private final int replicas;
    private final Copies copies;

    /**
     * Mirrors into {@code cloud}'s cluster, {@code replicas} copies each; a write waits at most
     * {@code copyLimit} for its copy.
     */
    public StateMirror(JetStreamManagement management, String cloud, int replicas, Duration copyLimit) {
        this.management = management;
        this.cloud = cloud;
        this.replicas = replicas;
        this.copies = new Copies(this::copiedUpTo, copyLimit, MAX_POLL);
    }

    private long copiedUpTo(String stream) {
        return Js.call("reading the mirror of " + stream, () -> management.getStreamInfo(nameOf(stream)).getStreamState().getLastSequence());
    }

    /** The name of {@code stream}'s mirror. */
    public static String nameOf(String stream) {
        return PREFIX + stream;
    }

    /**
     * Creates {@code stream}'s mirror when it has none, its messages kept for {@code replayHorizon}
     * when the stream is a work queue (zero: as long as the stream keeps them).
     *
     * @throws SkyfnException UNAVAILABLE when JetStream cannot be reached
     */
    public void ensure(String stream, Duration replayHorizon) {
        String name = nameOf(stream);
        Js.run("mirroring " + stream + " to " + cloud, () -> {
            if (exists(management, name)) {
                return;
            }
            StreamConfiguration origin = management.getStreamInfo(stream).getConfiguration();
            Map<String, String> metadata = new HashMap<>();
            metadata.put(SUBJECTS, String.join(",", origin.getSubjects()));
            metadata.put(RETENTION, origin.getRetentionPolicy().name());
            metadata.put(MAX_AGE_MS, Long.toString(origin.getMaxAge().toMillis()));
            Duration maxAge = origin.getRetentionPolicy() == RetentionPolicy.WorkQueue && !replayHorizon.isZero()
                    ? replayHorizon : origin.getMaxAge();
            var config = StreamConfiguration.builder(origin).name(name).subjects(List.of()).mirror(Mirror.builder().sourceName(stream).build())
                    .retentionPolicy(RetentionPolicy.Limits).maxAge(maxAge).mirrorDirect(false)
                    .placement(Placement.builder().cluster(cloud).build()).replicas(replicas).metadata(metadata);
            try {
                management.addStream(config.build());
            } catch (JetStreamApiException raced) {
                if (!exists(management, name)) {
                    throw raced;
                }
            }
        });
    }

    /** Whether the domain has a stream {@code name}. */
    static boolean exists(JetStreamManagement management, String name) throws java.io.IOException, JetStreamApiException {
        return management.getStreamNames().contains(name);
    }

    /**
     * Returns once {@code stream}'s mirror holds its message {@code sequence}: a write the mirror
     * holds survives the loss of the state cloud.
     *
     * @throws SkyfnException UNAVAILABLE when the mirror has not copied it within the copy limit
     *                        (the write is in the state cloud; its copy may still come)
     */
    public void awaitCopied(String stream, long sequence) {
        try {
            copied(stream, sequence).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SkyfnException(ErrorCode.UNAVAILABLE, "interrupted waiting for the mirror of " + stream);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    /**
     * Completes once {@code stream}'s mirror holds its message {@code sequence}, or fails with
     * {@link SkyfnException} UNAVAILABLE after the copy limit. However many writes wait, each
     * stream's mirror is read by one poller, every few milliseconds while any waits.
     */
    public java.util.concurrent.CompletableFuture<Void> copied(String stream, long sequence) {
        return copies.await(stream, sequence);
    }

    /** Returns once {@code stream}'s mirror holds every message the stream holds now. */
    public void awaitCopied(String stream) {
        awaitCopied(stream, Js.call("reading " + stream, () -> management.getStreamInfo(stream).getStreamState().getLastSequence()));
    }
}
