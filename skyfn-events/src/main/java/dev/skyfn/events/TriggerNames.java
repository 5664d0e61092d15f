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
