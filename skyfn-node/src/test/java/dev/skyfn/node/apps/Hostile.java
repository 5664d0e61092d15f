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

    /** Tries to make a file in the directory named ("chmod DIR": after making the directory its own to write first). */
    public static class WriteIn implements Handler<String, String> {
        @Override
        public String handle(String request, Context ctx) {
            boolean chmod = request.startsWith("chmod ");
            String dir = chmod ? request.substring("chmod ".length()) : request;
            try {
                if (chmod) {
                    Files.setPosixFilePermissions(Path.of(dir), java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
                }
                Path file = Files.createTempFile(Path.of(dir), "mine", ".bin");
                Files.delete(file);
                return "wrote in " + dir;
            } catch (IOException e) {
                return "blocked: " + e;
            }
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

    /**
     * Makes, through the FFM API, a system call a JVM never needs and kernel exploits start from:
     * {@code unshare} (a new user namespace), {@code io_uring} ({@code io_uring_setup}) or
     * {@code keyctl} (join a new session keyring). Answers its result, or {@code blocked: errno N}.
     */
    public static class Syscall implements Handler<String, String> {
        @Override
        public String handle(String which, Context ctx) throws Exception {
            var linker = java.lang.foreign.Linker.nativeLinker();
            var errno = java.lang.foreign.Linker.Option.captureCallState("errno");
            var layout = java.lang.foreign.Linker.Option.captureStateLayout();
            var syscall = linker.downcallHandle(linker.defaultLookup().find("syscall").orElseThrow(),
                    java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_LONG, java.lang.foreign.ValueLayout.JAVA_LONG,
                            java.lang.foreign.ValueLayout.JAVA_LONG, java.lang.foreign.ValueLayout.JAVA_LONG),
                    errno, java.lang.foreign.Linker.Option.firstVariadicArg(1));
            try (var arena = java.lang.foreign.Arena.ofConfined()) {
                var state = arena.allocate(layout);
                var params = arena.allocate(120);
                long[] call = switch (which) {
                    case "unshare" -> new long[] {272, 0x10000000L, 0};
                    case "io_uring" -> new long[] {425, 1, params.address()};
                    case "keyctl" -> new long[] {250, 1, 0};
                    default -> throw new IllegalArgumentException(which);
                };
                long result;
                try {
                    result = (long) syscall.invokeExact(state, call[0], call[1], call[2]);
                } catch (Throwable t) {
                    return "failed: " + t;
                }
                int error = (int) layout.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno")).get(state, 0L);
                return result >= 0 ? which + " returned " + result : "blocked: errno " + error;
            }
        }
    }
}
