package dev.skyfn.node.cluster;

import dev.skyfn.control.capacity.CapacityPlanner;
import dev.skyfn.control.placement.Fleet;
import dev.skyfn.control.placement.NodeStatus;
import dev.skyfn.control.placement.Placement;
import dev.skyfn.control.placement.Replica;
import dev.skyfn.control.placement.Scheduler;
import dev.skyfn.control.pkg.AppPackage;
import dev.skyfn.control.pkg.PackageInspector;
import dev.skyfn.control.pkg.PackageLimits;
import dev.skyfn.control.registry.AppStore;
import dev.skyfn.control.scaling.ScalingRecord;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.app.DeployedApp;
import dev.skyfn.core.cloud.Topology;
import dev.skyfn.core.cloud.Trust;
import dev.skyfn.core.data.KeyValue;
import dev.skyfn.core.manifest.Manifest;
import dev.skyfn.core.manifest.Verify;
import dev.skyfn.nats.apps.AppRecord;
import dev.skyfn.nats.apps.AppRecords;
import dev.skyfn.nats.packages.PackageStore;
import dev.skyfn.node.capacity.CapacityController;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The apps of every tenant in distributed mode. Their records are in JetStream and their packages
 * in the object store; every node fetches each package, checks it against its digest and reads
 * its manifest, so any node's control API and gateway know every app. Only the apps placed on this
 * node reach its runtimes, through {@link #placedHere()}.
 */
final class ClusterApps implements AppStore {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterApps.class);
    private static final Duration SERVE_WAIT = Duration.ofSeconds(30);

    private final String node;
    private final AppRecords records;
    private final PackageStore packages;
    private final PackageInspector inspector;
    private final Fleet fleet;
    private final Path dir;
    private final Predicate<AppRecord> served;
    private final KeyValue globalState;
    /** Each tenant's trust policy: its apps go only to clouds that satisfy it. */
    private final Function<String, Trust> tenantTrust;
    /** What the fleet's autoscaler last decided for each app. */
    private final Function<AppKey, Optional<ScalingRecord>> scalingLog;
    private final AppSet apps = new AppSet(false);
    private final Map<AppKey, AppRecord> placements = new ConcurrentHashMap<>();
    private final AppSet placedHere = new AppSet(true);
    /** Changes are applied one at a time, in the order the bucket gives them, off the NATS thread. */
    /** The thread that applies the records' changes, one at a time; it never waits on itself. */
    private static final String CHANGES = "app-changes";
    private final ExecutorService changes = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name(CHANGES).factory());
    /** How long a call for an app this node has not heard of yet waits for it to be taken in (its package fetched). */
    private static final java.time.Duration LEARN_WAIT = java.time.Duration.ofSeconds(10);
    private AutoCloseable watch;

    /** {@code served} tells whether every live node a record places the app on serves that version. */
    ClusterApps(String node, AppRecords records, PackageStore packages, PackageInspector inspector, Fleet fleet, Path dir,
                Predicate<AppRecord> served, KeyValue globalState, Function<String, Trust> tenantTrust,
                Function<AppKey, Optional<ScalingRecord>> scalingLog) {
        this.served = served;
        this.scalingLog = scalingLog;
        this.tenantTrust = tenantTrust;
        this.globalState = globalState;
        this.node = node;
        this.records = records;
        this.packages = packages;
        this.inspector = inspector;
        this.fleet = fleet;
        this.dir = dir;
        try {
            Files.createDirectories(dir.resolve("incoming"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts following the records; returns once the apps deployed before are known. */
    void start() {
        records.all().forEach(v -> apply(v.record()));
        watch = records.watch(new AppRecords.Watcher() {
            @Override
            public void put(AppRecord record) {
                changes.execute(() -> apply(record));
            }

            @Override
            public void removed(String tenant, String app) {
                changes.execute(() -> forget(new AppKey(tenant, app)));
            }
        });
    }

    /** The apps placed on this node, as its runtimes see them. */
    AppSet placedHere() {
        return placedHere;
    }

    @Override
    public PackageLimits limits() {
        return inspector.limits();
    }

    /** An app with functions declared {@code verify: redundant} must run on clouds of two providers at least. */
    private void checkVerifiable(Manifest manifest, Placement placement) {
        if (manifest.functions().values().stream().noneMatch(f -> f.verify() == Verify.REDUNDANT)) {
            return;
        }
        List<String> providers = placement.assignments().stream()
                .map(a -> Redundancy.provider(fleet.topology(), a.cloud())).distinct().sorted().toList();
        if (providers.size() < 2) {
            throw new SkyfnException(ErrorCode.PLACEMENT_UNSATISFIABLE, "app " + manifest.app() + " has functions declared verify: "
                    + "redundant, which run on two providers' clouds, but it is placed only on " + providers + " (spread it, e.g. "
                    + "placement: {scheduling: duplicated, spread: {minClouds: 2}}, over clouds of different providers)");
        }
    }

    @Override
    public DeployedApp deploy(String tenant, InputStream jar, Consumer<Manifest> admit) {
        Path incoming = dir.resolve("incoming").resolve(UUID.randomUUID() + ".jar");
        try {
            AppPackage pkg = inspector.receive(jar, incoming);
            admit.accept(pkg.manifest());
            // an app migrated to a cloud is deployed there
            String pinned = records.get(tenant, pkg.manifest().app()).map(v -> v.record().pinnedTo()).orElse(null);
            Placement placement = fleet.place(initialScale(Migration.confined(pkg.manifest().requiring(tenantTrust.apply(tenant)), pinned)));
            if (!placement.placed()) {
                throw new SkyfnException(ErrorCode.PLACEMENT_UNSATISFIABLE,
                        "cannot place app " + pkg.manifest().app() + ": " + placement.problem().orElse("no cloud can take it"));
            }
            checkVerifiable(pkg.manifest(), placement);
            Path cached = cached(pkg.sha256());
            if (!Files.exists(cached)) {
                Files.move(incoming, cached, StandardCopyOption.ATOMIC_MOVE);
            }
            packages.put(pkg.sha256(), cached);
            AppRecord record = publish(tenant, pkg, Replicas.of(placement));
            LOG.info("deployed {}/{} version {} on {}", tenant, record.app(), record.version(), placement.nodes());
            awaitServed(record);
            return deployed(record, pkg.manifest(), cached);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                Files.deleteIfExists(incoming);
            } catch (IOException ignored) {
                // removed with the directory's other leftovers
            }
        }
    }

    /**
     * An autoscaled app starts with its placement's replicas kept within its scaling's bounds, and
     * one at least, so that its deployment is loaded and checked somewhere (Knative's initial scale).
     */
    private static Manifest initialScale(Manifest manifest) {
        return manifest.scaling().map(s -> withReplicas(manifest,
                Math.max(Math.max(1, s.min()), Math.min(s.max(), manifest.placement().replicas())))).orElse(manifest);
    }

    private static Manifest withReplicas(Manifest m, int replicas) {
        return m.withPlacement(m.placement().withReplicas(replicas));
    }

    /** How many replicas the placement in force gives the app; 0 when it has none (or is unknown). */
    int replicaCount(AppKey key) {
        AppRecord record = placements.get(key);
        return record == null ? 0 : record.replicas().size();
    }

    /**
     * Gives an autoscaled app {@code replicas} replicas: fewer keeps the cheapest of those it has,
     * listed nodes before elastic ones ({@link Scheduler#shrink}); more keeps them all and adds the scheduler's choice among the
     * {@code alive} nodes not used yet, as far as there is room. A compare-and-set on the record:
     * a deployment or a re-placement in between wins, and the next tick decides again.
     *
     * @return what is short of {@code replicas} for want of room ("2 of 3 replica(s): why"), if anything
     */
    Optional<String> rescale(DeployedApp app, int replicas, Set<String> alive, String why) {
        // the record as this node last heard it: when it already places the app so, there is nothing to write, nor to read
        // afresh from JetStream, which in a burst the autoscaler would do every round while the fleet lacks room
        AppRecord known = placements.get(app.key());
        if (known != null && known.version() == app.version()) {
            Rescaled kept = rescaled(app, known, replicas, alive);
            if (Set.copyOf(kept.next()).equals(Set.copyOf(known.replicas()))) {
                return kept.shortfall();
            }
        }
        var current = records.get(app.tenant(), app.name());
        if (current.isEmpty() || current.get().record().version() != app.version()) {
            return Optional.empty();
        }
        AppRecord had = current.get().record();
        Rescaled rescaled = rescaled(app, had, replicas, alive);
        List<AppRecord.Replica> next = rescaled.next();
        var change = change("the autoscaler: " + had.replicas().size() + " -> " + next.size() + " replica(s) ("
                + replicas + " wanted): " + why);
        // the same nodes in another order are no change: the record is not rewritten for it
        if (!Set.copyOf(next).equals(Set.copyOf(had.replicas())) && records.write(had.withReplicas(next, change), current.get().revision())) {
            LOG.info("{} scaled from {} to {} replica(s): {}", app.key(), had.replicas().size(), next.size(),
                    next.stream().map(AppRecord.Replica::node).toList());
        }
        return rescaled.shortfall();
    }

    /** An app's replicas after a rescale, and what it lacks when the fleet has no room for all. */
    private record Rescaled(List<AppRecord.Replica> next, Optional<String> shortfall) {
    }

    /** Where the app's {@code replicas} go, from what {@code had} places: shrunk to its cheapest nodes, or grown onto the best live ones. */
    private Rescaled rescaled(DeployedApp app, AppRecord had, int replicas, Set<String> alive) {
        if (replicas <= had.replicas().size()) {
            Map<String, AppRecord.Replica> byNode = new java.util.HashMap<>();
            had.replicas().forEach(r -> byNode.put(r.node(), r));
            Topology topology = fleet.topology();
            return new Rescaled(Scheduler.shrink(nodes(had), replicas, app.manifest().memoryMb(), topology, n -> byNode.get(n).cloud(),
                    n -> topology.nodes().stream().noneMatch(listed -> listed.name().equals(n)), placed(app).placement().onDemandFloor())
                    .stream().map(byNode::get).toList(), Optional.empty());
        }
        Manifest manifest = withReplicas(placed(app), replicas);
        Placement placement = Scheduler.replace(manifest.placement(), manifest.memoryMb(), fleet.topology(), liveView(alive), nodes(had));
        List<AppRecord.Replica> next = Replicas.of(placement);
        return new Rescaled(next, placement.shortfall().map(lack -> next.size() + " of " + replicas + " replica(s): " + lack));
    }

    /** The placement in force of every app this node knows, by app. */
    Map<AppKey, AppRecord> inForce() {
        return Map.copyOf(placements);
    }

    /** The app's manifest as it is placed: with its tenant's trust policy required. */
    Optional<Manifest> placedManifest(AppKey key) {
        return apps.find(key).map(this::placed);
    }

    /** Confined to the cloud it was migrated to once every replica is there; as its manifest allows before then. */
    private Manifest placed(DeployedApp app) {
        AppRecord record = placements.get(app.key());
        Manifest manifest = trusted(app);
        return record != null && Migration.settled(record) ? Migration.confined(manifest, record.pinnedTo()) : manifest;
    }

    /** The app's manifest with its tenant's trust policy required. */
    private Manifest trusted(DeployedApp app) {
        return app.manifest().requiring(tenantTrust.apply(app.tenant()));
    }

    /**
     * Where the replicas of an app being migrated go on the cloud it is migrated to: those already
     * there kept, the others placed there among the {@code alive} nodes as far as there is room;
     * with how many it is to have there ({@link Placement#nodes()} may fall short of that while
     * the cloud's capacity is acquired). Empty for an app no longer deployed.
     */
    Optional<Migration.Target> migrationTarget(AppKey key, AppRecord record, Set<String> alive) {
        return apps.find(key).map(app -> {
            Manifest manifest = keptCount(Migration.confined(trusted(app), record.pinnedTo()), record);
            int wanted = Math.min(manifest.placement().replicas(), Migration.room(fleet.topology(), record.pinnedTo()));
            return new Migration.Target(replace(manifest, record, alive), Math.max(1, wanted));
        });
    }

    @Override
    public List<Replica> migrate(AppKey key, Optional<String> cloud) {
        DeployedApp app = apps.find(key).orElseThrow(() -> new SkyfnException(ErrorCode.APP_NOT_FOUND, "no app " + key.app()));
        cloud.ifPresent(c -> Migration.check(trusted(app), c, fleet.topology()));
        while (true) {
            var current = records.get(key.tenant(), key.app())
                    .orElseThrow(() -> new SkyfnException(ErrorCode.APP_NOT_FOUND, "no app " + key.app()));
            AppRecord had = current.record();
            String why = cloud.map(c -> "migration to cloud " + c + " asked: replicas warm up there, then those elsewhere are dropped")
                    .orElse("migration lifted: the scheduler places the app on any cloud its placement allows");
            if (records.write(had.pinnedTo(cloud.orElse(null), change(why)), current.revision())) {
                LOG.info("{}: {}", key, why);
                return view(had);
            }
        }
    }

    @Override
    public Optional<String> pinnedTo(AppKey key) {
        return Optional.ofNullable(placements.get(key)).map(AppRecord::pinnedTo);
    }

    /**
     * Where the app's replicas would go if only the {@code alive} nodes were there: those of them it
     * has kept, the others placed as the scheduler would ({@link Scheduler#replace}); empty for an
     * app no longer deployed.
     */
    Optional<Placement> placeAgain(AppKey key, AppRecord record, Set<String> alive) {
        return apps.find(key).map(app -> replace(keptCount(placed(app), record), record, alive));
    }

    /** Whether every live node the record places its app on serves its version. */
    boolean served(AppRecord record) {
        return served.test(record);
    }

    /**
     * Replaces the replicas of the app's record if it is still {@code had} (a compare-and-set: a
     * deployment or another re-placement in between wins); the record written, or empty.
     */
    Optional<AppRecord> writeReplicas(AppRecord had, List<AppRecord.Replica> next, String why) {
        var current = records.get(had.tenant(), had.app());
        if (current.isEmpty() || !current.get().record().equals(had)) {
            return Optional.empty();
        }
        AppRecord record = had.withReplicas(next, change(why));
        return records.write(record, current.get().revision()) ? Optional.of(record) : Optional.empty();
    }

    /** How many app replicas each node holds: every round from this node's copy, from JetStream before a node is given back. */
    CapacityController.Placements replicasPerNode() {
        return new CapacityController.Placements() {
            @Override
            public Map<String, Integer> seen() {
                return count(placements.values().stream());
            }

            @Override
            public Map<String, Integer> current() {
                return count(records.all().stream().map(AppRecords.Versioned::record));
            }
        };
    }

    private static Map<String, Integer> count(java.util.stream.Stream<AppRecord> records) {
        Map<String, Integer> counts = new java.util.HashMap<>();
        records.forEach(r -> r.replicas().forEach(p -> counts.merge(p.node(), 1, Integer::sum)));
        return counts;
    }

    /**
     * The apps that have fewer replicas than they are to have — the autoscaler's count in
     * {@code wanted}, else as many as their record has — each with the clouds it may run on (its
     * placement's requirements and its tenant's trust policy; the cloud it is being migrated to),
     * best first. A replica on a node in {@code gone} — its cloud taking it back, dead, or departed
     * — does not count, nor, for an app being migrated, one off the cloud it goes to. Batch work ({@code
     * priority: batch} throughout) is left out: it runs on the capacity there is, and never makes
     * the fleet acquire more. A shortfall in this node's copy of the records is read again from
     * JetStream before it counts: the copy follows the writes a moment later, and a replica placed
     * a moment ago (a move's new one) must not make the fleet ask for a second node. An app below
     * its {@code onDemandFloor} is short of that many replicas on the clouds that are not spot.
     */
    List<CapacityPlanner.Shortfall> shortfalls(Map<AppKey, Integer> wanted, Set<String> gone) {
        List<CapacityPlanner.Shortfall> shortfalls = new java.util.ArrayList<>();
        Set<AppKey> apps = new java.util.HashSet<>(wanted.keySet());
        apps.addAll(placements.keySet());
        for (AppKey key : apps) {
            Manifest m = placedManifest(key).orElse(null);
            if (m == null || m.batch()) {
                continue;
            }
            AppRecord record = placements.get(key);
            int missing = missing(record, m, wanted.get(key), gone);
            int offSpot = offSpotMissing(record, m, wanted.get(key), gone);
            if (missing > 0 || offSpot > 0) {
                record = records.get(key.tenant(), key.app()).map(AppRecords.Versioned::record).orElse(null);
                missing = missing(record, m, wanted.get(key), gone);
                offSpot = offSpotMissing(record, m, wanted.get(key), gone);
            }
            if (missing <= 0 && offSpot <= 0) {
                continue;
            }
            boolean migrating = record != null && Migration.underWay(record);
            List<List<String>> groups = migrating ? List.of(List.of(record.pinnedTo())) : Scheduler.eligible(m.placement(), m.memoryMb(), fleet.topology());
            List<List<String>> steady = groups.stream().map(g -> g.stream().filter(c -> !fleet.topology().spot(c)).toList()).filter(g -> !g.isEmpty()).toList();
            if (offSpot > 0 && !migrating && !steady.isEmpty()) {
                // the replicas the floor lacks are asked of the clouds that are not spot; those it lacks besides, of any
                shortfalls.add(new CapacityPlanner.Shortfall(key.toString(), key + "'s onDemandFloor", offSpot, steady, m.memoryMb()));
                missing -= offSpot;
            }
            if (missing > 0) {
                shortfalls.add(new CapacityPlanner.Shortfall(key.toString(), key.toString(), missing, groups, m.memoryMb()));
            }
        }
        return shortfalls;
    }

    /**
     * How many replicas an app lacks: {@code wanted} (null: as many as its record has, and no more
     * than its manifest asks — a record being moved lists the old replicas beside the new ones)
     * less those that stay (on no node in {@code gone}).
     */
    private static int missing(AppRecord record, Manifest m, Integer wanted, Set<String> gone) {
        if (record == null) {
            return wanted == null ? 0 : wanted;
        }
        boolean migrating = Migration.underWay(record);
        long staying = record.replicas().stream().filter(r -> !gone.contains(r.node()))
                .filter(r -> !migrating || r.cloud().equals(record.pinnedTo())).count();
        int asked = m.scaling().isPresent() ? record.replicas().size() : Math.min(record.replicas().size(), m.placement().replicas());
        return (int) ((wanted != null ? wanted : asked) - staying);
    }

    /**
     * How many more replicas the app's {@code onDemandFloor} asks for off spot clouds than it has
     * there on nodes not {@code gone}: the floor, or all its replicas when it has fewer.
     */
    private int offSpotMissing(AppRecord record, Manifest m, Integer wanted, Set<String> gone) {
        int floor = m.placement().onDemandFloor();
        if (floor == 0 || record == null) {
            return 0;
        }
        long off = record.replicas().stream().filter(r -> !gone.contains(r.node()) && !fleet.topology().spot(r.cloud())).count();
        return (int) Math.max(0, Math.min(floor, wanted != null ? wanted : record.replicas().size()) - off);
    }

    @Override
    public Optional<ScalingRecord> scaling(AppKey key) {
        return scalingLog.apply(key);
    }

    /** Writes the next version's record, whoever else deploys the app at the same time. */
    private AppRecord publish(String tenant, AppPackage pkg, List<AppRecord.Replica> replicas) {
        while (true) {
            var current = records.get(tenant, pkg.manifest().app());
            int version = current.map(v -> v.record().version() + 1).orElse(1);
            long now = System.currentTimeMillis();
            long created = current.map(v -> v.record().createdAtMillis()).orElse(now);
            var record = new AppRecord(tenant, pkg.manifest().app(), version, pkg.sha256(), pkg.sizeBytes(), now, created, replicas,
                    new AppRecord.Change(now, "version " + version + " deployed on " + replicas.stream().map(AppRecord.Replica::node)
                            .toList() + ", as the scheduler placed it"), current.map(v -> v.record().pinnedTo()).orElse(null));
            if (records.write(record, current.map(AppRecords.Versioned::revision).orElse(0L))) {
                return record;
            }
        }
    }

    /** Waits a while for the nodes to serve a new version, so that a call right after deploying finds it. */
    private void awaitServed(AppRecord record) {
        long deadline = System.nanoTime() + SERVE_WAIT.toNanos();
        while (!served.test(record)) {
            if (System.nanoTime() > deadline) {
                LOG.warn("{} version {} is not served everywhere after {}; its nodes take it up on their own",
                        record.key(), record.version(), SERVE_WAIT);
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Places again each app with a replica on a node that is not {@code alive}, or with fewer
     * replicas than its placement asks: its replicas on live nodes stay where they are, and the
     * scheduler adds what it lacks as far as there is room (a node back from the dead, or taken for
     * dead while it was only slow, gives back the replicas its apps lost then). An app whose
     * placement cannot be met now keeps its record. Every node may do this at once; the
     * compare-and-set on the record lets one of them win, and the others then find nothing left
     * to do. Each record is read afresh, not from this node's copy, which may not have the
     * placement just written for the last change yet: a node taken for dead and back at once
     * would otherwise not get its replicas back.
     */
    void replaceLost(Set<String> alive) {
        for (AppRecord seen : placements.values()) {
            DeployedApp app = apps.find(new AppKey(seen.tenant(), seen.app())).orElse(null);
            if (app == null) {
                continue;
            }
            var current = records.get(seen.tenant(), seen.app());
            if (current.isEmpty() || current.get().record().version() != app.version()) {
                continue;
            }
            AppRecord had = current.get().record();
            if (app.manifest().scaling().isPresent() && had.replicas().isEmpty()) {
                continue; // an app scaled to zero lost nothing
            }
            Placement placement = replace(keptCount(placed(app), had), had, alive);
            if (!changes(had, placement)) {
                continue;
            }
            if (placement.problem().isPresent()) {
                // its record stays: the live replicas it names serve on, and a node that was only slow comes back warm
                LOG.warn("{} lost a node and cannot be placed again now: {}", app.key(), placement.problem().get());
                continue;
            }
            List<String> lost = nodes(had).stream().filter(n -> !alive.contains(n)).toList();
            var change = change(lost.isEmpty() ? "placed again with the replicas its placement asks: " + placement.nodes()
                    : "node(s) " + lost + " lost: placed again on " + placement.nodes());
            if (records.write(had.withReplicas(Replicas.of(placement), change), current.get().revision())) {
                LOG.info("{} placed again on {} (its nodes were {})", app.key(), placement.nodes(), nodes(had));
                placement.shortfall().ifPresent(why -> LOG.warn("{} has fewer replicas than its placement asks: {}", app.key(), why));
            }
        }
    }

    /** Whether {@code placement} names other nodes than {@code record}: a replica lost, or one added. */
    private static boolean changes(AppRecord record, Placement placement) {
        return !Set.copyOf(placement.nodes()).equals(Set.copyOf(nodes(record)));
    }

    /** Where an app of {@code manifest}, placed as {@code record} says, goes now that the {@code alive} nodes are these. */
    private Placement replace(Manifest manifest, AppRecord record, Set<String> alive) {
        return Scheduler.replace(manifest.placement(), manifest.memoryMb(), fleet.topology(), liveView(alive), nodes(record));
    }

    /** The manifest, an autoscaled app's with the count the autoscaler gave it ({@code record}'s replicas). */
    private static Manifest keptCount(Manifest manifest, AppRecord record) {
        return manifest.scaling().isPresent() ? withReplicas(manifest, record.replicas().size()) : manifest;
    }

    /** The fleet's nodes, alive as the caller saw them, so that what counts as lost and what is kept agree. */
    private List<NodeStatus> liveView(Set<String> alive) {
        return fleet.nodes().stream()
                .map(n -> new NodeStatus(n.node(), n.cloud(), alive.contains(n.node()), n.freeMemoryMb(), n.load())).toList();
    }

    private static AppRecord.Change change(String why) {
        return new AppRecord.Change(System.currentTimeMillis(), why);
    }

    /** The record's replicas as the control API shows them. */
    private static List<Replica> view(AppRecord record) {
        return record.replicas().stream().map(p -> new Replica(p.cloud(), p.node(), p.memoryMb())).toList();
    }

    /** The nodes the record places its app on, in its order. */
    static List<String> nodes(AppRecord record) {
        return record.replicas().stream().map(AppRecord.Replica::node).toList();
    }

    @Override
    public Optional<dev.skyfn.control.placement.PlacementChange> lastChange(AppKey key) {
        return Optional.ofNullable(placements.get(key)).map(AppRecord::change)
                .map(c -> new dev.skyfn.control.placement.PlacementChange(java.time.Instant.ofEpochMilli(c.atMillis()), c.why()));
    }

    @Override
    public Optional<List<Replica>> replicas(AppKey key) {
        return Optional.ofNullable(placements.get(key))
                .map(ClusterApps::view);
    }

    @Override
    public boolean remove(AppKey key) {
        var removed = records.get(key.tenant(), key.app());
        if (removed.isEmpty()) {
            return false;
        }
        records.remove(key.tenant(), key.app());
        globalState.clear(KeyValue.scope(key.tenant(), key.app()));
        String sha = removed.get().record().sha256();
        if (records.all().stream().noneMatch(v -> v.record().sha256().equals(sha))) {
            packages.delete(sha);
        }
        return true;
    }

    /**
     * The app, as this node knows it; one it does not know yet is looked up in the fleet's records,
     * and taken in when there: an app deployed through another node a moment ago is found through
     * every gateway, not only once the change has reached this one.
     */
    @Override
    public Optional<DeployedApp> find(AppKey key) {
        return apps.find(key).or(() -> justDeployed(key));
    }

    /** The app's record read afresh and applied here, in turn with the changes the watch brings. */
    private Optional<DeployedApp> justDeployed(AppKey key) {
        if (Thread.currentThread().getName().equals(CHANGES) || records.get(key.tenant(), key.app()).isEmpty()) {
            return Optional.empty();
        }
        try {
            // read again in turn: a newer record the watch applied meanwhile must not be overwritten by the one read above
            changes.submit(() -> records.get(key.tenant(), key.app()).ifPresent(v -> apply(v.record()))).get(LEARN_WAIT.toMillis(),
                    java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.warn("{} is in the fleet's records but not taken in here yet: {}", key, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return apps.find(key);
    }

    @Override
    public List<DeployedApp> list(String tenant) {
        return apps.list(tenant);
    }

    @Override
    public List<DeployedApp> all() {
        return apps.all();
    }

    @Override
    public void subscribe(Listener listener) {
        apps.subscribe(listener);
    }

    /** Brings this node in line with one record: its package here and checked, its runtime here if placed here. */
    private void apply(AppRecord record) {
        AppKey key = new AppKey(record.tenant(), record.app());
        try {
            DeployedApp known = apps.find(key).orElse(null);
            if (known != null && !java.util.Objects.equals(known.createdAt(), createdAt(record))) {
                // removed and created again while this node was not watching (the bucket keeps one value a key): the one before goes first
                forget(key);
                known = null;
            }
            DeployedApp app = known != null && known.version() == record.version() && known.sha256().equals(record.sha256()) ? known
                    : load(record);
            placements.put(key, record);
            apps.put(app);
            record.replicas().stream().filter(r -> r.node().equals(node)).findFirst()
                    .ifPresentOrElse(r -> placedHere.put(withMemory(app, r.memoryMb())), () -> placedHere.drop(key));
        } catch (RuntimeException e) {
            LOG.error("cannot take version {} of {}: {}", record.version(), key, e.getMessage());
        }
    }

    private DeployedApp load(AppRecord record) {
        Path jar = cached(record.sha256());
        if (!Files.exists(jar)) {
            packages.fetch(record.sha256(), jar);
        }
        AppPackage pkg = inspector.inspect(jar);
        if (!pkg.sha256().equals(record.sha256())) {
            throw new IllegalStateException("the cached package " + jar + " does not match its digest");
        }
        return deployed(record, pkg.manifest(), jar);
    }

    private static DeployedApp deployed(AppRecord record, Manifest manifest, Path jar) {
        return new DeployedApp(record.tenant(), manifest, record.version(), jar, record.sha256(), record.sizeBytes(),
                Instant.ofEpochMilli(record.deployedAtMillis()), createdAt(record));
    }

    /** When the record's app was created; null in a record written before that was kept. */
    private static Instant createdAt(AppRecord record) {
        return record.createdAtMillis() == 0 ? null : Instant.ofEpochMilli(record.createdAtMillis());
    }

    /** The app as it runs here, where the placement's overrides may give it other memory. */
    private static DeployedApp withMemory(DeployedApp app, int memoryMb) {
        Manifest m = app.manifest();
        if (m.memoryMb() == memoryMb) {
            return app;
        }
        return new DeployedApp(app.tenant(), m.withMemory(memoryMb), app.version(), app.jar(), app.sha256(), app.sizeBytes(), app.deployedAt(),
                app.createdAt());
    }

    /** Drops the app: from the fleet's apps first, so that what serves it here, told next, finds it gone from the fleet, not moved. */
    private void forget(AppKey key) {
        placements.remove(key);
        apps.drop(key);
        placedHere.drop(key);
    }

    private Path cached(String sha256) {
        return dir.resolve(sha256 + ".jar");
    }

    void close() {
        try {
            if (watch != null) {
                watch.close();
            }
        } catch (Exception e) {
            LOG.debug("closing the watch of apps: {}", e.getMessage());
        }
        changes.shutdownNow();
    }
}
