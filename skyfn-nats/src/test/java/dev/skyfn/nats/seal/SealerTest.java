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
        assertThat(nonce(UNTRUSTED_NODE.seal("acme", "acme.shop.a", value))).as("a fresh nonce every time").isNotEqualTo(nonce(sealed));
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

    private static String keyId(byte[] sealed) {
        assertThat(sealed[1]).as("version").isEqualTo((byte) 2);
        return HexFormat.of().formatHex(sealed, 2, 18);
    }

    private static String nonce(byte[] sealed) {
        return HexFormat.of().formatHex(sealed, 18, 30);
    }

    @Test
    void eachNodeSealsUnderAKeyIdOfItsOwnThatEveryNodeWithTheLevelsKeyOpens() {
        Sealer other = Sealer.of(OPEN).withPolicy(t -> POLICIES.getOrDefault(t, Trust.UNTRUSTED));
        byte[] mine = UNTRUSTED_NODE.seal("acme", "acme.shop.a", new byte[] {1});
        byte[] theirs = other.seal("acme", "acme.shop.a", new byte[] {2});
        assertThat(keyId(mine)).isNotEqualTo(keyId(theirs));
        assertThat(UNTRUSTED_NODE.open("acme", "acme.shop.a", theirs)).containsExactly(2);
        assertThat(other.open("acme", "acme.shop.a", mine)).containsExactly(1);

        byte[] otherKeyId = mine.clone();
        otherKeyId[2] ^= 1;
        assertThatThrownBy(() -> other.open("acme", "acme.shop.a", otherKeyId)).isInstanceOfSatisfying(SkyfnException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.UNSEAL_FAILED));
    }

    @Test
    void keyIdsReadFromForgedValuesAreNotKeptAndAFullCacheKeepsTheKeysInUse() {
        Sealer node = Sealer.of(OPEN);
        byte[] sealed = node.seal("acme", "p", new byte[] {7});
        int kept = node.keysKept();
        for (int i = 0; i < 50; i++) {
            byte[] forged = sealed.clone();
            forged[2 + i % 16] ^= (byte) (1 + i);
            forged[3 + i % 15] ^= (byte) (7 * i + 1);
            assertThatThrownBy(() -> node.open("acme", "p", forged)).isInstanceOfSatisfying(SkyfnException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.UNSEAL_FAILED));
        }
        assertThat(node.keysKept()).isEqualTo(kept);

        // more tenants than keys are kept: each new one makes way for one other, not for all
        for (int t = 0; t < Sealer.KEYS_KEPT + 10; t++) {
            String tenant = "t" + t;
            assertThat(node.open(tenant, "p", node.seal(tenant, "p", new byte[] {(byte) t}))).containsExactly((byte) t);
            assertThat(node.keysKept()).isBetween(Math.min(t + 1, Sealer.KEYS_KEPT - 1), Sealer.KEYS_KEPT);
        }
    }

    @Test
    void noNonceRepeatsUnderAKeyIdAndANewKeyIdIsDrawnWhenItsSealsAreSpent() {
        Sealer node = Sealer.of(OPEN).withSealsPerKey(3);
        List<byte[]> sealed = new java.util.ArrayList<>();
        for (int i = 0; i < 7; i++) {
            sealed.add(node.seal(i % 2 == 0 ? "acme" : "globex", "x", new byte[] {(byte) i}));
        }
        List<String> ids = sealed.stream().map(SealerTest::keyId).toList();
        assertThat(ids.subList(0, 3)).containsOnly(ids.get(0));
        assertThat(ids.subList(3, 6)).containsOnly(ids.get(3));
        assertThat(java.util.Set.copyOf(List.of(ids.get(0), ids.get(3), ids.get(6)))).hasSize(3);
        assertThat(sealed.stream().map(v -> keyId(v) + nonce(v)).distinct()).hasSize(7);
        for (int i = 0; i < 7; i++) {
            assertThat(UNTRUSTED_NODE.open(i % 2 == 0 ? "acme" : "globex", "x", sealed.get(i))).containsExactly(i);
        }
    }

    /** A value as version 1 sealed it: a random nonce under the tenant's single key. */
    private static byte[] sealedByVersion1(String tenant, String place, byte[] value) throws Exception {
        javax.crypto.SecretKey key = javax.crypto.KDF.getInstance("HKDF-SHA256").deriveKey("AES",
                javax.crypto.spec.HKDFParameterSpec.ofExtract().addIKM(OPEN)
                        .thenExpand(("skyfn tenant data key/" + tenant).getBytes(StandardCharsets.UTF_8), 32));
        byte[] nonce = new byte[12];
        new java.security.SecureRandom().nextBytes(nonce);
        var gcm = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
        gcm.init(javax.crypto.Cipher.ENCRYPT_MODE, key, new javax.crypto.spec.GCMParameterSpec(128, nonce));
        gcm.updateAAD(place.getBytes(StandardCharsets.UTF_8));
        var out = java.nio.ByteBuffer.allocate(2 + 12 + value.length + 16).put((byte) 'S').put((byte) 1).put(nonce);
        gcm.doFinal(java.nio.ByteBuffer.wrap(value), out);
        return out.array();
    }

    @Test
    void aValueSealedByVersion1StillOpensAndOnlyWhereItWasSealed() throws Exception {
        byte[] old = sealedByVersion1("acme", "acme.shop.a", "kept".getBytes(StandardCharsets.UTF_8));
        assertThat(UNTRUSTED_NODE.open("acme", "acme.shop.a", old)).asString(StandardCharsets.UTF_8).isEqualTo("kept");
        assertThatThrownBy(() -> UNTRUSTED_NODE.open("acme", "acme.shop.b", old)).isInstanceOf(SkyfnException.class);
        byte[] unknownVersion = old.clone();
        unknownVersion[1] = 3;
        assertThatThrownBy(() -> UNTRUSTED_NODE.open("acme", "acme.shop.a", unknownVersion))
                .isInstanceOfSatisfying(SkyfnException.class, e -> assertThat(e.getMessage()).contains("not a sealed value"));
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
