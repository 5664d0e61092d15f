package dev.skyfn.node.apps;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import java.util.ArrayList;
import java.util.List;

/** Functions that do what functions must not, one per way a sandbox can be hurt. */
public final class Misbehaving {

    private Misbehaving() {
    }

    public static class Throws implements Handler<String, String> {
        @Override
        public String handle(String input, Context ctx) {
            throw new IllegalStateException("boom: " + (input.matches("\\d+") ? "x".repeat(Integer.parseInt(input)) : input));
        }
    }

    /** Throws an exception none of whose descriptions can be read: its message, text, cause and stack trace throw. */
    public static class ThrowsTheUnreadable implements Handler<String, String> {
        @Override
        public String handle(String input, Context ctx) {
            throw new Unreadable();
        }
    }

    public static class Unreadable extends RuntimeException {
        @Override
        public String getMessage() {
            throw new IllegalStateException("no message");
        }

        @Override
        public String toString() {
            throw new IllegalStateException("no text");
        }

        @Override
        public synchronized Throwable getCause() {
            throw new IllegalStateException("no cause");
        }

        @Override
        public StackTraceElement[] getStackTrace() {
            throw new IllegalStateException("no stack");
        }

        @Override
        public void printStackTrace(java.io.PrintWriter s) {
            s.println("half a trace");
            throw new IllegalStateException("no trace");
        }
    }

    /** Spins forever and shrugs off interruption. */
    public static class Hangs implements Handler<String, String> {
        @Override
        public String handle(String input, Context ctx) {
            long spins = 0;
            while (!input.equals("never")) {
                spins++;
                Thread.interrupted();
            }
            return "spun " + spins;
        }
    }

    /** Sleeps the given milliseconds; interruptible. */
    public static class Sleeps implements Handler<Long, String> {
        @Override
        public String handle(Long millis, Context ctx) throws InterruptedException {
            Thread.sleep(millis);
            return "slept " + millis;
        }
    }

    public static class Hogs implements Handler<String, Integer> {
        @Override
        public Integer handle(String input, Context ctx) {
            List<long[]> hoard = new ArrayList<>();
            while (true) {
                hoard.add(new long[1 << 20]);
            }
        }
    }

    public static class Exits implements Handler<String, String> {
        @Override
        public String handle(String input, Context ctx) {
            System.exit(3);
            return "unreachable";
        }
    }

    /** Ends its own process in a way no rewrite can catch: a reflective halt. */
    public static class Crashes implements Handler<String, String> {
        @Override
        public String handle(String input, Context ctx) throws Exception {
            Runtime.class.getMethod("halt", int.class).invoke(Runtime.getRuntime(), 9);
            return "unreachable";
        }
    }

    /** Leaves as many threads running as its input says (one when it is not a number). */
    public static class LeaksThreads implements Handler<String, String> {
        @Override
        public String handle(String input, Context ctx) {
            int count = input.matches("\\d+") ? Integer.parseInt(input) : 1;
            for (int i = 1; i < count; i++) {
                leak();
            }
            return leak();
        }

        private static String leak() {
            Thread t = new Thread(() -> {
                while (true) {
                    try {
                        Thread.sleep(1_000);
                    } catch (InterruptedException e) {
                        // a leaked thread that will not stop
                    }
                }
            }, "leaked-worker");
            t.start();
            return "started a thread";
        }
    }

    public static class Huge implements Handler<Integer, byte[]> {
        @Override
        public byte[] handle(Integer megabytes, Context ctx) {
            return new byte[megabytes << 20];
        }
    }

    /** Sends N MiB: "publish:N" as an event's data, "invoke:N" as another app's input; says how it was refused. */
    public static class SendsHuge implements Handler<String, String> {
        @Override
        public String handle(String request, Context ctx) {
            String[] parts = request.split(":");
            byte[] data = new byte[Integer.parseInt(parts[1]) << 20];
            try {
                if (parts[0].equals("publish")) {
                    ctx.publish("huge", data);
                } else {
                    ctx.invoke("elsewhere/fn", data, String.class);
                }
                return "sent";
            } catch (dev.skyfn.api.FunctionCallException e) {
                return "refused: " + e.code() + " " + e.getMessage();
            }
        }
    }

    public static class FailsToStart implements Handler<String, String> {
        public FailsToStart() {
            throw new IllegalStateException("cannot reach the database");
        }

        @Override
        public String handle(String input, Context ctx) {
            return input;
        }
    }

    /** Writes past the output capture, straight to the process's standard output. */
    public static class FloodsRawOutput implements Handler<Integer, String> {
        @Override
        public String handle(Integer megabytes, Context ctx) throws java.io.IOException {
            var raw = new java.io.FileOutputStream(java.io.FileDescriptor.out);
            byte[] line = ("x".repeat(1023) + "\n").getBytes();
            for (int i = 0; i < megabytes * 1024; i++) {
                raw.write(line);
            }
            return "flooded " + megabytes + " MiB";
        }
    }
}
