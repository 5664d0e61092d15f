package dev.skyfn.events;

import dev.skyfn.core.Sha256;
import dev.skyfn.core.app.DeployedApp;
import dev.skyfn.core.manifest.FunctionSpec;
import dev.skyfn.core.trigger.Trigger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/** The names a trigger's durable state goes by on every node: its ledger key, its subscriptions, the ids of what it runs. */
final class TriggerNames {

    private TriggerNames() {
    }

    /**
     * {@code tenant.app.function.index}: the trigger, whichever version of the app declares it, as
     * people read it — in the ids of its dead letters and its outputs.
     */
    static String id(DeployedApp app, FunctionSpec function, Trigger trigger) {
        return app.tenant() + "." + app.name() + "." + function.name() + "." + trigger.index();
    }

    /**
     * {@code tenant.app.function.index.created}: the name of the trigger's durable state (its
     * schedule's last tick, its subscriptions, its ticks' invocations), of this app only —
     * {@code created} is when the app was created, in epoch ms, so that an app removed and created
     * again under its name takes up none of the one before's. The {@link #id} alone for an app
     * created before its creation was recorded, whose state keeps the name it had.
     */
    static String durable(DeployedApp app, FunctionSpec function, Trigger trigger) {
        String id = id(app, function, trigger);
        return app.createdAt() == null ? id : id + "." + app.createdAt().toEpochMilli();
    }

    /**
     * The name of the durable subscription of {@code trigger}, a topic or state trigger; with
     * {@code -<partition>} for each of its partitions when ordered by key. It names what the trigger
     * takes — its subject and ordering, or its state prefix — not its place among the function's
     * triggers, so that a trigger added or removed beside it leaves its subscription as it is; the
     * n-th of identical triggers of a function is told apart by n. An app created before its
     * creation was recorded keeps the names it had, by place.
     */
    static String subscription(DeployedApp app, FunctionSpec function, Trigger trigger) {
        if (app.createdAt() == null) {
            Trigger.OnTopic taken = taken(app, trigger);
            return "trg-" + digest(durable(app, function, taken), taken.subject(), Boolean.toString(taken.keyOrdered()));
        }
        String what = what(trigger);
        long before = function.triggers().stream().filter(t -> t.index() < trigger.index() && !(t instanceof Trigger.OnSchedule))
                .filter(t -> what(t).equals(what)).count();
        return "trg-" + digest(app.tenant(), app.name(), function.name(), Long.toString(app.createdAt().toEpochMilli()), what,
                Long.toString(before));
    }

    /** What a topic or state trigger takes events of. */
    private static String what(Trigger trigger) {
        return switch (trigger) {
            case Trigger.OnTopic o -> "topic " + o.subject() + (o.keyOrdered() ? " by key" : "") + (o.atMostOnce() ? " at most once" : "");
            case Trigger.OnState s -> "state " + s.prefix();
            case Trigger.OnSchedule s -> throw new IllegalArgumentException("a schedule has no subscription");
        };
    }

    /** The subscription a topic or state trigger takes its events from. */
    static Trigger.OnTopic taken(DeployedApp app, Trigger trigger) {
        return switch (trigger) {
            case Trigger.OnTopic o -> o;
            case Trigger.OnState s -> s.asTopic(app.name());
            case Trigger.OnSchedule s -> throw new IllegalArgumentException("a schedule has no subscription");
        };
    }

    /**
     * The names of the durable subscriptions {@code trigger} (a topic or state trigger) takes its
     * events from; none for one delivered at most once, which only listens.
     */
    static java.util.List<String> subscriptions(DeployedApp app, FunctionSpec function, Trigger trigger) {
        if (trigger instanceof Trigger.OnTopic o && o.atMostOnce()) {
            return java.util.List.of();
        }
        String name = subscription(app, function, trigger);
        if (!taken(app, trigger).keyOrdered()) {
            return java.util.List.of(name);
        }
        return java.util.stream.IntStream.range(0, dev.skyfn.core.trigger.Event.PARTITIONS).mapToObj(p -> name + "-" + p).toList();
    }

    /**
     * The names of the durable state of every trigger of {@code app}: its schedules' ledger entries
     * ({@link #durable}) and its topic and state triggers' subscriptions.
     */
    static java.util.Set<String> durableState(DeployedApp app) {
        java.util.Set<String> names = new java.util.HashSet<>();
        for (FunctionSpec fn : app.manifest().functions().values()) {
            for (Trigger t : fn.triggers()) {
                names.addAll(durableState(app, fn, t));
            }
        }
        return names;
    }

    /** The names of the durable state of one trigger: a schedule's ledger entry, a topic or state trigger's subscriptions. */
    static java.util.List<String> durableState(DeployedApp app, FunctionSpec function, Trigger trigger) {
        return trigger instanceof Trigger.OnSchedule ? java.util.List.of(durable(app, function, trigger))
                : subscriptions(app, function, trigger);
    }

    /** A short digest of {@code parts}, for names that must be short and of few characters. */
    static String digest(String... parts) {
        MessageDigest sha = Sha256.digest();
        for (String p : parts) {
            sha.update(p.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
        }
        return HexFormat.of().formatHex(sha.digest(), 0, 10);
    }
}
