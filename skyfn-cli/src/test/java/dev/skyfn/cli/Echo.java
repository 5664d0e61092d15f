package dev.skyfn.cli;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;

public class Echo implements Handler<String, String> {
    @Override
    public String handle(String input, Context ctx) {
        System.out.println("echoing " + input);
        return "echo: " + input;
    }

    /** Refuses every input, as a function whose caller sent it something it cannot take. */
    public static class Refuses implements Handler<String, String> {
        @Override
        public String handle(String input, Context ctx) {
            throw new IllegalArgumentException("refused " + input);
        }
    }
}
