package dev.skyfn.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skyfn.core.app.AppKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Calls held at a gateway while every replica is at its limit, as a gateway uses it: admit, count the call sent, end it. */
class GatewayQueueTest {

    private static final AppKey APP = new AppKey("t", "shop");
    private static final long LONG = Duration.ofSeconds(30).toNanos();

    private final GatewayQueue queue = new GatewayQueue();
    /** Calls in flight, and the one replica's limit. */
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger limit = new AtomicInteger(2);

    /** A call as a gateway makes it: admitted, counted in flight, then (later) ended. */
    private Thread call(String name, List<String> admitted) {
        return Thread.ofVirtual().start(() -> {
            try (GatewayQueue.Admission a = queue.admit(APP, () -> inFlight.get() < limit.get(), System.nanoTime() + LONG)) {
                assertThat(a.admitted()).isTrue();
                inFlight.incrementAndGet();
                admitted.add(name);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    private void end() {
        inFlight.decrementAndGet();
        queue.ended(APP);
    }

    @Test
    void callsBeyondTheLimitWaitAndGoInTheOrderTheyCameAsCallsEnd() throws InterruptedException {
        List<String> admitted = new CopyOnWriteArrayList<>();
        call("a", admitted).join();
        call("b", admitted).join();
        for (String name : List.of("c", "d", "e")) {
            call(name, admitted);
            await().until(() -> queue.waiting().getOrDefault(APP, 0) == name.charAt(0) - 'b');
        }
        assertThat(admitted).containsExactly("a", "b");
        assertThat(queue.waiting()).isEqualTo(Map.of(APP, 3));

        end();
        await().until(() -> admitted.size() == 3);
        end();
        await().until(() -> admitted.size() == 4);
        end();
        await().until(() -> admitted.size() == 5);

        assertThat(admitted).containsExactly("a", "b", "c", "d", "e");
        assertThat(queue.waiting()).isEmpty();
        assertThat(inFlight.get()).isEqualTo(2);
    }

    @Test
    void aCallThatComesWhileOthersWaitQueuesBehindThemEvenWithRoom() throws InterruptedException {
        List<String> admitted = new CopyOnWriteArrayList<>();
        limit.set(1);
        call("a", admitted).join();
        call("b", admitted);
        await().until(() -> queue.waiting().getOrDefault(APP, 0) == 1);

        // a slot frees without a word to the queue, and a new call comes: the one waiting goes first
        inFlight.decrementAndGet();
        call("c", admitted);
        await().until(() -> admitted.size() == 2);
        assertThat(admitted).containsExactly("a", "b");
        end();
        await().until(() -> admitted.size() == 3);
        assertThat(admitted).containsExactly("a", "b", "c");
    }

    @Test
    void aReplicaJoiningLetsAsManyWaitingCallsGoAsItHasRoomFor() throws InterruptedException {
        List<String> admitted = new CopyOnWriteArrayList<>();
        call("a", admitted).join();
        call("b", admitted).join();
        for (String name : List.of("c", "d", "e")) {
            call(name, admitted);
        }
        await().until(() -> queue.waiting().getOrDefault(APP, 0) == 3);

        limit.set(4); // a second replica, with room for two
        queue.fleetChanged();

        await().until(() -> admitted.size() == 4);
        assertThat(queue.waiting()).isEqualTo(Map.of(APP, 1));
        assertThat(inFlight.get()).isEqualTo(4);
    }

    @Test
    void aCallWaitsNoLongerThanItsDeadline() throws InterruptedException {
        limit.set(0);
        long start = System.nanoTime();

        try (GatewayQueue.Admission a = queue.admit(APP, () -> inFlight.get() < limit.get(), start + Duration.ofMillis(200).toNanos())) {
            assertThat(a.admitted()).isFalse();
        }

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(200), Duration.ofSeconds(5));
        assertThat(queue.waiting()).isEmpty();
    }
}
