package dev.skyfn.cli;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;

/** Functions that show where in a fleet they run and what they share. */
public final class Fleetwide {

    private Fleetwide() {
    }

    /** The name of the node whose sandbox runs the call: a confined sandbox's host name, as libraries look it up. */
    public static class Where implements Handler<String, String> {
        @Override
        public String handle(String input, Context ctx) throws java.net.UnknownHostException {
            return java.net.InetAddress.getLocalHost().getHostName();
        }
    }

    /** Logs {@code said <input>} and returns the name of the node that ran it. */
    public static class Say implements Handler<String, String> {
        @Override
        public String handle(String input, Context ctx) throws java.net.UnknownHostException {
            ctx.log().info("said " + input);
            return java.net.InetAddress.getLocalHost().getHostName();
        }
    }

    /** A Lambda handler that says the region it runs in and the tier its placement's overrides give it there. */
    public static class Env implements com.amazonaws.services.lambda.runtime.RequestHandler<String, String> {
        @Override
        public String handleRequest(String input, com.amazonaws.services.lambda.runtime.Context context) {
            return System.getenv("AWS_REGION") + " " + System.getenv("TIER");
        }
    }

    /** Calls the function its input names ({@code app/function}) and returns that function's answer. */
    public static class Relay implements Handler<String, String> {
        @Override
        public String handle(String function, Context ctx) {
            return ctx.invoke(function, "?", String.class);
        }
    }

    /** Puts {@code key=value} in the app's global state. */
    public static class Put implements Handler<String, String> {
        @Override
        public String handle(String input, Context ctx) {
            String[] kv = input.split("=", 2);
            ctx.state().global().putString(kv[0], kv[1]);
            return "ok";
        }
    }

    /** Reads a key of the app's global state. */
    public static class Get implements Handler<String, String> {
        @Override
        public String handle(String key, Context ctx) {
            return ctx.state().global().getString(key).orElse("");
        }
    }

    /**
     * Given {@code key ms}: the first copy of a call to claim {@code key} in the global state (it
     * arrives first) sleeps the milliseconds, till stopped; any other answers at once. Returns the node.
     */
    public static class Linger implements Handler<String, String> {
        @Override
        public String handle(String input, Context ctx) throws Exception {
            String[] keyMs = input.strip().split(" ");
            String node = new Where().handle("", ctx);
            if (ctx.state().global().compareAndSet(keyMs[0], null, node.getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
                Thread.sleep(Long.parseLong(keyMs[1]));
            }
            return node;
        }
    }

    /** Puts {@code key=value} in the app's local state on the node it runs on; returns that node. */
    public static class PutLocal implements Handler<String, String> {
        @Override
        public String handle(String input, Context ctx) throws java.net.UnknownHostException {
            String[] kv = input.split("=", 2);
            ctx.state().local().putString(kv[0], kv[1]);
            return new Where().handle("", ctx);
        }
    }

    /** Reads a key of the app's local state on the node it runs on: {@code node=value}. */
    public static class GetLocal implements Handler<String, String> {
        @Override
        public String handle(String key, Context ctx) throws java.net.UnknownHostException {
            return new Where().handle("", ctx) + "=" + ctx.state().local().getString(key).orElse("");
        }
    }

    /** Puts {@code key=value} in the tenant's ephemeral namespace /shared, and marks it ready. */
    public static class Share implements Handler<String, String> {
        @Override
        public String handle(String input, Context ctx) {
            String[] kv = input.split("=", 2);
            var ns = ctx.ephemeral("/shared");
            ns.putString(kv[0], kv[1]);
            ns.markReady();
            return "ok";
        }
    }

    /** Waits for /shared to be ready, then reads a key from it. */
    public static class Take implements Handler<String, String> {
        @Override
        public String handle(String key, Context ctx) {
            var ns = ctx.ephemeral("/shared");
            return ns.awaitReady(java.time.Duration.ofSeconds(10)) ? ns.getString(key).orElse("") : "not ready";
        }
    }

    /** Holds the call for the milliseconds it is given, then says which node ran it: load that lasts. */
    public static class Hold implements Handler<String, String> {
        @Override
        public String handle(String ms, Context ctx) throws Exception {
            Thread.sleep(Long.parseLong(ms.strip()));
            return new Where().handle("", ctx);
        }
    }

    /** Sleeps the milliseconds it is given, having said in the global state which node it sleeps on. */
    public static class Nap implements Handler<Integer, String> {
        @Override
        public String handle(Integer ms, Context ctx) throws Exception {
            ctx.state().global().putString("napping-on", new Where().handle("", ctx));
            Thread.sleep(ms);
            return "slept";
        }
    }

    /**
     * What a hostile function would try on a fleet node: {@code connect HOST:PORT} (a NATS server,
     * a node's API), {@code read PATH} (the node's secrets) or {@code kill PID} (the node); answers
     * what it got, {@code blocked: …} if it failed.
     */
    public static class Probe implements Handler<String, String> {
        @Override
        public String handle(String input, Context ctx) {
            String[] what = input.split(" ", 2);
            try {
                if (what[0].equals("kill")) {
                    return ProcessHandle.of(Long.parseLong(what[1])).map(p -> p.destroyForcibly() ? "killed" : "blocked: refused")
                            .orElse("blocked: no such process");
                }
                if (what[0].equals("read")) {
                    return "read: " + java.nio.file.Files.readString(java.nio.file.Path.of(what[1]));
                }
                int colon = what[1].lastIndexOf(':');
                try (var socket = new java.net.Socket()) {
                    socket.connect(new java.net.InetSocketAddress(what[1].substring(0, colon),
                            Integer.parseInt(what[1].substring(colon + 1))), 2_000);
                    return "connected";
                }
            } catch (java.io.IOException e) {
                return "blocked: " + e;
            }
        }
    }

    /** Answers its input. */
    public static class Echo implements Handler<String, String> {
        @Override
        public String handle(String input, Context ctx) {
            return input;
        }
    }
}
