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

    /** {@code tenant.app.function.index}: the trigger, whichever version of the app declares it. */
    static String id(DeployedApp app, FunctionSpec function, Trigger trigger) {
        return app.tenant() + "." + app.name() + "." + function.name() + "." + trigger.index();
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
