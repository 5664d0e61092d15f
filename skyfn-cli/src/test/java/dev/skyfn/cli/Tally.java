package dev.skyfn.cli;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import dev.skyfn.api.Store;
import java.nio.charset.StandardCharsets;

/**
 * Records every run of an invocation — the node that ran it, in "runs/<invocation id>" of the
 * app's global state — then takes its time, so that a test counts which calls ran twice and
 * where the first run was.
 */
public class Tally implements Handler<String, String> {

    @Override
    public String handle(String ms, Context ctx) throws Exception {
        String node = java.net.InetAddress.getLocalHost().getHostName();
        Store global = ctx.state().global();
        String key = "runs/" + ctx.invocationId();
        while (true) {
            byte[] old = global.get(key).orElse(null);
            String next = (old == null ? "" : new String(old, StandardCharsets.UTF_8) + " ") + node;
            if (global.compareAndSet(key, old, next.getBytes(StandardCharsets.UTF_8))) {
                break;
            }
        }
        Thread.sleep(Long.parseLong(ms.trim()));
        return node;
    }

    /** The nodes that ran an invocation, in order, separated by spaces; empty if none did. */
    public static class Runs implements Handler<String, String> {
        @Override
        public String handle(String invocationId, Context ctx) {
            return ctx.state().global().get("runs/" + invocationId.trim()).map(v -> new String(v, StandardCharsets.UTF_8)).orElse("");
        }
    }
}
