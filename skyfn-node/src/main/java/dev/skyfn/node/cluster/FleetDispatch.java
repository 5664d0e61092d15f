package dev.skyfn.node.cluster;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.app.DeployedApp;
import dev.skyfn.core.cloud.Topology;
import dev.skyfn.core.manifest.FunctionSpec;
import dev.skyfn.core.wire.Payload;
import dev.skyfn.nats.nodes.NodeDirectory;
import dev.skyfn.node.invoke.Dispatch;
import dev.skyfn.node.invoke.Invoker;
import dev.skyfn.node.invoke.Outcome;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * The gateway's dispatch in distributed mode: an invocation runs on the best node for the
 * caller's region among those serving the app — nearest first, then least loaded, this node
 * before an equal other — and moves on to the next when a node cannot be reached. A call whose
 * node died under it is run again elsewhere only if its function is idempotent; otherwise the
 * caller gets NODE_LOST.
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
    /** Calls waiting on each other node, failed at once when that node is found dead. */
    private final Map<String, Set<CompletableFuture<Outcome>>> waiting = new ConcurrentHashMap<>();

    FleetDispatch(String self, String cloud, Topology topology, NodeDirectory directory, ClusterApps apps, Invoker local,
                  NodeBus bus, Wan wan) {
        this.self = self;
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
        String from = region == null ? homeRegion : Routes.checkRegion(topology, region);
        wan.fromUsers(from, cloud);
        try {
            return run(target, input, invocationId, bounded, timeout, from);
        } finally {
            wan.fromUsers(from, cloud);
        }
    }

    private Outcome run(Target target, Payload input, String invocationId, boolean bounded, Duration timeout, String region) {
        AppKey key = target.app().key();
        List<Routes.Candidate> candidates = Routes.rank(self, region, key, topology, directory.members());
        if (candidates.isEmpty()) {
            throw new SkyfnException(ErrorCode.UNAVAILABLE, "no live node serves app " + key.app() + " now; retry later");
        }
        String lastMiss = "";
        for (Routes.Candidate c : candidates) {
            if (c.node().equals(self) && local.serves(key)) {
                return local.dispatch(target, input, invocationId, bounded, timeout, region).on(self);
            }
            if (c.node().equals(self)) {
                continue;
            }
            try {
                Outcome o = await(c.node(), bus.call(c.node(), c.cloud(), key, target.spec().name(), input, invocationId, bounded, timeout));
                if (o.ok() || o.error().code() != ErrorCode.APP_NOT_FOUND) {
                    return o.on(c.node());
                }
                lastMiss = "node " + c.node() + " no longer serves the app";
            } catch (NodeBus.NoAnswer miss) {
                if (miss.miss == NodeBus.Miss.LOST && !target.spec().idempotent()) {
                    throw new SkyfnException(ErrorCode.NODE_LOST, miss.getMessage() + " while running " + target.spec().name()
                            + "; it may or may not have run, and it is not declared idempotent, so it was not run again");
                }
                lastMiss = miss.getMessage();
            }
        }
        throw new SkyfnException(ErrorCode.UNAVAILABLE, "no node could run " + target.spec().name() + " of app " + key.app()
                + " (" + lastMiss + "); retry later");
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
