package dev.skyfn.node.sandbox;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The last lines a sandbox process wrote to its own standard output and error: what the JVM says
 * when it fails. A function's prints go to its logs instead; whatever else reaches these streams
 * is read and mostly dropped, so a process writing without end fills neither memory nor disk.
 */
final class ProcessOutput {

    private static final int LINES = 20;
    private static final int MAX_LINE = 500;

    private final Deque<String> tail = new ArrayDeque<>();

    static ProcessOutput follow(Process process) {
        var output = new ProcessOutput();
        Thread.ofPlatform().daemon().name("sandbox-output-" + process.pid())
                .start(() -> output.read(process.getInputStream()));
        return output;
    }

    private void read(InputStream in) {
        var line = new ByteArrayOutputStream(128);
        byte[] buf = new byte[8192];
        try (in) {
            for (int n; (n = in.read(buf)) > 0; ) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        keep(line.toString(StandardCharsets.UTF_8));
                        line.reset();
                    } else if (line.size() < MAX_LINE) {
                        line.write(buf[i]);
                    }
                }
            }
        } catch (IOException e) {
            // the process is gone
        }
        if (line.size() > 0) {
            keep(line.toString(StandardCharsets.UTF_8));
        }
    }

    private synchronized void keep(String line) {
        tail.addLast(line);
        if (tail.size() > LINES) {
            tail.removeFirst();
        }
    }

    /** The last lines, or "" when there were none. */
    synchronized String tail() {
        return tail.isEmpty() ? "" : String.join(" | ", tail);
    }
}
