package dev.skyfn.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What every store of ephemeral namespaces must do, whatever keeps it: extend this with a store
 * whose clock is the one given, whose quota is 10,000 bytes per tenant and whose values may be
 * 4,000 bytes. Waiters may be told on another thread, a little later.
 */
public abstract class NamespacesConformance {

    private volatile long now = 1_000;
    private final Namespaces store = store(() -> now, 10_000, 4_000);

    protected abstract Namespaces store(LongSupplier nanos, long quotaBytesPerTenant, int maxValueBytes);

    private static void eventually(Runnable assertion) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(assertion::run);
    }

    private void advance(Duration d) {
        now += d.toNanos();
    }

    private static void assertCode(Runnable r, ErrorCode code) {
        assertThatThrownBy(r::run).isInstanceOf(SkyfnException.class)
                .satisfies(e -> assertThat(((SkyfnException) e).code()).isEqualTo(code));
    }

    @Test
    void opensNamespacesWithTheirParentsAndNormalisesPaths() {
        assertThat(store.open("acme", "/job-42/map", Duration.ofMinutes(1))).isEqualTo("/job-42/map");
        store.put("acme", "/job-42", "meta", "x".getBytes());
        store.put("acme", "/job-42/map", "part-1", "a".getBytes());
        assertThat(store.keys("acme", "/job-42/map")).containsExactly("part-1");
        assertThat(store.size("acme", "/job-42")).isEqualTo(1);
    }

    @Test
    void keepsTenantsApart() {
        store.open("acme", "/job", Duration.ofMinutes(1));
        store.put("acme", "/job", "k", "v".getBytes());
        assertCode(() -> store.get("globex", "/job", "k"), ErrorCode.NAMESPACE_NOT_FOUND);
    }

    @Test
    void expiresANamespaceAtTheEndOfItsLeaseWithItsChildren() {
        store.open("acme", "/job", Duration.ofSeconds(10));
        store.open("acme", "/job/map/part", Duration.ofSeconds(10));
        store.renew("acme", "/job/map/part", Duration.ofMinutes(10));
        store.put("acme", "/job/map/part", "k", "v".getBytes());
        advance(Duration.ofSeconds(9));
        assertThat(store.get("acme", "/job/map/part", "k")).isPresent();
        advance(Duration.ofSeconds(2));
        assertCode(() -> store.get("acme", "/job/map/part", "k"), ErrorCode.NAMESPACE_NOT_FOUND);
        store.expire();
        assertThat(store.bytes("acme")).isZero();
    }

    @Test
    void aRenewedLeaseKeepsTheNamespace() {
        store.open("acme", "/job", Duration.ofSeconds(10));
        advance(Duration.ofSeconds(8));
        store.renew("acme", "/job", Duration.ofSeconds(10));
        advance(Duration.ofSeconds(8));
        store.expire();
        assertThat(store.size("acme", "/job")).isZero();
    }

    @Test
    void countsBytesAgainstTheTenantsQuotaAndFreesThemOnRemoval() {
        store.open("acme", "/a", Duration.ofMinutes(1));
        store.open("acme", "/b", Duration.ofMinutes(1));
        store.put("acme", "/a", "k1", new byte[4_000]);
        store.put("acme", "/b", "k2", new byte[4_000]);
        assertCode(() -> store.put("acme", "/b", "k3", new byte[4_000]), ErrorCode.QUOTA_EXCEEDED);
        assertCode(() -> store.put("acme", "/b", "big", new byte[4_001]), ErrorCode.PAYLOAD_TOO_LARGE);
        assertThat(store.remove("acme", "/a")).isTrue();
        store.put("acme", "/b", "k3", new byte[4_000]);
        assertThat(store.bytes("acme")).isLessThanOrEqualTo(10_000);
    }

    @Test
    void tellsWaitersWhenTheNamespaceIsReadyOrFullEnough() {
        store.open("acme", "/job", Duration.ofMinutes(1));
        List<String> told = new CopyOnWriteArrayList<>();
        store.await("acme", "/job", -1, ok -> told.add("ready " + ok));
        store.await("acme", "/job", 2, ok -> told.add("two items " + ok));
        store.put("acme", "/job", "one", "1".getBytes());
        assertThat(told).isEmpty();
        store.put("acme", "/job", "two", "2".getBytes());
        eventually(() -> assertThat(told).containsExactly("two items true"));
        store.markReady("acme", "/job");
        eventually(() -> assertThat(told).containsExactly("two items true", "ready true"));
        store.await("acme", "/job", -1, ok -> told.add("already " + ok));
        eventually(() -> assertThat(told).contains("already true"));
    }

    @Test
    void aWaiterThatGivesUpOrWhoseNamespaceGoesIsToldFalseOnce() {
        store.open("acme", "/job", Duration.ofSeconds(5));
        List<String> told = new CopyOnWriteArrayList<>();
        Runnable giveUp = store.await("acme", "/job", -1, ok -> told.add("first " + ok));
        store.await("acme", "/job", 10, ok -> told.add("second " + ok));
        giveUp.run();
        giveUp.run();
        advance(Duration.ofSeconds(6));
        store.expire();
        eventually(() -> assertThat(told).containsExactly("first false", "second false"));
    }

    /** Values from nothing to the largest a put takes: an empty value is a value, not an absent key. */
    static Stream<Arguments> values() {
        byte[] largest = new byte[4_000];
        java.util.Arrays.fill(largest, (byte) 'w');
        return Stream.of(Arguments.of("empty", new byte[0]), Arguments.of("one byte", new byte[] {0}),
                Arguments.of("largest", largest));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("values")
    void aValueOfAnySizeIsHeldCountedWaitedForRemovedAndExpired(String what, byte[] value) {
        store.open("acme", "/job/part", Duration.ofMinutes(1));
        List<String> told = new CopyOnWriteArrayList<>();
        store.await("acme", "/job/part", 2, ok -> told.add("two items " + ok));
        store.put("acme", "/job/part", "a", value);
        store.put("acme", "/job/part", "a", value);
        assertThat(store.get("acme", "/job/part", "a")).hasValueSatisfying(v -> assertThat(v).isEqualTo(value));
        assertThat(store.get("acme", "/job/part", "absent")).isEmpty();
        store.put("acme", "/job/part", "b", value);
        assertThat(store.keys("acme", "/job/part")).containsExactly("a", "b");
        assertThat(store.size("acme", "/job/part")).isEqualTo(2);
        eventually(() -> assertThat(told).containsExactly("two items true"));
        assertThat(store.bytes("acme")).isPositive();

        assertThat(store.delete("acme", "/job/part", "a")).isTrue();
        assertThat(store.delete("acme", "/job/part", "a")).isFalse();
        assertThat(store.get("acme", "/job/part", "a")).isEmpty();
        assertThat(store.remove("acme", "/job")).isTrue();
        assertCode(() -> store.size("acme", "/job/part"), ErrorCode.NAMESPACE_NOT_FOUND);
        assertThat(store.bytes("acme")).isZero();

        store.open("acme", "/leased", Duration.ofSeconds(10));
        store.put("acme", "/leased", "k", value);
        advance(Duration.ofSeconds(11));
        store.expire();
        assertThat(store.bytes("acme")).isZero();
        store.open("acme", "/leased", Duration.ofSeconds(10));
        assertThat(store.keys("acme", "/leased")).isEmpty();
    }

    @Test
    void refusesMalformedPathsAndLeases() {
        assertCode(() -> store.open("acme", "job", Duration.ofMinutes(1)), ErrorCode.INVALID_INPUT);
        assertCode(() -> store.open("acme", "/a//b", Duration.ofMinutes(1)), ErrorCode.INVALID_INPUT);
        assertCode(() -> store.open("acme", "/a/../b", Duration.ofMinutes(1)), ErrorCode.INVALID_INPUT);
        assertCode(() -> store.open("acme", "/a", Duration.ofDays(2)), ErrorCode.INVALID_INPUT);
    }
}
