package dev.skyfn.nats.mirror;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.nats.Js;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.Mirror;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Turns the mirrors of {@link StateMirror} into the streams they mirror, in the mirror's cloud,
 * once the state cloud is lost: every stream keeps its name, its subjects and its message
 * sequences (so a bucket's revisions, and the compare-and-set writes and owner epochs built on
 * them, carry on). For each mirror, in order:
 *
 * <ol>
 *   <li>the lost stream is deleted (JetStream's meta group, a majority of the fleet's servers, can
 *       do so while the stream's own servers are gone; all lost streams at once);</li>
 *   <li>the mirror is promoted — its mirror configuration removed — so that nothing mirrors the
 *       name about to be taken again;</li>
 *   <li>a stream of the lost one's name is created in the mirror's cloud as a mirror of it, and
 *       awaited until it holds every message;</li>
 *   <li>that stream is promoted, with the lost stream's subjects, and the first mirror deleted.</li>
 * </ol>
 *
 * Promoting a mirror needs nats-server 2.12 or later. Running it again after a failure picks up
 * where it stopped. It is the operator's decision: a state cloud cut off but alive would keep
 * writing what its clients send it (see {@code docs/RELIABILITY.md}).
 */
public final class Promotion {

    private static final Duration COPY_LIMIT = Duration.ofMinutes(2);
    /** The subject a mirror being promoted listens on: a stream other than a mirror must have one. */
    private static final String PARKED = "skyfn.promoting.";

    private final JetStreamManagement management;
    private final Consumer<String> progress;

    /** Promotes through {@code management}, saying each step to {@code progress}. */
    public Promotion(JetStreamManagement management, Consumer<String> progress) {
        this.management = management;
        this.progress = progress;
    }

    /**
     * Promotes every mirror of the fleet.
     *
     * @return the streams now served from the mirror's cloud
     * @throws SkyfnException UNAVAILABLE when JetStream's meta group has no majority, or a copy
     *                        does not complete within two minutes
     */
    public List<String> promoteAll() {
        List<String> mirrors = Js.call("listing the fleet's mirrors", () -> management.getStreamNames()).stream()
                .filter(n -> n.startsWith(StateMirror.PREFIX)).sorted().toList();
        deleteLost(mirrors);
        List<String> promoted = new ArrayList<>();
        for (String mirror : mirrors) {
            String stream = mirror.substring(StateMirror.PREFIX.length());
            Js.run("promoting the mirror of " + stream, () -> promote(stream, mirror));
            promoted.add(stream);
        }
        return promoted;
    }

    private void promote(String stream, String mirror) throws IOException, JetStreamApiException {
        StreamConfiguration kept = management.getStreamInfo(mirror).getConfiguration();
        Map<String, String> metadata = kept.getMetadata();
        List<String> subjects = Arrays.asList(metadata.get(StateMirror.SUBJECTS).split(","));
        if (kept.getMirror() != null) {
            if (StateMirror.exists(management, stream)) {
                throw new SkyfnException(ErrorCode.UNAVAILABLE, "the lost " + stream + " is still there; run the promotion again");
            }
            management.updateStream(StreamConfiguration.builder(kept).mirror(null).subjects(PARKED + stream).build());
            progress.accept(mirror + " promoted");
        }
        RetentionPolicy retention = RetentionPolicy.valueOf(metadata.get(StateMirror.RETENTION));
        if (!StateMirror.exists(management, stream)) {
            // a stream's retention is fixed once it is made: the copy is made with the lost stream's
            management.addStream(StreamConfiguration.builder(kept).name(stream).subjects(List.of()).retentionPolicy(retention)
                    .mirror(Mirror.builder().sourceName(mirror).build()).build());
        }
        StreamInfo copy = awaitCopy(stream, mirror);
        if (copy.getConfiguration().getMirror() != null) {
            Duration maxAge = Duration.ofMillis(Long.parseLong(metadata.get(StateMirror.MAX_AGE_MS)));
            management.updateStream(StreamConfiguration.builder(copy.getConfiguration()).mirror(null).subjects(subjects)
                    .maxAge(maxAge).metadata(Map.of()).build());
        }
        management.deleteStream(mirror);
        progress.accept(stream + " served from its mirror's cloud: " + copy.getStreamState().getMsgCount() + " messages, last "
                + copy.getStreamState().getLastSequence());
    }

    /**
     * Deletes the lost streams whose {@code mirrors} are still mirrors, all at once: the meta
     * group removes each even while its servers are gone, but answers only after the request's
     * timeout, so one after the other they would take that timeout each.
     */
    private void deleteLost(List<String> mirrors) {
        try (var each = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<?>> deletions = new ArrayList<>();
            for (String mirror : mirrors) {
                String stream = mirror.substring(StateMirror.PREFIX.length());
                deletions.add(each.submit(() -> {
                    Js.run("deleting the lost " + stream, () -> {
                        if (management.getStreamInfo(mirror).getConfiguration().getMirror() != null && StateMirror.exists(management, stream)) {
                            deleteLost(stream);
                        }
                    });
                    return null;
                }));
            }
            for (var deletion : deletions) {
                try {
                    deletion.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SkyfnException(ErrorCode.UNAVAILABLE, "interrupted deleting the lost streams");
                }
            }
        }
    }

    /** Deletes the lost stream: the meta group removes it even while its servers are gone. */
    private void deleteLost(String stream) throws IOException, JetStreamApiException {
        try {
            management.deleteStream(stream);
        } catch (JetStreamApiException e) {
            if (StateMirror.exists(management, stream)) {
                throw e;
            }
        } catch (IOException timedOut) {
            // the meta group may answer late, its stream's servers being gone: what counts is that it is gone
            if (StateMirror.exists(management, stream)) {
                throw timedOut;
            }
        }
        progress.accept(stream + " deleted from the lost state cloud");
    }

    private StreamInfo awaitCopy(String stream, String mirror) throws IOException, JetStreamApiException {
        long want = management.getStreamInfo(mirror).getStreamState().getLastSequence();
        long deadline = System.nanoTime() + COPY_LIMIT.toNanos();
        while (true) {
            StreamInfo copy = management.getStreamInfo(stream);
            if (copy.getStreamState().getLastSequence() >= want) {
                return copy;
            }
            if (System.nanoTime() > deadline) {
                throw new SkyfnException(ErrorCode.UNAVAILABLE, stream + ": copied " + copy.getStreamState().getLastSequence() + " of "
                        + want + " messages from " + mirror + " within " + COPY_LIMIT.toSeconds() + " s; run the promotion again");
            }
            try {
                Thread.sleep(50); // the copy runs in the servers; there is nothing to wait on
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SkyfnException(ErrorCode.UNAVAILABLE, "interrupted promoting " + stream);
            }
        }
    }
}
