package dev.skyfn.examples.hello;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;

/** The smallest function: a name in, a greeting out, raw text both ways. */
public class Hello implements Handler<String, String> {

    @Override
    public String handle(String name, Context ctx) {
        String who = name.isBlank() ? "world" : name.strip();
        ctx.log().info("greeting " + who);
        return "Hello, " + who + "!";
    }
}
