package dev.skyfn.node.apps;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import dev.skyfn.api.Namespace;
import java.time.Duration;
import java.util.List;

/** Functions sharing ephemeral namespaces, the way map and reduce steps do. */
public final class Jobs {

    private Jobs() {
    }

    public record Part(String job, String name, String text) {
    }

    /**
     * Writes one part of a job and answers its name. It reads nothing after its write: the last
     * part wakes the collector, which may have removed the job by then.
     */
    public static class Produce implements Handler<Part, String> {
        @Override
        public String handle(Part part, Context ctx) {
            ctx.ephemeral("/" + part.job() + "/parts").putString(part.name(), part.text());
            return part.name();
        }
    }

    /** "job:parts[:timeout ms]": waits until a job has the parts, then joins them in key order and removes the job. */
    public static class Collect implements Handler<String, String> {
        @Override
        public String handle(String request, Context ctx) {
            String[] r = request.split(":");
            Namespace ns = ctx.ephemeral("/" + r[0] + "/parts");
            Duration timeout = Duration.ofMillis(r.length > 2 ? Long.parseLong(r[2]) : 10_000);
            if (!ns.awaitItems(Integer.parseInt(r[1]), timeout)) {
                return "timed out with " + ns.size();
            }
            List<String> keys = ns.keys();
            StringBuilder out = new StringBuilder();
            for (String k : keys) {
                out.append(ns.getString(k).orElseThrow());
            }
            ctx.ephemeral("/" + r[0]).remove();
            return out.toString();
        }
    }

    /** Reads a key of a namespace, to see it is gone. */
    public static class Peek implements Handler<String, String> {
        @Override
        public String handle(String path, Context ctx) {
            return ctx.ephemeral(path).size() + " items";
        }
    }
}
