package dev.skyfn.node.apps;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A hostile tenant's functions: each tries one attack on the host with nothing but the JDK, and
 * says what it got — {@code "blocked: ..."} when the attack failed.
 */
public final class Hostile {

    private Hostile() {
    }

    private static String blocked(Exception e) {
        return "blocked: " + e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    /** Reads a file, or lists a directory, of the host. */
    public static class Read implements Handler<String, String> {
        @Override
        public String handle(String path, Context ctx) {
            Path p = Path.of(path);
            try {
                if (Files.isDirectory(p)) {
                    try (Stream<Path> files = Files.list(p)) {
                        return "listed: " + files.map(Path::toString).collect(Collectors.joining(", "));
                    }
                }
                return "read: " + Files.readString(p);
            } catch (IOException e) {
                return blocked(e);
            }
        }
    }

    /** The command lines of every process the function can see, one a line. */
    public static class Processes implements Handler<String, String> {
        @Override
        public String handle(String ignored, Context ctx) {
            return ProcessHandle.allProcesses().map(p -> p.pid() + " " + p.info().commandLine().orElse("?"))
                    .collect(Collectors.joining("\n"));
        }
    }

    /** Kills the process of a pid (the node's, another sandbox's). */
    public static class Kill implements Handler<Long, String> {
        @Override
        public String handle(Long pid, Context ctx) {
            return ProcessHandle.of(pid).map(p -> p.destroyForcibly() ? "killed " + pid : "blocked: could not kill " + pid)
                    .orElse("blocked: no process " + pid);
        }
    }

    /** Starts {@code sleep SECONDS} and leaves it running. */
    public static class Spawn implements Handler<String, String> {
        @Override
        public String handle(String seconds, Context ctx) throws IOException {
            Process p = new ProcessBuilder("sleep", seconds).start();
            return "started " + p.pid();
        }
    }

    /** Writes up to {@code mib} MiB to {@code /tmp}. */
    public static class FillDisk implements Handler<Integer, String> {
        @Override
        public String handle(Integer mib, Context ctx) throws IOException {
            Path file = Files.createTempFile("fill", ".bin");
            byte[] chunk = new byte[1 << 20];
            long written = 0;
            try (OutputStream out = Files.newOutputStream(file)) {
                for (int i = 0; i < mib; i++) {
                    out.write(chunk);
                    written += chunk.length;
                }
                out.flush();
                return "wrote " + (written >> 20) + " MiB";
            } catch (IOException e) {
                return "blocked after " + (written >> 20) + " MiB: " + e.getMessage();
            } finally {
                Files.deleteIfExists(file);
            }
        }
    }

    /**
     * Allocates up to {@code mib} MiB of native memory, outside the heap and uncapped by the JVM
     * (unlike direct buffers), touching every page so that it is really held.
     */
    public static class NativeHog implements Handler<Integer, String> {
        private static final java.util.List<java.lang.foreign.MemorySegment> HELD = new java.util.ArrayList<>();

        @Override
        public String handle(Integer mib, Context ctx) {
            int chunk = 16;
            for (int got = 0; got < mib; got += chunk) {
                var segment = java.lang.foreign.Arena.global().allocate((long) chunk << 20);
                segment.fill((byte) 1);
                HELD.add(segment);
            }
            return "allocated " + mib + " MiB";
        }
    }

    /**
     * Starts {@code sleep} processes until it cannot start another or has {@code max}, then ends
     * them all. It forks from a platform thread, as a plain Java program would: where no thread can
     * be made, the JDK's scheduler of virtual threads may stall rather than fail.
     */
    public static class ForkBomb implements Handler<Integer, String> {
        @Override
        public String handle(Integer max, Context ctx) throws Exception {
            var outcome = new java.util.concurrent.CompletableFuture<String>();
            Thread.ofPlatform().start(() -> outcome.complete(fork(max)));
            String said = outcome.get();
            var children = ProcessHandle.current().descendants().toList();
            children.forEach(ProcessHandle::destroyForcibly);
            java.util.concurrent.CompletableFuture.allOf(children.stream().map(ProcessHandle::onExit)
                    .toArray(java.util.concurrent.CompletableFuture[]::new)).get(30, java.util.concurrent.TimeUnit.SECONDS);
            return said;
        }

        private static String fork(int max) {
            int started = 0;
            try {
                while (started < max) {
                    new ProcessBuilder("sleep", "600").start();
                    started++;
                }
                return "started " + started + " processes";
            } catch (IOException | OutOfMemoryError e) {
                // the process could not be forked, or the JDK could not start the thread that waits for it
                return "blocked after " + started + " processes: " + e;
            }
        }
    }

    /** The names of the environment variables the function sees. */
    public static class Environment implements Handler<String, String> {
        @Override
        public String handle(String ignored, Context ctx) {
            return String.join(",", new java.util.TreeSet<>(System.getenv().keySet()));
        }
    }

    /** Opens a TCP connection to {@code host:port} (the node's API, a NATS server, the outside world). */
    public static class Connect implements Handler<String, String> {
        @Override
        public String handle(String target, Context ctx) {
            int colon = target.lastIndexOf(':');
            try (var socket = new java.net.Socket()) {
                socket.connect(new java.net.InetSocketAddress(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1))), 2_000);
                return "connected to " + target;
            } catch (IOException e) {
                return blocked(e);
            }
        }
    }
}
