package dev.skyfn.nats.seal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.cloud.Trust;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SealerTest {

    private static final byte[] OPEN = HexFormat.of().parseHex(Sealer.newKey());
    private static final byte[] TRUSTED = HexFormat.of().parseHex(Sealer.newKey());
    private static final Map<String, Trust> POLICIES = Map.of("acme", Trust.UNTRUSTED, "umbrella", Trust.TRUSTED);

    /** A node of a trusted cloud holds both keys; a node of an untrusted cloud only the untrusted level's. */
    private static final Sealer TRUSTED_NODE = Sealer.of(Map.of(Trust.UNTRUSTED, OPEN, Trust.TRUSTED, TRUSTED))
            .withPolicy(t -> POLICIES.getOrDefault(t, Trust.UNTRUSTED));
    private static final Sealer UNTRUSTED_NODE = Sealer.of(OPEN).withPolicy(t -> POLICIES.getOrDefault(t, Trust.UNTRUSTED));

    @Test
    void aValueOpensWhereItWasSealedAndIsLongerByTheOverheadOnly() {
        byte[] value = "hello".getBytes(StandardCharsets.UTF_8);
        byte[] sealed = UNTRUSTED_NODE.seal("acme", "acme.shop.a", value);
        assertThat(sealed).hasSize(value.length + Sealer.OVERHEAD);
        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("hello");
        assertThat(TRUSTED_NODE.open("acme", "acme.shop.a", sealed)).isEqualTo(value);
        assertThat(UNTRUSTED_NODE.seal("acme", "acme.shop.a", value)).as("a fresh nonce every time").isNotEqualTo(sealed);
    }

    @Test
    void aTenantWhoseDataStaysOnTrustedCloudsHasNoKeyOnAnUntrustedNode() {
        byte[] sealed = TRUSTED_NODE.seal("umbrella", "umbrella.lab.x", new byte[] {1, 2, 3});
        assertThat(TRUSTED_NODE.open("umbrella", "umbrella.lab.x", sealed)).containsExactly(1, 2, 3);
        for (Runnable attempt : List.<Runnable>of(() -> UNTRUSTED_NODE.open("umbrella", "umbrella.lab.x", sealed),
                () -> UNTRUSTED_NODE.seal("umbrella", "umbrella.lab.x", new byte[] {1}))) {
            assertThatThrownBy(attempt::run).isInstanceOfSatisfying(SkyfnException.class, e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.UNSEAL_FAILED);
                assertThat(e.getMessage()).contains("umbrella").contains("trusted clouds");
            });
        }
        assertThat(UNTRUSTED_NODE.holds(Trust.TRUSTED)).isFalse();
        assertThat(TRUSTED_NODE.holds(Trust.TRUSTED)).isTrue();
        assertThat(TRUSTED_NODE.holds(Trust.TEE)).isFalse();
    }

    @Test
    void aSealedValueDoesNotOpenForAnotherTenantOrPlaceOrOnceAltered() {
        byte[] sealed = UNTRUSTED_NODE.seal("acme", "acme.shop.a", new byte[] {7});
        byte[] flipped = sealed.clone();
        flipped[flipped.length - 1] ^= 1;
        for (Runnable attempt : List.<Runnable>of(() -> UNTRUSTED_NODE.open("globex", "acme.shop.a", sealed),
                () -> UNTRUSTED_NODE.open("acme", "acme.shop.b", sealed),
                () -> UNTRUSTED_NODE.open("acme", "acme.shop.a", flipped),
                () -> UNTRUSTED_NODE.open("acme", "acme.shop.a", Arrays.copyOf(sealed, sealed.length - 1)),
                () -> UNTRUSTED_NODE.open("acme", "acme.shop.a", new byte[] {7}))) {
            assertThatThrownBy(attempt::run).isInstanceOfSatisfying(SkyfnException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.UNSEAL_FAILED));
        }
    }

    @Test
    void withoutADataKeyNothingIsSealed() {
        byte[] value = {1, 2};
        assertThat(Sealer.none().seals()).isFalse();
        assertThat(Sealer.none().seal("acme", "x", value)).isSameAs(value);
        assertThat(Sealer.none().holds(Trust.TEE)).isTrue();
    }

    @Test
    void manyThreadsSealAndOpenAtOnceEachGettingItsOwnValueBackThoughSomeOpeningsFail() throws Exception {
        try (var threads = java.util.concurrent.Executors.newFixedThreadPool(8)) {
            List<java.util.concurrent.Future<Boolean>> all = new java.util.ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                int n = i;
                all.add(threads.submit(() -> {
                    byte[] value = ("value " + n).getBytes(StandardCharsets.UTF_8);
                    byte[] sealed = UNTRUSTED_NODE.seal("acme", "acme.shop." + n, value);
                    if (n % 7 == 0) {
                        // a failed opening leaves no cipher half-used for the next one
                        assertThatThrownBy(() -> UNTRUSTED_NODE.open("acme", "acme.shop.other", sealed)).isInstanceOf(SkyfnException.class);
                    }
                    return Arrays.equals(TRUSTED_NODE.open("acme", "acme.shop." + n, sealed), value);
                }));
            }
            for (var f : all) {
                assertThat(f.get()).isTrue();
            }
        }
    }
}
