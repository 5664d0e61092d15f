package dev.skyfn.control.tenant;

import dev.skyfn.control.Json;
import dev.skyfn.control.AtomicFiles;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.Names;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.Authenticator;
import dev.skyfn.core.app.Caller;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Tenants and their API keys, in one file. Only a key's SHA-256 is stored; the key itself is
 * shown once, when it is issued. Keys look like {@code sk_<id>_<secret>}: the id finds the record,
 * the digest of the whole key proves it.
 */
public final class Tenants implements Authenticator {

    /** The tenant the bootstrap admin key belongs to. */
    public static final String ADMIN_TENANT = "admin";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path file;
    private final Clock clock;
    private volatile State state;

    /** What the file holds. */
    record State(List<Tenant> tenants, List<Key> keys) {
        Map<String, Key> byId() {
            return keys.stream().collect(Collectors.toUnmodifiableMap(Key::id, Function.identity()));
        }
    }

    public record Tenant(String name, Instant created) {
    }

    /** A stored key: its digest, never the key. */
    public record Key(String id, String tenant, String sha256, boolean admin, Instant created) {
    }

    /** A key just issued: the only time the secret is seen. */
    public record IssuedKey(String tenant, String keyId, String apiKey, boolean admin) {
    }

    private volatile Map<String, Key> keysById;

    public Tenants(Path file, Clock clock) {
        this.file = file;
        this.clock = clock;
        try {
            state = Files.exists(file) ? Json.read(Files.readAllBytes(file), State.class) : new State(List.of(), List.of());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        keysById = state.byId();
    }

    @Override
    public Optional<Caller> authenticate(String apiKey) {
        String[] parts = apiKey.split("_", 3);
        if (parts.length != 3 || !parts[0].equals("sk")) {
            return Optional.empty();
        }
        Key key = keysById.get(parts[1]);
        if (key == null || !MessageDigest.isEqual(HexFormat.of().parseHex(key.sha256()), sha256(apiKey))) {
            return Optional.empty();
        }
        return Optional.of(new Caller(key.tenant(), key.admin()));
    }

    /** Issues the first admin key, unless one exists; empty when one does. */
    public synchronized Optional<IssuedKey> bootstrapAdmin() {
        if (state.keys().stream().anyMatch(Key::admin)) {
            return Optional.empty();
        }
        if (find(ADMIN_TENANT).isEmpty()) {
            addTenant(ADMIN_TENANT);
        }
        return Optional.of(issueKey(ADMIN_TENANT, true));
    }

    /** Creates a tenant and its first key. */
    public synchronized IssuedKey create(String name) {
        if (!Names.isTenantName(name)) {
            throw new SkyfnException(ErrorCode.BAD_REQUEST,
                    "'" + name + "' is not a valid tenant name (lower case letters, digits and '-', starting with a letter, at most 63)");
        }
        if (find(name).isPresent()) {
            throw new SkyfnException(ErrorCode.CONFLICT, "tenant " + name + " exists");
        }
        addTenant(name);
        return issueKey(name, false);
    }

    public synchronized IssuedKey issueKey(String tenant, boolean admin) {
        if (find(tenant).isEmpty()) {
            throw new SkyfnException(ErrorCode.TENANT_NOT_FOUND, "no tenant " + tenant);
        }
        String id = HexFormat.of().formatHex(randomBytes(5));
        String apiKey = "sk_" + id + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(32));
        List<Key> keys = new ArrayList<>(state.keys());
        keys.add(new Key(id, tenant, HexFormat.of().formatHex(sha256(apiKey)), admin, clock.instant()));
        save(new State(state.tenants(), keys));
        return new IssuedKey(tenant, id, apiKey, admin);
    }

    /** Revokes a key of {@code tenant}; false when it has no such key. */
    public synchronized boolean revoke(String tenant, String keyId) {
        List<Key> keys = state.keys().stream().filter(k -> !(k.id().equals(keyId) && k.tenant().equals(tenant))).toList();
        if (keys.size() == state.keys().size()) {
            return false;
        }
        save(new State(state.tenants(), keys));
        return true;
    }

    public List<Tenant> list() {
        return state.tenants();
    }

    public List<Key> keys(String tenant) {
        return state.keys().stream().filter(k -> k.tenant().equals(tenant)).toList();
    }

    public Optional<Tenant> find(String name) {
        return state.tenants().stream().filter(t -> t.name().equals(name)).findFirst();
    }

    private void addTenant(String name) {
        List<Tenant> tenants = new ArrayList<>(state.tenants());
        tenants.add(new Tenant(name, clock.instant()));
        save(new State(tenants, state.keys()));
    }

    private void save(State next) {
        try {
            Files.createDirectories(file.getParent());
            AtomicFiles.write(file, Json.pretty(next));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        state = next;
        keysById = next.byId();
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
