package dev.skyfn.control.api;

import dev.skyfn.control.placement.Fleet;
import dev.skyfn.control.placement.NodeStatus;
import dev.skyfn.control.placement.Placement;
import dev.skyfn.control.placement.Replica;
import dev.skyfn.control.registry.AppStore;
import dev.skyfn.control.tenant.Tenants;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.app.Authenticator;
import dev.skyfn.core.app.Caller;
import dev.skyfn.core.app.DeployedApp;
import dev.skyfn.core.cloud.Trust;
import dev.skyfn.core.manifest.Manifest;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The control plane's HTTP API: apps (deploy, list, show, remove, placement), tenants with their
 * keys, and the clouds and nodes apps are placed on.
 * Every call acts for the tenant its API key belongs to; no call can name another tenant's app.
 * An admin key alone may list every tenant's apps ({@code GET /v1/apps?allTenants=true}; FORBIDDEN
 * for another key), as an operator's console does.
 */
public final class ControlApi implements HttpService {

    private final AppStore registry;
    private final Tenants tenants;
    private final Authenticator auth;
    private final Fleet fleet;
    /** What a deployment's schedules are checked against: one none of whose ticks is still to come is refused. */
    private final java.time.Clock clock;

    public ControlApi(AppStore registry, Tenants tenants, Authenticator auth, Fleet fleet) {
        this(registry, tenants, auth, fleet, java.time.Clock.systemUTC());
    }

    public ControlApi(AppStore registry, Tenants tenants, Authenticator auth, Fleet fleet, java.time.Clock clock) {
        this.registry = registry;
        this.tenants = tenants;
        this.auth = auth;
        this.fleet = fleet;
        this.clock = clock;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/v1/apps", this::deploy)
                .get("/v1/apps", this::list)
                .get("/v1/apps/{app}", this::show)
                .delete("/v1/apps/{app}", this::remove)
                .get("/v1/apps/{app}/placement", this::placement)
                .get("/v1/apps/{app}/scaling", this::scaling)
                .post("/v1/apps/{app}/migration", this::migrate)
                .delete("/v1/apps/{app}/migration", this::unpin)
                .get("/v1/clouds", this::clouds)
                .get("/v1/nodes", this::nodes)
                .post("/v1/nodes/{node}/preemption", this::preempt)
                .post("/v1/tenants", this::createTenant)
                .get("/v1/tenants", this::listTenants)
                .post("/v1/tenants/{tenant}/keys", this::issueKey)
                .delete("/v1/tenants/{tenant}/keys/{key}", this::revokeKey);
    }

    private void deploy(ServerRequest req, ServerResponse res) {
        Caller caller = Api.caller(req, auth);
        long limit = registry.limits().maxPackageBytes();
        if (req.headers().contentLength().orElse(-1) > limit) {
            throw new SkyfnException(ErrorCode.PACKAGE_TOO_LARGE, "the package is larger than " + limit + " bytes, the limit");
        }
        DeployedApp app;
        try (InputStream body = req.content().inputStream()) {
            Trust policy = tenants.trustOf(caller.tenant());
            app = registry.deploy(caller.tenant(), body, manifest -> {
                manifest.requireTicksAfter(clock.instant());
                placeable(manifest.requiring(policy));
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        res.header(HeaderNames.LOCATION, "/v1/apps/" + app.name());
        Api.json(res, 201, AppView.of(app));
    }

    /** Refuses an app no cloud its tenant's trust policy allows can take now; the version deployed before keeps serving. */
    private void placeable(Manifest manifest) {
        Placement p = fleet.place(manifest);
        if (!p.placed()) {
            throw new SkyfnException(ErrorCode.PLACEMENT_UNSATISFIABLE, "cannot place app " + manifest.app() + ": "
                    + p.problem().orElse("") + " (" + PlacementViews.reasons(p) + ")");
        }
    }

    /** The placement in force, each node alive or not, beside what the scheduler would choose now. */
    private void placement(ServerRequest req, ServerResponse res) {
        DeployedApp app = app(req);
        List<NodeStatus> nodes = fleet.nodes();
        // a store that does not place apps runs each on every node it has: on one node, this one
        List<Replica> inForce = registry.replicas(app.key()).orElseGet(() -> nodes.stream()
                .map(n -> new Replica(n.cloud(), n.node(), app.manifest().memoryMb())).toList());
        Set<String> alive = nodes.stream().filter(NodeStatus::alive).map(NodeStatus::node).collect(Collectors.toSet());
        Placement now = fleet.place(app.manifest().requiring(tenants.trustOf(app.tenant())));
        Map<String, Object> view = new java.util.LinkedHashMap<>(PlacementViews.placement(app.name(), inForce, alive, now));
        // the prices the scheduler used just now: they move with a replayed trace or a live feed
        Map<String, Object> prices = new java.util.LinkedHashMap<>();
        fleet.topology().clouds().forEach(c -> prices.put(c.name(), Map.of("gbSecond", c.pricing().gbSecond(),
                "vcpuSecond", c.pricing().vcpuSecond())));
        view.put("prices", prices);
        view.put("pinnedTo", registry.pinnedTo(app.key()).orElse(null));
        // the decision behind the placement in force, with the numbers it used
        registry.lastChange(app.key()).ifPresent(c -> view.put("lastChange", Map.of("at", c.at().toString(), "why", c.why())));
        Api.json(res, 200, view);
    }

    /**
     * The app's scaling spec, the replicas in force, and the autoscaler's recent decisions:
     * {@code {"app", "scaling": {target, min, max, window, ...} | null, "replicas", "latest": {...} | null, "changes": [...]}}.
     */
    private void scaling(ServerRequest req, ServerResponse res) {
        DeployedApp app = app(req);
        var view = new java.util.LinkedHashMap<String, Object>();
        view.put("app", app.name());
        view.put("scaling", app.manifest().scaling().map(s -> Map.of("target", s.target(), "min", s.min(), "max", s.max(),
                "window", dev.skyfn.core.Durations.format(s.window()), "panicWindow", dev.skyfn.core.Durations.format(s.panicWindow()),
                "scaleToZeroAfter", dev.skyfn.core.Durations.format(s.scaleToZeroAfter()),
                "scaleDownDelay", dev.skyfn.core.Durations.format(s.scaleDownDelay()))).orElse(null));
        view.put("replicas", registry.replicas(app.key()).map(List::size).orElse(1));
        var record = registry.scaling(app.key());
        view.put("latest", record.map(dev.skyfn.control.scaling.ScalingRecord::latest).orElse(null));
        view.put("changes", record.map(dev.skyfn.control.scaling.ScalingRecord::changes).orElse(List.of()));
        Api.json(res, 200, view);
    }

    /**
     * The clouds, at this moment's prices, and the topology's round trips in ms:
     * {@code {"clouds": [...], "latency": {"users": {region: {cloud: ms}}, "between": {cloud: {cloud: ms}}}}}
     * ({@code between} has every pair both ways, zero within a cloud).
     */
    private void clouds(ServerRequest req, ServerResponse res) {
        Api.caller(req, auth);
        var topology = fleet.topology();
        Api.json(res, 200, Map.of("clouds", topology.clouds().stream().map(PlacementViews::cloud).toList(),
                "latency", PlacementViews.latency(topology)));
    }

    /**
     * The nodes (cloud, alive, free memory, load) and the elastic nodes asked of the clouds:
     * {@code {"nodes": [...], "elastic": [{node, cloud, state, requestedAt, readyAt, releasedAt,
     * pricePerHour, billed, busyMs, costUsd, why}]}}, costs in US dollars from request to release
     * (or now); {@code billed} is {@code held} (priced per hour held) or {@code per-use} (a serverless
     * pool's node: priced per hour it has calls in flight, {@code busyMs} of them so far; both as
     * the fleet last wrote them, at most 5 s before).
     */
    private void nodes(ServerRequest req, ServerResponse res) {
        Api.caller(req, auth);
        java.time.Instant now = java.time.Instant.now();
        List<Map<String, Object>> elastic = fleet.elastic().stream().map(n -> {
            Map<String, Object> view = new java.util.LinkedHashMap<>();
            view.put("node", n.node());
            view.put("cloud", n.cloud());
            view.put("state", n.state().name().toLowerCase(java.util.Locale.ROOT));
            view.put("requestedAt", n.requestedAt());
            view.put("readyAt", n.readyAt());
            view.put("releasedAt", n.releasedAt());
            view.put("pricePerHour", n.pricePerHour());
            view.put("billed", n.perUse() ? "per-use" : "held");
            view.put("busyMs", n.busyMs());
            view.put("costUsd", n.cost(now));
            view.put("why", n.why());
            return view;
        }).toList();
        Api.json(res, 200, Map.of("nodes", fleet.nodes().stream().map(PlacementViews::node).toList(), "elastic", elastic));
    }

    /**
     * Has a node's cloud take it back, as a spot market does (admin only; emulated clouds only):
     * {@code {"notice": "30s"}} → 202 {@code {"node", "at"}}, {@code at} when the node is gone
     * (ISO-8601). The notice runs in the fleet's time scale; {@code "0s"} is none: the node dies at
     * once. Errors: BAD_REQUEST (no or bad notice, a cloud that preempts on its own), NOT_FOUND (no
     * such node), CONFLICT (the node is not running).
     */
    private void preempt(ServerRequest req, ServerResponse res) {
        Api.admin(req, auth);
        record Preemption(String notice) {
        }
        Preemption body = Api.read(Api.body(req, 4096, ErrorCode.PAYLOAD_TOO_LARGE), Preemption.class);
        if (body.notice() == null) {
            throw new SkyfnException(ErrorCode.BAD_REQUEST, "say how long before the node is gone: {\"notice\": \"30s\"} (\"0s\" for none)");
        }
        java.time.Duration notice;
        try {
            notice = dev.skyfn.core.Durations.parse(body.notice());
        } catch (IllegalArgumentException e) {
            throw new SkyfnException(ErrorCode.BAD_REQUEST, "notice: " + e.getMessage());
        }
        if (notice.isNegative()) {
            throw new SkyfnException(ErrorCode.BAD_REQUEST, "notice: " + body.notice() + " is before now");
        }
        String node = Api.param(req, "node");
        Api.json(res, 202, Map.of("node", node, "at", fleet.preempt(node, notice).toString()));
    }

    /**
     * Migrates the caller's app to a cloud: {@code {"to": "CLOUD"}} → 202 {@code {"app", "to",
     * "from": [{cloud, node}]}}, {@code from} the replicas it had when asked; the move goes on in
     * the fleet's control loop ({@code GET …/placement} shows it: {@code pinnedTo}, the replicas
     * in force, the last change). Errors: BAD_REQUEST (no {@code to}; one node, nowhere to go),
     * NOT_FOUND (no such cloud), PLACEMENT_UNSATISFIABLE (the app's placement or trust policy
     * rules the cloud out), APP_NOT_FOUND.
     */
    private void migrate(ServerRequest req, ServerResponse res) {
        DeployedApp app = app(req);
        record Migration(String to) {
        }
        Migration body = Api.read(Api.body(req, 4096, ErrorCode.PAYLOAD_TOO_LARGE), Migration.class);
        if (body.to() == null || body.to().isBlank()) {
            throw new SkyfnException(ErrorCode.BAD_REQUEST, "say which cloud to migrate " + app.name() + " to: {\"to\": \"CLOUD\"}");
        }
        List<Replica> from = registry.migrate(app.key(), java.util.Optional.of(body.to()));
        Api.json(res, 202, Map.of("app", app.name(), "to", body.to(),
                "from", from.stream().map(r -> Map.of("cloud", r.cloud(), "node", r.node())).toList()));
    }

    /** Lifts a migration's confinement: the scheduler may place the app on any cloud again. 200 {@code {"app", "to": null}}. */
    private void unpin(ServerRequest req, ServerResponse res) {
        DeployedApp app = app(req);
        registry.migrate(app.key(), java.util.Optional.empty());
        var view = new java.util.LinkedHashMap<String, Object>();
        view.put("app", app.name());
        view.put("to", null);
        Api.json(res, 200, view);
    }

    private void list(ServerRequest req, ServerResponse res) {
        Caller caller = Api.caller(req, auth);
        boolean allTenants = req.query().first("allTenants").map(Boolean::parseBoolean).orElse(false);
        if (allTenants) {
            Api.admin(req, auth);
        }
        List<DeployedApp> apps = allTenants ? registry.all() : registry.list(caller.tenant());
        Api.json(res, 200, Map.of("apps", apps.stream().map(AppView::of).toList()));
    }

    private void show(ServerRequest req, ServerResponse res) {
        Api.json(res, 200, AppView.of(app(req)));
    }

    private void remove(ServerRequest req, ServerResponse res) {
        DeployedApp app = app(req);
        registry.remove(app.key());
        res.status(204).send();
    }

    /** The caller's app named in the path; another tenant's app is as absent as a missing one. */
    private DeployedApp app(ServerRequest req) {
        Caller caller = Api.caller(req, auth);
        String name = Api.param(req, "app");
        return registry.find(new AppKey(caller.tenant(), name))
                .orElseThrow(() -> new SkyfnException(ErrorCode.APP_NOT_FOUND, "no app " + name));
    }

    private void createTenant(ServerRequest req, ServerResponse res) {
        Api.admin(req, auth);
        record NewTenant(String name, String trust) {
        }
        NewTenant body = Api.read(Api.body(req, 4096, ErrorCode.PAYLOAD_TOO_LARGE), NewTenant.class);
        if (body.name() == null) {
            throw new SkyfnException(ErrorCode.BAD_REQUEST, "give the tenant a name: {\"name\": \"acme\"}");
        }
        Api.json(res, 201, tenants.create(body.name(), trust(body.trust())));
    }

    /** A tenant's trust policy as the API writes it: {@code untrusted} (the default), {@code trusted}, {@code tee}. */
    private static Trust trust(String text) {
        if (text == null) {
            return Trust.UNTRUSTED;
        }
        for (Trust t : Trust.values()) {
            if (t.name().toLowerCase(java.util.Locale.ROOT).equals(text)) {
                return t;
            }
        }
        throw new SkyfnException(ErrorCode.BAD_REQUEST, "trust: '" + text + "' is not one of untrusted, trusted, tee");
    }

    private void listTenants(ServerRequest req, ServerResponse res) {
        Api.admin(req, auth);
        Api.json(res, 200, Map.of("tenants", tenants.list()));
    }

    private void issueKey(ServerRequest req, ServerResponse res) {
        String tenant = ownTenant(req);
        Api.json(res, 201, tenants.issueKey(tenant, false));
    }

    private void revokeKey(ServerRequest req, ServerResponse res) {
        String tenant = ownTenant(req);
        if (!tenants.revoke(tenant, Api.param(req, "key"))) {
            throw new SkyfnException(ErrorCode.NOT_FOUND, "tenant " + tenant + " has no key " + Api.param(req, "key"));
        }
        res.status(204).send();
    }

    /** The tenant in the path, which must be the caller's own unless the caller is an admin. */
    private String ownTenant(ServerRequest req) {
        Caller caller = Api.caller(req, auth);
        String tenant = Api.param(req, "tenant");
        if (!caller.admin() && !caller.tenant().equals(tenant)) {
            throw new SkyfnException(ErrorCode.FORBIDDEN, "a key may only manage its own tenant's keys");
        }
        if (tenants.find(tenant).isEmpty()) {
            throw new SkyfnException(ErrorCode.TENANT_NOT_FOUND, "no tenant " + tenant);
        }
        return tenant;
    }
}
