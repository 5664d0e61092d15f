package dev.skyfn.node.apps;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;

public class Hello implements Handler<String, String> {
    @Override
    public String handle(String name, Context ctx) {
        ctx.log().info("greeting " + name);
        System.out.println("printed for " + name);
        return "Hello, " + (name.isEmpty() ? "world" : name) + "!";
    }
}
