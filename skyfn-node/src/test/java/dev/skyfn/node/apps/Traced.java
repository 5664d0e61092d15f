package dev.skyfn.node.apps;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;

/** Functions that show the trace they run in. */
public final class Traced {

    private Traced() {
    }

    /** Returns the {@code traceparent} of its invocation. */
    public static class Parent implements Handler<String, String> {
        @Override
        public String handle(String input, Context ctx) {
            return ctx.traceparent();
        }
    }

    /** Calls the function its input names ({@code app/function}); returns its own traceparent and the callee's answer. */
    public static class Relay implements Handler<String, String> {
        @Override
        public String handle(String target, Context ctx) {
            return ctx.traceparent() + " " + ctx.invoke(target, "?", String.class);
        }
    }

    /** Fails: the call's answer is FUNCTION_ERROR (500). */
    public static class Fails implements Handler<String, String> {
        @Override
        public String handle(String input, Context ctx) {
            throw new IllegalStateException("failing on purpose");
        }
    }
}
