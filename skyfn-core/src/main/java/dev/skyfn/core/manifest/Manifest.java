package dev.skyfn.core.manifest;

import java.util.Map;

/**
 * An app's {@code skyfn.yaml}, validated.
 *
 * @param app       the app's name, unique within its tenant
 * @param memoryMb  the heap of the app's sandbox: the {@code memory} the manifest gives the app,
 *                  or the largest of its functions'
 * @param functions the functions by name, in manifest order
 * @param workflows the workflows by name, in manifest order
 * @param placement where the app may run and how many replicas it gets
 * @param network   what network its sandbox may reach
 * @param shareSandbox whether, during a cold-start storm, the app may be loaded into a warm
 *                  sandbox of another of the tenant's apps, or take another in ({@code
 *                  shareSandbox: false} opts out; Pagurus's "help rather than recycle", ATC'22)
 * @param scaling   how its replica count follows its load; empty: it keeps {@code placement}'s replicas
 * @param env       environment variables every function of the app sees ({@link EnvVars}); a function's
 *                  own and the placement's overrides for a cloud go over them ({@link #environment})
 * @param metering  what its calls are metered by: {@code calls}, or {@code useful-work} (basic blocks counted too)
 */
public record Manifest(String app, int memoryMb, Map<String, FunctionSpec> functions, Map<String, WorkflowSpec> workflows,
                       PlacementSpec placement, Network network, boolean shareSandbox, java.util.Optional<ScalingSpec> scaling,
                       Map<String, String> env, MeteringLevel metering) {

    public static final String FILE_NAME = "skyfn.yaml";

    public Manifest {
        functions = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(functions));
        workflows = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(workflows));
        env = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(env));
    }

    /** An app of functions only, placed the default way. */
    public Manifest(String app, int memoryMb, Map<String, FunctionSpec> functions) {
        this(app, memoryMb, functions, Map.of(), PlacementSpec.DEFAULT, Network.OUTBOUND, true, java.util.Optional.empty(), Map.of(),
                MeteringLevel.CALLS);
    }

    /**
     * This manifest, its placement requiring clouds of {@code trust} at least (a tenant's trust
     * policy, which an app's own placement can only raise).
     */
    public Manifest requiring(dev.skyfn.core.cloud.Trust trust) {
        PlacementSpec.Requirements r = placement.require();
        if (r.trust().satisfies(trust)) {
            return this;
        }
        var require = new PlacementSpec.Requirements(trust, r.hardware(), r.maxLatency(), r.maxPrice());
        return withPlacement(new PlacementSpec(placement.affinity(), require, placement.minClouds(),
                placement.maxClouds(), placement.replicas(), placement.scheduling(), placement.weights(), placement.overrides(),
                placement.onDemandFloor()));
    }

    /** This manifest with another placement. */
    public Manifest withPlacement(PlacementSpec placement) {
        return new Manifest(app, memoryMb, functions, workflows, placement, network, shareSandbox, scaling, env, metering);
    }

    /** This manifest with another heap (a placement's override for one cloud). */
    public Manifest withMemory(int memoryMb) {
        return new Manifest(app, memoryMb, functions, workflows, placement, network, shareSandbox, scaling, env, metering);
    }

    /**
     * The environment variables {@code function} sees on {@code cloud}: the app's, then the
     * function's own, then those the placement's overrides for that cloud set — each over the one before.
     */
    public Map<String, String> environment(FunctionSpec function, dev.skyfn.core.cloud.Cloud cloud) {
        Map<String, String> all = new java.util.LinkedHashMap<>(env);
        all.putAll(function.env());
        all.putAll(placement.envOn(cloud));
        return all;
    }

    /** The environment variables the app's code sees on {@code cloud} outside any one function's call. */
    public Map<String, String> environment(dev.skyfn.core.cloud.Cloud cloud) {
        Map<String, String> all = new java.util.LinkedHashMap<>(env);
        all.putAll(placement.envOn(cloud));
        return all;
    }

    /** How long the app's sandbox stays warm after its last call: the longest keep-warm of its functions. */
    public java.time.Duration keepWarm() {
        return functions.values().stream().map(FunctionSpec::keepWarm)
                .max(java.util.Comparator.naturalOrder()).orElse(java.time.Duration.ZERO);
    }

    /**
     * Whether the app is batch work: every one of its functions is {@code priority: batch}. Its
     * sandbox then runs at the batch CPU weight; an app with any online function runs at the online one.
     */
    public boolean batch() {
        return functions.values().stream().allMatch(f -> f.priority() == Priority.BATCH);
    }

    /**
     * Refuses a schedule none of whose ticks comes after {@code now} — a cron of a year gone by,
     * which would deploy and never fire: {@link ManifestException} ({@code MANIFEST_INVALID}) naming
     * the field, {@code functions.<name>.triggers[<i>].schedule}.
     */
    public void requireTicksAfter(java.time.Instant now) {
        for (FunctionSpec fn : functions.values()) {
            for (dev.skyfn.core.trigger.Trigger t : fn.triggers()) {
                if (t instanceof dev.skyfn.core.trigger.Trigger.OnSchedule s && s.schedule().next(now).isEmpty()) {
                    throw new ManifestException("functions." + fn.name() + ".triggers[" + s.index() + "].schedule: '"
                            + s.schedule().expression() + "' has no tick after " + now + "; it would never fire");
                }
            }
        }
    }
}
