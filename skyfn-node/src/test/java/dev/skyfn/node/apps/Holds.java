package dev.skyfn.node.apps;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import java.util.ArrayList;
import java.util.List;

/**
 * Holds the MiB of heap it is given for the length of its call, taking them 16 at a time as a
 * cache fills up, and says how large its JVM's heap may grow.
 */
public class Holds implements Handler<Integer, String> {
    @Override
    public String handle(Integer megabytes, Context ctx) throws InterruptedException {
        List<byte[]> held = new ArrayList<>();
        for (int i = 0; i < megabytes; i++) {
            held.add(new byte[1 << 20]);
            if (i % 16 == 15) {
                Thread.sleep(5);
            }
        }
        return "held " + held.size() + " MiB in a JVM whose heap may grow to " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB";
    }
}
