package dev.skyfn.node.invoke;

import dev.skyfn.core.manifest.FunctionSpec;
import dev.skyfn.node.sandbox.Sandbox;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node as broker of direct calls between sandboxes of a tenant (docs/sandbox-protocol.md,
 * "Direct calls"; SAND's local bus, Akkus et al., ATC'18): when a function calls another app of
 * its tenant served here in another sandbox, the node answers that call as ever and gives the
 * caller a route, so that its next calls go sandbox to sandbox — one socket round trip instead of
 * two, and no routing in the node. The callee meters each direct call to the node (a Usage), and
 * a retiring callee closes its door before it stops (see {@link Sandbox#moveTo}).
 *
 * <p>Who may call whom: only sandboxes of one tenant (calls resolve within the caller's tenant),
 * each admitted by a token of its own, through a socket the node links into the caller's view alone.
 */
final class DirectRoutes {

    private static final Logger LOG = LoggerFactory.getLogger(DirectRoutes.class);

    /** System property: {@code false} keeps every call between apps going through the node. */
    static final String PROPERTY = "skyfn.directCalls";

    private final boolean on = !"false".equals(System.getProperty(PROPERTY));
    /**
     * How long after giving a route the node gives it again when calls to that app still come
     * through it: the caller may have lost the route (a refused connection); given again, a route
     * it holds is left as it is.
     */
    static final long REOFFER_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(10);

    /** A route given: to which seat, and when. */
    private record Given(Sandbox.Seat seat, long atNanos) {
    }

    /** The route each caller was given, by caller, then by app. */
    private final Map<Sandbox, Map<String, Given>> given = new ConcurrentHashMap<>();

    /**
     * Gives {@code caller} a route to the app of {@code callee} if it has none to the seat the app
     * is served from now, and both can; the route comes as a frame once the callee admitted the
     * caller, and this returns at once.
     */
    void offer(Sandbox caller, AppRuntime callee) {
        Sandbox.Seat seat = callee.warmSeat();
        int share = on ? maxInFlight(callee) : 0;
        if (share == 0 || seat == null || !seat.sandbox().direct() || !caller.direct()) {
            return;
        }
        String app = callee.key().app();
        Map<String, Given> routes = given.computeIfAbsent(caller, c -> {
            c.whenDead().thenRun(() -> given.remove(c));
            return new ConcurrentHashMap<>();
        });
        long nanos = System.nanoTime();
        Given before = routes.get(app);
        if (before != null && before.seat().equals(seat) && nanos - before.atNanos() < REOFFER_NANOS) {
            return;
        }
        Given now = new Given(seat, nanos);
        if (before == null ? routes.putIfAbsent(app, now) != null : !routes.replace(app, before, now)) {
            return; // another call is giving it
        }
        // to another app in the caller's own sandbox: no socket, no token, the call runs there
        CompletableFuture<String> admitted = seat.sandbox() == caller ? CompletableFuture.completedFuture("") : seat.sandbox().admit(caller);
        admitted.thenAccept(token -> {
            try {
                caller.route(app, seat.sandbox(), seat.slot(), token, share);
            } catch (IOException e) {
                routes.remove(app, now);
                LOG.warn("could not route calls from {} to {} directly: {}", caller, seat.sandbox(), e.toString());
            }
        }).exceptionally(e -> {
            routes.remove(app, now);
            LOG.debug("no direct route from {} to {}: {}", caller, seat.sandbox(), e.toString());
            return null;
        });
    }

    /**
     * Below this {@code concurrency} of any of its functions, an app is always called through the
     * node: a limit that small is usually there for correctness (a handler that is not thread-safe),
     * and only the node's gate holds every caller to it exactly.
     */
    static final int MIN_CONCURRENCY = 8;

    /**
     * Direct calls one caller may have in flight to an app: a quarter of the least concurrency of
     * its functions, the rest left to the node's gate, which the direct calls do not pass; 0 when
     * the app is to be called through the node only ({@link #MIN_CONCURRENCY}).
     */
    static int maxInFlight(int leastConcurrency) {
        return leastConcurrency < MIN_CONCURRENCY ? 0 : leastConcurrency / 4;
    }

    private static int maxInFlight(AppRuntime callee) {
        return maxInFlight(callee.app().manifest().functions().values().stream().mapToInt(FunctionSpec::concurrency).min().orElse(0));
    }
}
