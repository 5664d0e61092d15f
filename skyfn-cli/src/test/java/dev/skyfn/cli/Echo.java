package dev.skyfn.cli;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;

public class Echo implements Handler<String, String> {
    @Override
    public String handle(String input, Context ctx) {
        System.out.println("echoing " + input);
        return "echo: " + input;
    }
}
