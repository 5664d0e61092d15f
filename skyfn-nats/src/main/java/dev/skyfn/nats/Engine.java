package dev.skyfn.nats;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.nats.mirror.StateMirror;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueOptions;
import io.nats.client.Nats;
import io.nats.client.ObjectStore;
import io.nats.client.ObjectStoreOptions;
import io.nats.client.Options;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.ObjectStoreConfiguration;
import io.nats.client.api.Placement;
import io.nats.client.api.StorageType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * skyfn's connection to the distributed engine. Every process of a deployment connects to the
 * NATS server of its own cloud; streams and buckets live in one JetStream domain,
 * {@link #DOMAIN}, which clients on edge leaf nodes reach too.
 */
public final class Engine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);
    /** The JetStream domain of the clusters that hold skyfn's state. */
    public static final String DOMAIN = "skyfn";
    static final Duration API_TIMEOUT = Duration.ofSeconds(5);
    private static final int CONNECT_ATTEMPTS = 3;
    /** How long opening a stream waits for it to have a leader. */
    private static final Duration LEADER_WAIT = Duration.ofMinutes(2);

    /** The first nats-server version that promotes a mirror. */
    public static final String PROMOTABLE = "2.12.0";
    /** How long a write acknowledged to a client waits for its copy in the state mirror. */
    private static final Duration COPY_LIMIT = Duration.ofSeconds(10);

    private final Connection connection;
    private final String stateCloud;
    private final int replicas;
    /** The mirror of the state cloud's streams in a second cloud, if the topology names one. */
    private final java.util.Optional<StateMirror> mirror;

    private Engine(Connection connection, String stateCloud, int replicas, String mirrorCloud) {
        this.connection = connection;
        this.stateCloud = stateCloud;
        this.replicas = replicas;
        this.mirror = java.util.Optional.ofNullable(mirrorCloud).map(cloud -> new StateMirror(
                Js.call("opening JetStream", () -> connection.jetStreamManagement(jsOptions())), cloud, replicas, COPY_LIMIT));
    }

    /** Connects as {@code name}, reconnecting for as long as it takes. */
    public static Engine connect(NatsAccess access, String name) {
        return connect(access, name, null);
    }

    /**
     * Connects as {@code name} with {@code access}'s credentials; the buckets it creates are
     * placed in the cluster of {@code stateCloud} (null: wherever the servers choose, as with a
     * single cloud, whose server runs JetStream standalone), so that they outlive the loss of any
     * other cloud.
     *
     * @throws UncheckedIOException if the server cannot be reached or refuses the credentials
     */
    public static Engine connect(NatsAccess access, String name, String stateCloud) {
        return connect(access, name, stateCloud, 1);
    }

    /**
     * {@link #connect(NatsAccess, String, String)}, the streams and buckets it creates kept in
     * {@code replicas} copies on servers of their own (JetStream's R3 for 3). {@code access}'s
     * URL may name several servers of the cloud, comma-separated: the client fails over among them.
     */
    public static Engine connect(NatsAccess access, String name, String stateCloud, int replicas) {
        return connect(access, name, stateCloud, replicas, null);
    }

    /**
     * {@link #connect(NatsAccess, String, String, int)}, each stream and bucket it opens mirrored to
     * {@code mirrorCloud}'s cluster (null: none), as {@link StateMirror} says.
     */
    public static Engine connect(NatsAccess access, String name, String stateCloud, int replicas, String mirrorCloud) {
        Options.Builder options = Options.builder().servers(access.url().split(",")).connectionName(name).maxReconnects(-1)
                .reconnectWait(Duration.ofMillis(250)).connectionTimeout(Duration.ofSeconds(5)).errorListener(new ClientErrors());
        try {
            if (access.seed().isPresent()) {
                options.authHandler(Nkeys.signer(access.seed().get()));
            }
            if (access.ca().isPresent()) {
                options.sslContext(TrustedServers.context(access.ca().get()));
            }
            Connection connection = connect(options.build());
            if (mirrorCloud != null && !connection.getServerInfo().isSameOrNewerThanVersion(PROMOTABLE)) {
                connection.close();
                throw new IllegalStateException("a state mirror needs nats-server " + PROMOTABLE + " or later, which can promote it;"
                        + " " + access.url() + " runs " + connection.getServerInfo().getVersion());
            }
            return new Engine(connection, stateCloud, replicas, mirrorCloud);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reach NATS at " + access + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted connecting to " + access.url(), e);
        }
    }

    /**
     * Connects, trying again while the server does not answer in time (a busy host can take
     * seconds over a TLS handshake); credentials refused fail at once.
     */
    private static Connection connect(Options options) throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                return Nats.connect(options);
            } catch (io.nats.client.AuthenticationException refused) {
                throw refused;
            } catch (IOException e) {
                if (attempt == CONNECT_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /**
     * Waits until JetStream answers, at most {@code limit}: a fleet starting on a busy host may
     * need a while before its state cloud's servers have elected their leaders, and a node that
     * read its tenants then would give up.
     *
     * @throws SkyfnException UNAVAILABLE when it has not answered within {@code limit}
     */
    public void awaitJetStream(Duration limit) {
        await("the fleet's state (JetStream) to answer", limit, () -> {
            Js.call("asking the fleet's state whether it is ready", () -> connection.jetStreamManagement(jsOptions()).getAccountStatistics());
            return true;
        });
    }

    /**
     * Asks {@code ready} again and again, backing off, until it says yes, at most {@code limit}; a
     * failure to reach JetStream counts as not yet. Says once in the log what it waits for.
     *
     * @throws SkyfnException UNAVAILABLE (the last failure, if there was one) once {@code limit} has passed
     */
    private static void await(String what, Duration limit, BooleanSupplier ready) {
        retrying(what, limit, () -> ready.getAsBoolean() ? Boolean.TRUE : null);
    }

    /**
     * Runs {@code attempt} again and again, backing off, until it gives something other than null,
     * at most {@code limit}; a failure to reach JetStream counts as null. Says once in the log what
     * it waits for.
     *
     * @throws SkyfnException UNAVAILABLE (the last failure, if there was one) once {@code limit} has passed
     */
    private static <T> T retrying(String what, Duration limit, Supplier<T> attempt) {
        long deadline = System.nanoTime() + limit.toNanos();
        for (int n = 1; ; n++) {
            SkyfnException failure = null;
            try {
                T result = attempt.get();
                if (result != null) {
                    return result;
                }
            } catch (SkyfnException notYet) {
                if (notYet.code() != ErrorCode.UNAVAILABLE) {
                    throw notYet;
                }
                failure = notYet;
            }
            if (System.nanoTime() > deadline) {
                throw failure != null ? failure : new SkyfnException(ErrorCode.UNAVAILABLE, "the fleet's state: still waiting for "
                        + what + " after " + limit.toSeconds() + " s; retry later");
            }
            if (n == 1) {
                LOG.info("waiting for {}{}", what, failure == null ? "" : ": " + failure.getMessage());
            }
            pause(Duration.ofMillis(Math.min(1000, 100L * n)));
        }
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SkyfnException(ErrorCode.UNAVAILABLE, "interrupted while waiting for the fleet's state");
        }
    }

    public Connection connection() {
        return connection;
    }

    /** The bucket {@code name}, created when missing with the given history and entry lifetime (zero: forever). */
    public KeyValue bucket(String name, int history, Duration maxAge) {
        KeyValueOptions options = KeyValueOptions.builder().jsDomain(DOMAIN).build();
        KeyValue bucket = opening("bucket " + name, () -> {
            var management = connection.keyValueManagement(options);
            if (!management.getBucketNames().contains(name)) {
                var config = KeyValueConfiguration.builder().name(name).maxHistoryPerKey(history).storageType(StorageType.File)
                        .replicas(replicas);
                placement().ifPresent(config::placement);
                if (!maxAge.isZero()) {
                    config.ttl(maxAge);
                }
                try {
                    management.create(config.build());
                } catch (JetStreamApiException raced) {
                    // another process made it first: use theirs
                }
            }
            readThroughLeader("KV_" + name);
            return connection.keyValue(name, options);
        });
        awaitLeader("KV_" + name);
        mirrored("KV_" + name, Duration.ZERO);
        return bucket;
    }

    /** The object store {@code name}, created when missing. */
    public ObjectStore objectStore(String name) {
        ObjectStoreOptions options = ObjectStoreOptions.builder().jsDomain(DOMAIN).build();
        ObjectStore store = opening("object store " + name, () -> {
            var management = connection.objectStoreManagement(options);
            if (!management.getBucketNames().contains(name)) {
                try {
                    var config = ObjectStoreConfiguration.builder(name).storageType(StorageType.File).replicas(replicas);
                    placement().ifPresent(config::placement);
                    management.create(config.build());
                } catch (JetStreamApiException raced) {
                    // another process made it first: use theirs
                }
            }
            readThroughLeader("OBJ_" + name);
            return connection.objectStore(name, options);
        });
        awaitLeader("OBJ_" + name);
        mirrored("OBJ_" + name, Duration.ZERO);
        return store;
    }

    /** The stream {@code name} of {@code subjects}, created when missing, kept on file. */
    public void stream(String name, String subjects) {
        stream(name, subjects, io.nats.client.api.RetentionPolicy.Limits);
    }

    /** {@link #stream(String, String)} with the given retention: a work queue forgets what was acknowledged. */
    public void stream(String name, String subjects, io.nats.client.api.RetentionPolicy retention) {
        stream(name, subjects, retention, Duration.ZERO);
    }

    /** {@link #stream(String, String, io.nats.client.api.RetentionPolicy)}, its messages dropped once {@code maxAge} old (zero: never). */
    public void stream(String name, String subjects, io.nats.client.api.RetentionPolicy retention, Duration maxAge) {
        stream(name, subjects, retention, maxAge, Duration.ZERO);
    }

    /**
     * {@link #stream(String, String, io.nats.client.api.RetentionPolicy, Duration)}; a work queue's
     * mirror keeps the jobs it copies for {@code replayHorizon} (see {@link StateMirror}).
     */
    public void stream(String name, String subjects, io.nats.client.api.RetentionPolicy retention, Duration maxAge, Duration replayHorizon) {
        opening("stream " + name, () -> {
            var management = connection.jetStreamManagement(jsOptions());
            if (management.getStreamNames().contains(name)) {
                return name;
            }
            var config = io.nats.client.api.StreamConfiguration.builder().name(name).subjects(subjects).storageType(StorageType.File)
                    .retentionPolicy(retention).replicas(replicas).maxAge(maxAge);
            placement().ifPresent(config::placement);
            try {
                management.addStream(config.build());
            } catch (JetStreamApiException raced) {
                // another process made it first: use theirs
            }
            return name;
        });
        awaitLeader(name);
        mirrored(name, replayHorizon);
    }

    private void mirrored(String stream, Duration replayHorizon) {
        mirror.ifPresent(m -> retrying("the mirror of " + stream, LEADER_WAIT, () -> {
            m.ensure(stream, replayHorizon);
            return Boolean.TRUE;
        }));
    }

    /**
     * Returns once message {@code sequence} of {@code stream} (a bucket's revision, a published
     * message's sequence) is in the state mirror, if there is one: what is acknowledged to a client
     * then survives the loss of the whole state cloud.
     *
     * @throws SkyfnException UNAVAILABLE when it is not copied within ten seconds
     */
    public void awaitCopied(String stream, long sequence) {
        mirror.ifPresent(m -> m.awaitCopied(stream, sequence));
    }

    /** {@link #awaitCopied(String, long)}, without blocking: completes at once when there is no mirror. */
    public java.util.concurrent.CompletableFuture<Void> copied(String stream, long sequence) {
        return mirror.map(m -> m.copied(stream, sequence)).orElseGet(() -> java.util.concurrent.CompletableFuture.completedFuture(null));
    }

    /** {@link #awaitCopied(String, long)} for every message {@code stream} holds now. */
    public void awaitCopied(String stream) {
        mirror.ifPresent(m -> m.awaitCopied(stream));
    }

    /**
     * Turns the direct gets of {@code stream} off, so that a client reads an entry from the
     * stream's leader through JetStream's API: from nats-server 2.10 on, a direct get sent from
     * an edge site's leaf node to a stream in another cloud's cluster goes unanswered
     * (nats-io/nats-server#4819), while the API answers there as everywhere. Clients read what
     * the stream holds when they open it, so this comes first.
     */
    private void readThroughLeader(String stream) throws IOException, JetStreamApiException {
        var management = connection.jetStreamManagement(jsOptions());
        var config = management.getStreamInfo(stream).getConfiguration();
        if (config.getAllowDirect()) {
            management.updateStream(io.nats.client.api.StreamConfiguration.builder(config).allowDirect(false).build());
        }
    }

    /**
     * Opens (creating when missing) one of the fleet's buckets, stores or streams, trying again while
     * JetStream does not answer, at most {@link #LEADER_WAIT}: servers just started, or a stream
     * just created, can time a request out before their leaders are elected — or, made a moment ago
     * by another node, not be known to this server's cluster yet ({@link #STREAM_NOT_FOUND}).
     */
    private static <T> T opening(String what, Js.Call<T> open) {
        return retrying(what + " to open", LEADER_WAIT, () -> Js.callUnless("opening " + what, STREAM_NOT_FOUND, null, open));
    }

    /** JetStream's error code for a stream the server does not know (yet). */
    private static final int STREAM_NOT_FOUND = 10059;

    /**
     * Waits until the stream {@code name} has a leader, at most {@link #LEADER_WAIT}: a stream kept
     * in several copies just created (or whose servers just started) answers nothing before its
     * servers have elected one, and a node reading it then would give up; one made by another
     * process a moment ago may not be known to this server's cluster yet.
     */
    private void awaitLeader(String name) {
        await(name + " to elect a leader", LEADER_WAIT, () -> Js.callUnless("asking for the leader of " + name, STREAM_NOT_FOUND, false, () -> {
            var cluster = connection.jetStreamManagement(jsOptions()).getStreamInfo(name).getClusterInfo();
            return cluster == null || cluster.getLeader() != null;
        }));
    }

    /**
     * The keys of {@code bucket} matching {@code filter} (NATS subject syntax: {@code a.b.>}) that
     * hold a value now: {@link #liveEntries}' keys.
     *
     * @throws SkyfnException UNAVAILABLE when JetStream cannot be reached
     */
    public java.util.List<String> liveKeys(KeyValue bucket, String filter) {
        return liveEntries(bucket, filter).stream().map(KeyValueEntry::getKey).toList();
    }

    /**
     * The entries of {@code bucket} under keys matching {@code filter} (NATS subject syntax:
     * {@code a.b.>}; {@code >} for all) that hold a value now: one request to the stream's leader
     * for the subjects it has under the filter ({@link #keysWithHistory}), then one read per
     * subject found. {@link KeyValue#keys(String)} instead creates a consumer and reads every
     * key through it — several requests, each heavier, which a busy fleet answers in seconds —
     * and the reads follow anyway.
     *
     * @throws SkyfnException UNAVAILABLE when JetStream cannot be reached
     */
    public java.util.List<KeyValueEntry> liveEntries(KeyValue bucket, String filter) {
        java.util.List<KeyValueEntry> live = new java.util.ArrayList<>();
        for (String key : keysWithHistory(bucket, filter)) {
            KeyValueEntry entry = Js.call("reading " + key, () -> bucket.get(key));
            if (entry != null && entry.getOperation() == io.nats.client.api.KeyValueOperation.PUT && entry.getValue() != null) {
                live.add(entry);
            }
        }
        return live;
    }

    /**
     * The keys of {@code bucket} matching {@code filter} that the bucket holds anything for — a
     * value, or the marker a delete or purge leaves — with one request to the stream's leader: for
     * a caller that reads each key anyway and takes a missing value for a deleted key.
     *
     * @throws SkyfnException UNAVAILABLE when JetStream cannot be reached
     */
    public java.util.List<String> keysWithHistory(KeyValue bucket, String filter) {
        String prefix = "$KV." + bucket.getBucketName() + ".";
        var info = Js.call("listing " + filter + " in " + bucket.getBucketName(), () -> connection.jetStreamManagement(jsOptions())
                .getStreamInfo("KV_" + bucket.getBucketName(), io.nats.client.api.StreamInfoOptions.filterSubjects(prefix + filter)));
        var subjects = info.getStreamState().getSubjects();
        return subjects == null ? java.util.List.of() : subjects.stream().map(subject -> subject.getName().substring(prefix.length())).toList();
    }

    /**
     * Purges {@code key} from {@code bucket} and then drops the marker the purge leaves, once the
     * state mirror (if any) has copied it: a listing of the bucket then no longer reads the key
     * at all, where a marker would be listed and read for ever. For keys no watcher follows.
     *
     * @throws SkyfnException UNAVAILABLE when JetStream cannot be reached, or the mirror does not copy the purge within ten seconds
     */
    public void forget(KeyValue bucket, String key) {
        Js.run("removing " + key + " from " + bucket.getBucketName(), () -> bucket.purge(key));
        awaitCopied("KV_" + bucket.getBucketName());
        Js.run("dropping the marker of " + key + " in " + bucket.getBucketName(), () -> connection.jetStreamManagement(jsOptions())
                .purgeStream("KV_" + bucket.getBucketName(), io.nats.client.PurgeOptions.subject("$KV." + bucket.getBucketName() + "." + key)));
    }

    public io.nats.client.JetStreamOptions jsOptions() {
        return io.nats.client.JetStreamOptions.builder().domain(DOMAIN).build();
    }

    /** Where new buckets go: the state cloud's cluster, when there is one to name. */
    private java.util.Optional<Placement> placement() {
        return java.util.Optional.ofNullable(stateCloud).map(cloud -> Placement.builder().cluster(cloud).build());
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
