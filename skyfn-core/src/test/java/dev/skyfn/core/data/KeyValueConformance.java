package dev.skyfn.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What every data layer must do, whatever keeps it: extend this with a store whose quota is
 * {@link #QUOTA} bytes per tenant and whose values may be {@link #MAX_VALUE} bytes.
 */
public abstract class KeyValueConformance {

    protected static final long QUOTA = 64 * 1024;
    protected static final int MAX_VALUE = 16 * 1024;
    private static final String SHOP = KeyValue.scope("acme", "shop");
    private static final String BANK = KeyValue.scope("acme", "bank");
    private static final String OTHER = KeyValue.scope("globex", "shop");

    protected abstract KeyValue store();

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void putsGetsAndDeletes() {
        KeyValue kv = store();
        assertThat(kv.get(SHOP, "k")).isEmpty();
        kv.put(SHOP, "k", bytes("v1"));
        kv.put(SHOP, "k", bytes("v2"));
        assertThat(kv.get(SHOP, "k")).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("v2")));
        assertThat(kv.delete(SHOP, "k")).isTrue();
        assertThat(kv.delete(SHOP, "k")).isFalse();
        assertThat(kv.get(SHOP, "k")).isEmpty();
    }

    @Test
    void keepsScopesApart() {
        KeyValue kv = store();
        kv.put(SHOP, "k", bytes("shop"));
        kv.put(BANK, "k", bytes("bank"));
        kv.put(OTHER, "k", bytes("other tenant"));
        assertThat(kv.get(SHOP, "k")).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("shop")));
        assertThat(kv.get(OTHER, "k")).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("other tenant")));
        kv.clear(SHOP);
        assertThat(kv.get(SHOP, "k")).isEmpty();
        assertThat(kv.get(BANK, "k")).isPresent();
    }

    @Test
    void comparesAndSets() {
        KeyValue kv = store();
        assertThat(kv.compareAndSet(SHOP, "k", null, bytes("first"))).isTrue();
        assertThat(kv.compareAndSet(SHOP, "k", null, bytes("again"))).isFalse();
        assertThat(kv.compareAndSet(SHOP, "k", bytes("wrong"), bytes("x"))).isFalse();
        assertThat(kv.compareAndSet(SHOP, "k", bytes("first"), bytes("second"))).isTrue();
        assertThat(kv.compareAndSet(SHOP, "k", bytes("second"), null)).isTrue();
        assertThat(kv.get(SHOP, "k")).isEmpty();
    }

    @Test
    void countsConcurrentIncrementsExactlyWithCompareAndSet() {
        KeyValue kv = store();
        kv.put(SHOP, "n", bytes("0"));
        var failures = new AtomicInteger();
        List<CompletableFuture<Void>> workers = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            workers.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 25; i++) {
                    while (true) {
                        byte[] old = kv.get(SHOP, "n").orElseThrow();
                        int next = Integer.parseInt(new String(old, StandardCharsets.UTF_8)) + 1;
                        if (kv.compareAndSet(SHOP, "n", old, bytes(Integer.toString(next)))) {
                            break;
                        }
                        failures.incrementAndGet();
                    }
                }
            }, Thread.ofVirtual()::start));
        }
        workers.forEach(CompletableFuture::join);
        assertThat(kv.get(SHOP, "n")).hasValueSatisfying(v -> assertThat(new String(v, StandardCharsets.UTF_8)).isEqualTo("200"));
    }

    /** Values from nothing to the largest a put takes: an empty value is a value, not an absent key. */
    static Stream<Arguments> values() {
        byte[] largest = new byte[MAX_VALUE];
        java.util.Arrays.fill(largest, (byte) 'w');
        return Stream.of(Arguments.of("empty", new byte[0]), Arguments.of("one byte", new byte[] {0}),
                Arguments.of("largest", largest));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("values")
    void aValueOfAnySizeIsKeptComparedDeletedAndCleared(String what, byte[] value) {
        KeyValue kv = store();
        byte[] other = value.length == 0 ? new byte[] {0} : new byte[0];
        assertThat(kv.compareAndSet(SHOP, "k", null, value)).as("set where absent").isTrue();
        assertThat(kv.get(SHOP, "k")).hasValueSatisfying(v -> assertThat(v).isEqualTo(value));
        assertThat(kv.compareAndSet(SHOP, "k", null, bytes("x"))).as("held is not absent").isFalse();
        assertThat(kv.compareAndSet(SHOP, "k", other, bytes("x"))).as("held is not another value").isFalse();
        assertThat(kv.compareAndSet(SHOP, "k", value, value)).as("set to itself").isTrue();
        assertThat(kv.compareAndSet(SHOP, "k", value, null)).as("deleted").isTrue();
        assertThat(kv.get(SHOP, "k")).isEmpty();
        assertThat(kv.compareAndSet(SHOP, "k", value, bytes("x"))).as("absent is not the value").isFalse();

        kv.put(SHOP, "k", other);
        kv.put(SHOP, "k", value);
        assertThat(kv.get(SHOP, "k")).hasValueSatisfying(v -> assertThat(v).isEqualTo(value));
        assertThat(kv.delete(SHOP, "k")).isTrue();
        assertThat(kv.delete(SHOP, "k")).isFalse();
        kv.put(SHOP, "k", value);
        kv.put(SHOP, "j", value);
        kv.clear(SHOP);
        assertThat(kv.get(SHOP, "k")).isEmpty();
        assertThat(kv.bytes("acme")).isZero();
    }

    @Test
    void refusesAValueOverTheLimit() {
        KeyValue kv = store();
        assertThatThrownBy(() -> kv.put(SHOP, "big", new byte[MAX_VALUE + 1])).isInstanceOf(SkyfnException.class)
                .satisfies(e -> assertThat(((SkyfnException) e).code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE));
    }

    @Test
    void holdsATenantToItsQuotaAcrossItsApps() {
        KeyValue kv = store();
        for (int i = 0; i < 3; i++) {
            kv.put(SHOP, "a" + i, new byte[MAX_VALUE]);
        }
        assertThatThrownBy(() -> kv.put(BANK, "one-too-many", new byte[MAX_VALUE])).isInstanceOf(SkyfnException.class)
                .satisfies(e -> assertThat(((SkyfnException) e).code()).isEqualTo(ErrorCode.QUOTA_EXCEEDED))
                .hasMessageContaining("acme");
        kv.put(OTHER, "fine", new byte[MAX_VALUE]);
        kv.delete(SHOP, "a0");
        kv.put(BANK, "now-it-fits", new byte[MAX_VALUE]);
        assertThat(kv.bytes("acme")).isLessThanOrEqualTo(QUOTA);
    }

    @Test
    void returnsCopiesNotItsOwnArrays() {
        KeyValue kv = store();
        byte[] value = bytes("abc");
        kv.put(SHOP, "k", value);
        value[0] = 'X';
        kv.get(SHOP, "k").orElseThrow()[1] = 'Y';
        assertThat(kv.get(SHOP, "k")).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("abc")));
    }
}
