package dev.skyfn.node.cluster;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.app.DeployedApp;
import dev.skyfn.core.cloud.Topology;
import dev.skyfn.core.manifest.FunctionSpec;
import dev.skyfn.core.manifest.Verify;
import dev.skyfn.core.wire.Payload;
import dev.skyfn.nats.nodes.NodeDirectory;
import dev.skyfn.node.invoke.Dispatch;
import dev.skyfn.node.invoke.Invoker;
import dev.skyfn.node.invoke.Outcome;
import dev.skyfn.node.tracing.Tracing;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's dispatch in distributed mode: an invocation runs on the best node for the
 * caller's region among those serving the app — nearest first, then least loaded, this node
 * before an equal other — and moves on to the next when a node cannot be reached. A call whose
 * node died under it is run again elsewhere only if its function is idempotent; otherwise the
 * caller gets NODE_LOST; one that is, and has not answered by its running p95, is sent to the next
 * node as well ({@link Hedging}). A function declared {@code verify: redundant} runs on two nodes of
 * different providers at once ({@link Redundancy}); differing answers are RESULT_MISMATCH, and
 * go in the audit log.
 */
final class FleetDispatch implements Dispatch {

    private final String self;
    private final String cloud;
    private final Topology topology;
    private final NodeDirectory directory;
    private final ClusterApps apps;
    private final Invoker local;
    private final NodeBus bus;
    private final Wan wan;
    private final String homeRegion;
    private final AuditLog audit;
    private final CallerRegions callers;
    /** Whose time an app's deployment is compared with. */
    private final Clock clock;
    private static final Duration ACTIVATION_POLL = Duration.ofMillis(20);
    /** Calls waiting on each other node, failed at once when that node is found dead. */
    private final Map<String, Set<CompletableFuture<Outcome>>> waiting = new ConcurrentHashMap<>();
    /** Calls waiting for an app to get a replica, per app. */
    private final Map<AppKey, AtomicInteger> activating = new ConcurrentHashMap<>();
    /** The calls this gateway has in flight, by app and node: what it balances its apps' replicas by. */
    private final Map<Sent, AtomicInteger> outstanding = new ConcurrentHashMap<>();
    private final Hedging hedging = new Hedging(System::nanoTime);

    /** Where a gateway's calls go: an app's replica on a node. */
    private record Sent(AppKey app, String node) {
    }

    FleetDispatch(String self, String cloud, Topology topology, NodeDirectory directory, ClusterApps apps, Invoker local,
                  NodeBus bus, Wan wan, AuditLog audit, CallerRegions callers, Clock clock) {
        this.self = self;
        this.clock = clock;
        this.callers = callers;
        this.audit = audit;
        this.cloud = cloud;
        this.topology = topology;
        this.directory = directory;
        this.apps = apps;
        this.local = local;
        this.bus = bus;
        this.wan = wan;
        this.homeRegion = Routes.nearestRegion(topology, cloud);
        directory.onChange(m -> {
            if (!m.alive()) {
                failCallsTo(m.report().node());
            }
        });
    }

    @Override
    public DeployedApp resolveApp(AppKey key) {
        return apps.find(key).orElseThrow(() -> new SkyfnException(ErrorCode.APP_NOT_FOUND, "no app " + key.app()));
    }

    @Override
    public Target resolve(AppKey key, String function) {
        DeployedApp app = resolveApp(key);
        return new Remote(app, Dispatch.function(app, function));
    }

    private record Remote(DeployedApp app, FunctionSpec spec) implements Target {
    }

    @Override
    public Outcome dispatch(Target target, Payload input, String invocationId, boolean bounded, Duration timeout, String region) {
        return dispatch(target, input, invocationId, bounded, timeout, region, false);
    }

    /**
     * Sent on the calling thread to this node's sandbox when this node is the best to run the call
     * and the call is neither hedged nor run twice (nor slowed by an emulated WAN); otherwise, or
     * when the app left this node before it ran, routed on a thread of its own as {@link #dispatch}
     * routes it.
     */
    @Override
    public CompletableFuture<Outcome> dispatchAsync(Target target, Payload input, String invocationId, Duration timeout) {
        AppKey key = target.app().key();
        boolean redundant = target.spec().verify() == Verify.REDUNDANT;
        if (wan.emulated() || redundant || !local.serves(key)) {
            return Dispatch.super.dispatchAsync(target, input, invocationId, timeout);
        }
        List<Routes.Candidate> candidates = rank(target, homeRegion);
        if (candidates.isEmpty() || !candidates.getFirst().node().equals(self)
                || Hedging.hedgeable(target.spec().idempotent(), false, false, candidates.size())) {
            return Dispatch.super.dispatchAsync(target, input, invocationId, timeout);
        }
        callers.count(key, homeRegion);
        AtomicInteger sent = outstanding(key, self);
        sent.incrementAndGet();
        long start = System.nanoTime();
        CompletableFuture<Outcome> here = local.dispatchAsync(target, input, invocationId, timeout)
                .whenComplete((o, failed) -> sent.decrementAndGet());
        return here.thenCompose(o -> {
            if (left(o)) {
                return Dispatch.super.dispatchAsync(target, input, invocationId, timeout);
            }
            hedging.called(key, target.spec().name(), System.nanoTime() - start, o.ok());
            return CompletableFuture.completedFuture(o.on(self));
        });
    }

    /**
     * Many invocations of one function at once (a stream function's events): sent together to
     * this node's sandbox when this node is the best to run them, else each routed as
     * {@link #dispatch} routes one. Those the app left this node before they ran are routed too.
     */
    @Override
    public List<Outcome> dispatchEach(Target target, List<Input> inputs, Duration timeout, String region) {
        AppKey key = target.app().key();
        String from = region == null ? homeRegion : Routes.checkRegion(topology, region);
        if (target.spec().verify() == Verify.REDUNDANT || !local.serves(key)
                || !rank(target, from).stream().findFirst().map(c -> c.node().equals(self)).orElse(false)) {
            return Dispatch.super.dispatchEach(target, inputs, timeout, region);
        }
        inputs.forEach(i -> callers.count(key, from));
        AtomicInteger sent = outstanding(key, self);
        sent.addAndGet(inputs.size());
        List<Outcome> outcomes;
        wan.fromUsers(from, cloud);
        try {
            outcomes = local.dispatchEach(local.resolve(key, target.spec().name()), inputs, timeout, region);
        } catch (SkyfnException e) {
            if (e.code() != ErrorCode.APP_NOT_FOUND) {
                throw e;
            }
            return Dispatch.super.dispatchEach(target, inputs, timeout, region);
        } finally {
            sent.addAndGet(-inputs.size());
            wan.fromUsers(from, cloud);
        }
        List<Outcome> placed = new java.util.ArrayList<>(outcomes.size());
        for (int i = 0; i < outcomes.size(); i++) {
            Outcome o = outcomes.get(i);
            placed.add(left(o) ? Dispatch.super.dispatchEach(target, List.of(inputs.get(i)), timeout, region).getFirst() : o.on(self));
        }
        return placed;
    }

    /**
     * Runs an async invocation, handed out by the fleet's queue at least once: a second delivery
     * of the same invocation id joins the run in flight, or gets its outcome, on the node that
     * runs it ({@link OnceRuns}) instead of running it again.
     */
    Outcome dispatchOnce(Target target, Payload input, String invocationId, Duration timeout, String region) {
        return dispatch(target, input, invocationId, false, timeout, region, true);
    }

    private Outcome dispatch(Target target, Payload input, String invocationId, boolean bounded, Duration timeout, String region,
                             boolean onlyOnce) {
        String from = region == null ? homeRegion : Routes.checkRegion(topology, region);
        callers.count(target.app().key(), from);
        wan.fromUsers(from, cloud);
        try {
            return run(target, input, invocationId, bounded, timeout, from, onlyOnce);
        } finally {
            wan.fromUsers(from, cloud);
        }
    }

    private Outcome run(Target target, Payload input, String invocationId, boolean bounded, Duration timeout, String region,
                        boolean onlyOnce) {
        AppKey key = target.app().key();
        boolean autoscaled = target.app().manifest().scaling().isPresent();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<Routes.Candidate> candidates = rank(target, region);
            if (candidates.isEmpty() && autoscaled) {
                candidates = activate(key, region, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            } else if (candidates.isEmpty()) {
                candidates = awaitPlaced(target, region, deadline);
            }
            if (candidates.isEmpty()) {
                throw new SkyfnException(ErrorCode.UNAVAILABLE, "no live node serves app " + key.app() + " now; retry later");
            }
            if (target.spec().verify() == Verify.REDUNDANT) {
                Outcome verified = runTwice(target, input, invocationId, bounded, timeout, region, candidates);
                if (verified != null) {
                    return verified;
                }
                if (System.nanoTime() > deadline) {
                    throw new SkyfnException(ErrorCode.UNAVAILABLE, "no two providers' nodes could run " + target.spec().name()
                            + " of app " + key.app() + ": the app left one of them as it was called; retry later");
                }
                pause(ACTIVATION_POLL);
                continue;
            }
            Attempt attempt = attempt(candidates, target, input, invocationId, bounded, timeout, region, onlyOnce);
            if (attempt.outcome() != null) {
                return attempt.outcome();
            }
            // an autoscaled app's replicas move while it scales: a node that no longer serves it is no failure of the call
            if (!autoscaled || !attempt.allMoved() || System.nanoTime() > deadline) {
                throw new SkyfnException(ErrorCode.UNAVAILABLE, "no node could run " + target.spec().name() + " of app " + key.app()
                        + " (" + attempt.lastMiss() + "); retry later");
            }
            pause(ACTIVATION_POLL);
        }
    }

    /**
     * The nodes that report serving an app deployed less than {@link #BEING_PLACED} ago, once one
     * does, or none when none does by then or by the call's deadline (nanoTime): a 201 from a
     * deploy does not wait for the app's nodes to load it and say so in a heartbeat, and a call
     * made right after it is no call for an app nobody serves.
     */
    private List<Routes.Candidate> awaitPlaced(Target target, String region, long deadline) {
        Instant placed = target.app().deployedAt().plus(BEING_PLACED);
        return firstRanked(() -> Routes.rank(self, region, target.app().key(), topology, directory.members(), busy(target)),
                () -> clock.instant().isBefore(placed) && System.nanoTime() < deadline);
    }

    /** {@code ranked}'s first answer naming a node, asked every {@link #ACTIVATION_POLL} while {@code waiting}; none after. */
    private static List<Routes.Candidate> firstRanked(java.util.function.Supplier<List<Routes.Candidate>> ranked,
                                                      java.util.function.BooleanSupplier waiting) {
        while (waiting.getAsBoolean()) {
            List<Routes.Candidate> candidates = ranked.get();
            if (!candidates.isEmpty()) {
                return candidates;
            }
            pause(ACTIVATION_POLL);
        }
        return List.of();
    }

    /**
     * How long after its deployment a call waits for an app no node reports serving: placing it
     * (the next control tick), loading it and the next heartbeat take a second or two, longer on
     * a busy node.
     */
    static final Duration BEING_PLACED = Duration.ofSeconds(10);

    /**
     * The nodes that may run the call, best first ({@link Routes#rank}); when the call is traced,
     * the decision is a span "route APP/FUNCTION" naming the caller's region and the candidates in
     * order, each with its cloud, latency to the caller (ms) and load.
     */
    /** The node's tracing, which calls it dispatches for queues continue. */
    Tracing tracing() {
        return local.tracing();
    }

    private List<Routes.Candidate> rank(Target target, String region) {
        AppKey key = target.app().key();
        if (!local.tracing().on() || !Span.current().isRecording()) {
            return Routes.rank(self, region, key, topology, directory.members(), busy(target));
        }
        Span span = local.tracing().tracer().spanBuilder("route " + key.app() + "/" + target.spec().name())
                .setAttribute(Tracing.APP, key.app()).setAttribute(Tracing.TENANT, key.tenant()).setAttribute(REGION, region).startSpan();
        try {
            List<Routes.Candidate> ranked = Routes.rank(self, region, key, topology, directory.members(), busy(target));
            span.setAttribute(CANDIDATES, ranked.stream().map(c -> String.format(java.util.Locale.ROOT, "%s (%s, %.1f ms, load %.2f)",
                    c.node(), c.cloud(), c.latencyMs(), c.load())).collect(java.util.stream.Collectors.joining(", ")));
            return ranked;
        } finally {
            span.end();
        }
    }

    private static final AttributeKey<String> REGION = AttributeKey.stringKey("skyfn.region");
    private static final AttributeKey<String> CANDIDATES = AttributeKey.stringKey("skyfn.route.candidates");

    /** What trying the candidates gave: an outcome, or why none answered and whether each had only stopped serving the app. */
    private record Attempt(Outcome outcome, String lastMiss, boolean allMoved) {
    }

    /**
     * Tries the candidates in turn ({@link #tryEach}); a call that may be hedged ({@link Hedging})
     * and has not answered on the first by its function's p95 here goes to the second as well,
     * the first answer winning, and on to the others if neither answers.
     */
    private Attempt attempt(List<Routes.Candidate> candidates, Target target, Payload input, String invocationId, boolean bounded,
                            Duration timeout, String region, boolean onlyOnce) {
        AppKey key = target.app().key();
        String function = target.spec().name();
        long start = System.nanoTime();
        java.util.Optional<Duration> delay = Hedging.hedgeable(target.spec().idempotent(), target.spec().verify() == Verify.REDUNDANT,
                onlyOnce, candidates.size()) ? hedging.delay(key, function) : java.util.Optional.empty();
        Attempt attempt;
        if (delay.isEmpty()) {
            attempt = tryEach(candidates, target, input, invocationId, bounded, timeout, region, onlyOnce);
        } else {
            attempt = hedging.race(() -> tryEach(candidates.subList(0, 1), target, input, invocationId, bounded, timeout, region, false),
                    () -> tryEach(candidates.subList(1, 2), target, input, invocationId, bounded, timeout, region, false),
                    delay.get(), a -> a.outcome() != null, firstLost -> bus.stop(candidates.get(firstLost ? 0 : 1).node(), invocationId));
            if (attempt.outcome() == null && candidates.size() > 2) {
                attempt = tryEach(candidates.subList(2, candidates.size()), target, input, invocationId, bounded, timeout, region, false);
            }
        }
        hedging.called(key, function, System.nanoTime() - start, attempt.outcome() != null && attempt.outcome().ok());
        return attempt;
    }

    private Attempt tryEach(List<Routes.Candidate> candidates, Target target, Payload input, String invocationId, boolean bounded,
                            Duration timeout, String region, boolean onlyOnce) {
        AppKey key = target.app().key();
        String lastMiss = "";
        boolean allMoved = true;
        for (Routes.Candidate c : candidates) {
            if (c.node().equals(self)) {
                if (local.serves(key)) {
                    Outcome o = here(target, input, invocationId, bounded, timeout, region, onlyOnce);
                    if (o != null) {
                        return new Attempt(o.on(self), "", false);
                    }
                    lastMiss = "node " + self + " no longer serves the app";
                }
                continue;
            }
            AtomicInteger sent = outstanding(key, c.node());
            sent.incrementAndGet();
            try {
                Outcome o = await(c.node(), bus.call(c.node(), c.cloud(), key, target.spec().name(), input, invocationId, bounded, timeout,
                        onlyOnce));
                if (!left(o)) {
                    return new Attempt(o.on(c.node()), "", false);
                }
                lastMiss = "node " + c.node() + " no longer serves the app";
            } catch (NodeBus.NoAnswer miss) {
                if (miss.miss == NodeBus.Miss.LOST && !target.spec().idempotent()) {
                    throw new SkyfnException(ErrorCode.NODE_LOST, miss.getMessage() + " while running " + target.spec().name()
                            + "; it may or may not have run, and it is not declared idempotent, so it was not run again");
                }
                lastMiss = miss.getMessage();
                allMoved = false;
            } finally {
                sent.decrementAndGet();
            }
        }
        return new Attempt(null, lastMiss, allMoved);
    }

    /**
     * Runs the call on this node; null when the app left it between the ranking and the call (it
     * answered APP_NOT_FOUND): as from another node, a miss to try the next candidate on, not the
     * caller's error — the app exists, its replica here has just gone.
     */
    private Outcome here(Target target, Payload input, String invocationId, boolean bounded, Duration timeout, String region,
                         boolean onlyOnce) {
        AtomicInteger sent = outstanding(target.app().key(), self);
        sent.incrementAndGet();
        try {
            // the run's own thread carries the caller's trace on, as every thread a call is handed to does
            Outcome o = onlyOnce ? join(bus.once(invocationId, () -> CompletableFuture.supplyAsync(Context.current().wrapSupplier(
                    () -> local.dispatch(target, input, invocationId, bounded, timeout, region)), Thread.ofVirtual()::start)))
                    : local.dispatch(target, input, invocationId, bounded, timeout, region);
            return left(o) ? null : o;
        } catch (SkyfnException e) {
            if (e.code() != ErrorCode.APP_NOT_FOUND) {
                throw e;
            }
            return null;
        } finally {
            sent.decrementAndGet();
        }
    }

    /** Whether a node answered that it does not serve the app (APP_NOT_FOUND): the app left it, a miss and no failure of the call. */
    private static boolean left(Outcome o) {
        return !o.ok() && o.error().code() == ErrorCode.APP_NOT_FOUND;
    }

    /** The calls this gateway awaits from each other node, by node; nodes with none left out. */
    Map<String, Integer> awaiting() {
        Map<String, Integer> by = new java.util.HashMap<>();
        outstanding.forEach((sent, n) -> {
            if (n.get() > 0 && !sent.node().equals(self)) {
                by.merge(sent.node(), n.get(), Integer::sum);
            }
        });
        return by;
    }

    /** The app's calls this gateway has in flight on {@code node}. */
    private AtomicInteger outstanding(AppKey app, String node) {
        return outstanding.computeIfAbsent(new Sent(app, node), k -> new AtomicInteger());
    }

    /** How busy the target's app keeps each node, as this gateway sees it. */
    private Routes.Busy busy(Target target) {
        AppKey app = target.app().key();
        return new Routes.Busy(target.spec().concurrency(), node -> outstanding(app, node).get());
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SkyfnException(ErrorCode.UNAVAILABLE, "the node is shutting down");
        }
    }

    /**
     * Waits, at most {@code timeout}, for a node to serve an autoscaled app that has no replica
     * now (scaled to zero, or its nodes lost): the waiting call counts as the app's concurrency in
     * this node's heartbeat, which is what makes the autoscaler give it one (Knative's activator).
     *
     * @throws SkyfnException FUNCTION_TIMEOUT when no node serves the app in time
     */
    private List<Routes.Candidate> activate(AppKey key, String region, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        AtomicInteger count = activating.computeIfAbsent(key, k -> new AtomicInteger());
        count.incrementAndGet();
        try {
            List<Routes.Candidate> candidates = firstRanked(() -> Routes.rank(self, region, key, topology, directory.members()),
                    () -> System.nanoTime() < deadline);
            if (!candidates.isEmpty()) {
                return candidates;
            }
        } finally {
            count.decrementAndGet();
        }
        throw new SkyfnException(ErrorCode.FUNCTION_TIMEOUT, "app " + key.app() + " has no replica serving (scaled to zero, or its "
                + "nodes lost) and none started within the call's " + timeout.toMillis() + " ms; the autoscaler was asked for one");
    }

    /** Calls waiting at this gateway for each app to get a replica; apps with none are left out. */
    Map<AppKey, Integer> activating() {
        Map<AppKey, Integer> counts = new java.util.HashMap<>();
        activating.forEach((k, n) -> {
            if (n.get() > 0) {
                counts.put(k, n.get());
            }
        });
        return counts;
    }

    /**
     * Runs the call on two providers' nodes at once; answers only if both agree. Null when the app
     * left either node between the ranking and the call (it answered APP_NOT_FOUND): a miss, not a
     * mismatch — the caller ranks the nodes again.
     */
    private Outcome runTwice(Target target, Payload input, String invocationId, boolean bounded, Duration timeout, String region,
                             List<Routes.Candidate> candidates) {
        AppKey key = target.app().key();
        Redundancy.Pair pair = Redundancy.choose(candidates, topology).orElseThrow(() -> new SkyfnException(ErrorCode.UNAVAILABLE,
                target.spec().name() + " is declared verify: redundant, and app " + key.app() + " is served now only on nodes of "
                        + candidates.stream().map(c -> provider(c)).distinct().toList() + "; it needs live nodes of two providers"));
        CompletableFuture<Outcome> first = runOn(pair.first(), target, input, invocationId, bounded, timeout, region);
        CompletableFuture<Outcome> second = runOn(pair.second(), target, input, invocationId, bounded, timeout, region);
        Outcome a = answer(first, pair.first());
        Outcome b = answer(second, pair.second());
        if (a == null || b == null || left(a) || left(b)) {
            return null;
        }
        if (Redundancy.agree(a, b)) {
            return a;
        }
        audit.mismatch(key.tenant(), key.app(), target.spec().name(), invocationId, List.of(
                new AuditLog.Answer(pair.first().node(), pair.first().cloud(), provider(pair.first()), Redundancy.digest(a)),
                new AuditLog.Answer(pair.second().node(), pair.second().cloud(), provider(pair.second()), Redundancy.digest(b))));
        throw new SkyfnException(ErrorCode.RESULT_MISMATCH, "the results of " + target.spec().name() + " from node "
                + pair.first().node() + " (" + provider(pair.first()) + ") and node " + pair.second().node() + " ("
                + provider(pair.second()) + ") differ; the call is in the audit log as " + invocationId);
    }

    private CompletableFuture<Outcome> runOn(Routes.Candidate c, Target target, Payload input, String invocationId, boolean bounded,
                                             Duration timeout, String region) {
        AppKey key = target.app().key();
        if (c.node().equals(self)) {
            return CompletableFuture.supplyAsync(Context.current().wrapSupplier(
                    () -> local.dispatch(target, input, invocationId, bounded, timeout, region).on(self)), Thread.ofVirtual()::start);
        }
        return CompletableFuture.supplyAsync(Context.current().wrapSupplier(() -> await(c.node(), bus.call(c.node(), c.cloud(), key,
                target.spec().name(), input, invocationId, bounded, timeout, false)).on(c.node())), Thread.ofVirtual()::start);
    }

    /** One node's answer; null when this node no longer serves the app; a node that gave none leaves the call unverified. */
    private static Outcome answer(CompletableFuture<Outcome> call, Routes.Candidate c) {
        try {
            return call.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SkyfnException s) {
                if (s.code() == ErrorCode.APP_NOT_FOUND) {
                    return null;
                }
                throw s;
            }
            throw new SkyfnException(ErrorCode.UNAVAILABLE, "the call could not be verified: node " + c.node() + " gave no answer ("
                    + e.getCause().getMessage() + "); retry later");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SkyfnException(ErrorCode.UNAVAILABLE, "the node is shutting down");
        }
    }

    private static Outcome join(CompletableFuture<Outcome> run) {
        try {
            return run.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SkyfnException(ErrorCode.UNAVAILABLE, "the node is shutting down");
        }
    }

    private String provider(Routes.Candidate c) {
        return Redundancy.provider(topology, c.cloud());
    }

    private Outcome await(String node, CompletableFuture<Outcome> call) {
        Set<CompletableFuture<Outcome>> calls = waiting.computeIfAbsent(node, n -> ConcurrentHashMap.newKeySet());
        calls.add(call);
        try {
            return call.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof NodeBus.NoAnswer n ? n : new NodeBus.NoAnswer(NodeBus.Miss.LOST, String.valueOf(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SkyfnException(ErrorCode.UNAVAILABLE, "the node is shutting down");
        } finally {
            calls.remove(call);
        }
    }

    private void failCallsTo(String node) {
        Set<CompletableFuture<Outcome>> calls = waiting.getOrDefault(node, Set.of());
        for (CompletableFuture<Outcome> call : calls) {
            call.completeExceptionally(new NodeBus.NoAnswer(NodeBus.Miss.LOST, "node " + node + " died"));
        }
    }
}
