package dev.skyfn.nats.seal;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.cloud.Trust;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import javax.crypto.Cipher;
import javax.crypto.KDF;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.HKDFParameterSpec;

/**
 * Seals what a tenant keeps in JetStream (state values, ephemeral namespaces, async payloads and
 * results, execution records) so that a NATS server, or the disk under it, sees ciphertext only.
 *
 * <p>A fleet has a data key per trust level ({@link Trust}): the {@code untrusted} one is on every
 * node, the {@code trusted} one only on nodes of trusted (or TEE) clouds, the {@code tee} one only
 * on nodes of TEE clouds. A tenant's data keys are derived with HKDF-SHA256 (RFC 5869) from the key
 * of the level its trust policy names, so its key material exists only on nodes of the clouds that
 * policy allows. A value is sealed with AES-256-GCM (NIST SP 800-38D), with the place it is stored
 * at (an entry's name, a message's subject) as associated data, so a sealed value moved to another
 * key or tenant no longer opens.
 *
 * <p>A GCM key must never see one nonce twice, and random nonces bound a key to 2^32 seals (SP
 * 800-38D §8.3) — days of a busy tenant's events. So each sealer seals under keys of its own: it
 * draws a random 128-bit key id and derives a tenant's sealing key with info
 * {@code "skyfn tenant data key/" + tenant + "/" + keyId(hex)}; its nonces are a counter (the
 * deterministic construction, §8.2.1), and after {@value #SEALS_PER_KEY} seals it draws a new key id.
 * Any node holding the level's key derives the key of an id it reads.
 *
 * <p>Sealed form: {@code 0x53 'S'}, a version byte {@code 2}, the 16-byte key id, the 12-byte nonce,
 * then the ciphertext with its 16-byte tag: {@link #OVERHEAD} bytes more than the value. Version
 * {@code 1} (no key id; a random nonce under the key derived with info
 * {@code "skyfn tenant data key/" + tenant}) still opens.
 */
public final class Sealer {

    /** Bytes a sealed value takes beyond the value itself. */
    public static final int OVERHEAD = 2 + 16 + 12 + 16;
    /** The length of a fleet data key: 32 bytes, 64 hex digits in its file. */
    public static final int KEY_BYTES = 32;
    private static final byte MAGIC = 'S';
    private static final byte VERSION = 2;
    private static final byte VERSION_1 = 1;
    private static final int KEY_ID_BYTES = 16;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    /** Seals under one key id before another is drawn: far below the counter's 2^64, at the bound random nonces would have. */
    static final long SEALS_PER_KEY = 1L << 32;
    /**
     * Derived keys kept: a key is kept once a value sealed or opened with it, so ids read from
     * forged values take no room; past this many (key ids of many nodes and restarts), one kept
     * key, any, makes way for each new one.
     */
    static final int KEYS_KEPT = 4096;

    private static final Sealer NONE = new Sealer(Map.of(), t -> Trust.UNTRUSTED, SEALS_PER_KEY);

    private final Map<Trust, byte[]> levelKeys;
    private final Function<String, Trust> policy;
    private final long sealsPerKey;
    private final SecureRandom random = new SecureRandom();
    /** The key id sealed under now. */
    private final java.util.concurrent.atomic.AtomicReference<KeyId> sealingKey = new java.util.concurrent.atomic.AtomicReference<>(newKeyId());
    private final Map<KeyRef, SecretKey> tenantKeys = new ConcurrentHashMap<>();
    /**
     * AES-GCM ciphers free to be initialised again: getting one from the security providers costs
     * more than sealing an event (a few hundred bytes); a cipher is used by one thread at a time.
     */
    private final java.util.Queue<Cipher> ciphers = new java.util.concurrent.ConcurrentLinkedQueue<>();

    private Sealer(Map<Trust, byte[]> levelKeys, Function<String, Trust> policy, long sealsPerKey) {
        this.levelKeys = levelKeys;
        this.policy = policy;
        this.sealsPerKey = sealsPerKey;
    }

    /** A key id this sealer seals under, and the nonces it has used with it. */
    private record KeyId(ByteBuffer id, java.util.concurrent.atomic.AtomicLong nonces) {
    }

    /** A tenant's key at one trust level under one key id (null: version 1's). */
    private record KeyRef(Trust level, String tenant, ByteBuffer id) {
    }

    /** A sealer that seals nothing: values are stored as they are (a fleet started without a data key). */
    public static Sealer none() {
        return NONE;
    }

    /** Whether values are sealed. */
    public boolean seals() {
        return !levelKeys.isEmpty();
    }

    /** A sealer with only the fleet's untrusted-level data key {@code key} ({@value #KEY_BYTES} bytes). */
    public static Sealer of(byte[] key) {
        return of(Map.of(Trust.UNTRUSTED, key));
    }

    /** A sealer with the fleet's data keys of the given trust levels; the untrusted level's is required. */
    public static Sealer of(Map<Trust, byte[]> keys) {
        if (!keys.containsKey(Trust.UNTRUSTED)) {
            throw new IllegalArgumentException("a node needs the fleet's untrusted-level data key");
        }
        Map<Trust, byte[]> copy = new EnumMap<>(Trust.class);
        keys.forEach((level, key) -> {
            if (key.length != KEY_BYTES) {
                throw new IllegalArgumentException("a data key is " + KEY_BYTES + " bytes, not " + key.length);
            }
            copy.put(level, key.clone());
        });
        return new Sealer(copy, t -> Trust.UNTRUSTED, SEALS_PER_KEY);
    }

    /**
     * The fleet data keys in {@code files} by trust level: each {@value #KEY_BYTES} bytes written as 64 hex digits.
     *
     * @throws IllegalArgumentException naming the file if it holds anything else
     */
    public static Sealer read(Map<Trust, Path> files) {
        Map<Trust, byte[]> keys = new EnumMap<>(Trust.class);
        files.forEach((level, file) -> keys.put(level, readKey(file)));
        return of(keys);
    }

    private static byte[] readKey(Path file) {
        try {
            return HexFormat.of().parseHex(Files.readString(file, StandardCharsets.US_ASCII).strip());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the data key " + file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the data key " + file + " is not " + KEY_BYTES + " bytes in hex: " + e.getMessage(), e);
        }
    }

    /** This sealer, deriving each tenant's key from the level {@code policy} names for it (unknown tenants: untrusted). */
    public Sealer withPolicy(Function<String, Trust> policy) {
        return new Sealer(levelKeys, policy, sealsPerKey);
    }

    /** This sealer, drawing a new key id after {@code seals} seals under one: to test the turnover without sealing 2^32 values. */
    Sealer withSealsPerKey(long seals) {
        return new Sealer(levelKeys, policy, seals);
    }

    /** Whether this node holds key material for data of the given trust level. */
    public boolean holds(Trust level) {
        return !seals() || levelKeys.containsKey(level);
    }

    /** The trust level of {@code tenant}'s data: where its key may be. */
    public Trust levelOf(String tenant) {
        return policy.apply(tenant);
    }

    /** A new random fleet data key, as its file holds it (64 hex digits). */
    public static String newKey() {
        byte[] key = new byte[KEY_BYTES];
        new SecureRandom().nextBytes(key);
        return HexFormat.of().formatHex(key);
    }

    /**
     * {@code value} sealed for {@code tenant}, bound to {@code place} (where it will be stored).
     *
     * @throws SkyfnException {@code UNSEAL_FAILED} if this node holds no key for the tenant's trust level
     */
    public byte[] seal(String tenant, String place, byte[] value) {
        if (!seals()) {
            return value;
        }
        KeyId key;
        long counter;
        do {
            key = sealingKey.get();
            counter = key.nonces().getAndIncrement();
        } while (counter >= sealsPerKey && retire(key));
        byte[] nonce = ByteBuffer.allocate(NONCE_BYTES).putInt(0).putLong(counter).array();
        TenantKey tenantKey = tenantKey(tenant, key.id());
        try {
            Cipher gcm = cipher(Cipher.ENCRYPT_MODE, tenantKey.key(), nonce, place);
            ByteBuffer out = ByteBuffer.allocate(OVERHEAD + value.length).put(MAGIC).put(VERSION).put(key.id().duplicate()).put(nonce);
            gcm.doFinal(ByteBuffer.wrap(value), out);
            ciphers.offer(gcm);
            proven(tenantKey);
            return out.array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot seal: " + e.getMessage(), e);
        }
    }

    /** Replaces {@code spent}, whose nonces are used up, with a new key id (unless another thread did); true. */
    private boolean retire(KeyId spent) {
        sealingKey.compareAndSet(spent, newKeyId());
        return true;
    }

    private KeyId newKeyId() {
        byte[] id = new byte[KEY_ID_BYTES];
        random.nextBytes(id);
        return new KeyId(ByteBuffer.wrap(id).asReadOnlyBuffer(), new java.util.concurrent.atomic.AtomicLong());
    }

    /**
     * The value {@link #seal} sealed for {@code tenant} at {@code place}.
     *
     * @throws SkyfnException {@code UNSEAL_FAILED} if it is not a sealed value, was sealed with
     *                        another key, for another tenant or place, or was altered, or this node
     *                        holds no key for the tenant's trust level
     */
    public byte[] open(String tenant, String place, byte[] sealed) {
        if (!seals()) {
            return sealed;
        }
        int header = sealed.length < 2 || sealed[0] != MAGIC ? -1
                : sealed[1] == VERSION ? 2 + KEY_ID_BYTES + NONCE_BYTES : sealed[1] == VERSION_1 ? 2 + NONCE_BYTES : -1;
        if (header < 0 || sealed.length < header + TAG_BITS / 8) {
            throw broken(place, "it is not a sealed value");
        }
        ByteBuffer id = header == 2 + NONCE_BYTES ? null : ByteBuffer.wrap(Arrays.copyOfRange(sealed, 2, 2 + KEY_ID_BYTES));
        byte[] nonce = Arrays.copyOfRange(sealed, header - NONCE_BYTES, header);
        TenantKey tenantKey = tenantKey(tenant, id);
        try {
            Cipher gcm = cipher(Cipher.DECRYPT_MODE, tenantKey.key(), nonce, place);
            byte[] value = gcm.doFinal(sealed, header, sealed.length - header);
            ciphers.offer(gcm);
            proven(tenantKey); // only now: a key id read from a forged value is not kept
            return value;
        } catch (javax.crypto.AEADBadTagException e) {
            throw broken(place, "it was sealed with another key or altered");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot open: " + e.getMessage(), e);
        }
    }

    /** A cipher initialised for one use; given back to {@link #ciphers} once it succeeded (a failed one is dropped). */
    private Cipher cipher(int mode, SecretKey tenantKey, byte[] nonce, String place) throws GeneralSecurityException {
        Cipher gcm = ciphers.poll();
        if (gcm == null) {
            gcm = Cipher.getInstance("AES/GCM/NoPadding");
        }
        gcm.init(mode, tenantKey, new GCMParameterSpec(TAG_BITS, nonce));
        gcm.updateAAD(place.getBytes(StandardCharsets.UTF_8));
        return gcm;
    }

    /** A tenant's key under one key id, and whether it was derived now rather than found kept. */
    private record TenantKey(KeyRef ref, SecretKey key, boolean derived) {
    }

    /** {@code tenant}'s key under {@code keyId} (null: version 1's key) on this node: the one kept, or derived now. */
    private TenantKey tenantKey(String tenant, ByteBuffer keyId) {
        Trust level = policy.apply(tenant);
        if (!levelKeys.containsKey(level)) {
            throw new SkyfnException(ErrorCode.UNSEAL_FAILED, "this node holds no key for tenant " + tenant + "'s data: its trust "
                    + "policy keeps that key on nodes of " + level.name().toLowerCase(java.util.Locale.ROOT) + " clouds");
        }
        var ref = new KeyRef(level, tenant, keyId);
        SecretKey kept = tenantKeys.get(ref);
        return kept != null ? new TenantKey(ref, kept, false) : new TenantKey(ref, derive(ref), true);
    }

    /** Keeps a key derived now once it sealed or opened a value, one other making way when {@link #KEYS_KEPT} are kept. */
    private void proven(TenantKey tenantKey) {
        if (!tenantKey.derived()) {
            return;
        }
        if (tenantKeys.size() >= KEYS_KEPT) {
            var any = tenantKeys.keySet().iterator();
            if (any.hasNext()) {
                any.next();
                any.remove();
            }
        }
        tenantKeys.putIfAbsent(tenantKey.ref(), tenantKey.key());
    }

    /** Number of derived keys kept, for tests. */
    int keysKept() {
        return tenantKeys.size();
    }

    private SecretKey derive(KeyRef ref) {
        String info = "skyfn tenant data key/" + ref.tenant() + (ref.id() == null ? "" : "/" + HexFormat.of().formatHex(bytes(ref.id())));
        return derive(levelKeys.get(ref.level()), info);
    }

    private static byte[] bytes(ByteBuffer id) {
        byte[] out = new byte[id.remaining()];
        id.duplicate().get(out);
        return out;
    }

    private static SecretKey derive(byte[] levelKey, String info) {
        try {
            return KDF.getInstance("HKDF-SHA256").deriveKey("AES", HKDFParameterSpec.ofExtract().addIKM(levelKey)
                    .thenExpand(info.getBytes(StandardCharsets.UTF_8), 32));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot derive keys with HKDF-SHA256", e);
        }
    }

    private static SkyfnException broken(String place, String why) {
        return new SkyfnException(ErrorCode.UNSEAL_FAILED, "stored data at " + place + " could not be unsealed: " + why);
    }
}
