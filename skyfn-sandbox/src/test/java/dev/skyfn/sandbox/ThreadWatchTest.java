package dev.skyfn.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class ThreadWatchTest {

    private final ThreadWatch.Marker marker = new ThreadWatch.Marker(getClass().getClassLoader());

    @Test
    void findsAThreadAnInvocationLeftRunning() throws Exception {
        var stop = new CountDownLatch(1);
        Thread grain = Thread.ofVirtual().unstarted(() -> new Thread(() -> await(stop), "leaky").start());
        grain.setContextClassLoader(marker);
        grain.start();
        grain.join();
        assertThat(ThreadWatch.leftRunning(marker, Duration.ofMillis(10))).extracting(Thread::getName).containsExactly("leaky");
        stop.countDown();
        assertThat(ThreadWatch.leftRunning(marker, Duration.ofSeconds(5))).isEmpty();
    }

    @Test
    void findsThePoolThreadsOfAnExecutorNeverShutDown() throws Exception {
        Thread grain = Thread.ofVirtual().unstarted(() -> Executors.newFixedThreadPool(2).submit(() -> { }));
        grain.setContextClassLoader(marker);
        grain.start();
        grain.join();
        assertThat(ThreadWatch.leftRunning(marker, Duration.ofMillis(10))).hasSize(1);
    }

    @Test
    void waitsForThreadsAboutToEnd() throws Exception {
        Thread grain = Thread.ofVirtual().unstarted(() -> new Thread(() -> sleep(20)).start());
        grain.setContextClassLoader(marker);
        grain.start();
        grain.join();
        assertThat(ThreadWatch.leftRunning(marker, Duration.ofSeconds(5))).isEmpty();
    }

    @Test
    void ignoresThreadsOfOtherInvocations() throws Exception {
        var stop = new CountDownLatch(1);
        Thread other = new Thread(() -> await(stop));
        other.setContextClassLoader(new ThreadWatch.Marker(getClass().getClassLoader()));
        other.start();
        assertThat(ThreadWatch.leftRunning(marker, Duration.ofMillis(10))).isEmpty();
        stop.countDown();
    }

    @Test
    void aMarkerServesAnotherCallOnlyWhenNoThreadWasStartedMeanwhile() throws Exception {
        var markers = new ThreadWatch.Markers(getClass().getClassLoader());
        ThreadWatch.Marker first = markers.take();
        assertThat(markers.giveBack(first, ThreadWatch.started())).isTrue();
        assertThat(markers.take()).isSameAs(first);

        long before = ThreadWatch.started();
        Thread started = new Thread(() -> { });
        started.setContextClassLoader(first);
        started.start();
        started.join();
        assertThat(markers.giveBack(first, before)).as("a thread was started: it might carry the marker").isFalse();
        assertThat(markers.take()).isNotSameAs(first);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
