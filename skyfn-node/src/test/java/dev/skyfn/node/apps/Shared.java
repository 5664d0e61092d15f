package dev.skyfn.node.apps;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import java.util.UUID;

/** For tests of apps sharing a sandbox: which JVM serves a call, and whose state and logs it reaches. */
public final class Shared {

    private Shared() {
    }

    /**
     * Answers "JVM-ID CALLS": the id of the JVM it runs in (a system property, which every class
     * loader in one JVM sees, so two apps in one sandbox answer the same id) and how many calls this
     * app has counted in its own global state; prints a line naming the app.
     */
    public static class Which implements Handler<String, String> {
        @Override
        public String handle(String input, Context ctx) {
            String jvm = (String) System.getProperties().computeIfAbsent("test.jvm", k -> UUID.randomUUID().toString());
            long calls = Stateful.Count.add(ctx, "calls");
            System.out.println("served by " + ctx.app());
            return jvm + " " + calls;
        }
    }
}
