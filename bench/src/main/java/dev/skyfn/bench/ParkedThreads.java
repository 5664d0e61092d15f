package dev.skyfn.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The limits for density: the resident memory of an idle JVM, and what one parked virtual thread
 * adds to it. Prints {@code idle-rss-bytes per-thread-bytes}.
 *
 * <p>Usage: {@code java -cp bench.jar dev.skyfn.bench.ParkedThreads <threads>}
 */
public final class ParkedThreads {

    private ParkedThreads() {
    }

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        System.gc();
        Thread.sleep(500);
        long idle = rss();
        var release = new CountDownLatch(1);
        var started = new CountDownLatch(n);
        List<Thread> threads = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                started.countDown();
                try {
                    Thread.sleep(600_000);
                } catch (InterruptedException e) {
                    release.countDown();
                }
            }));
        }
        started.await();
        Thread.sleep(500);
        long parked = rss();
        System.out.println(idle + " " + (parked - idle) / n);
        threads.forEach(Thread::interrupt);
    }

    private static long rss() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        return 0;
    }
}
