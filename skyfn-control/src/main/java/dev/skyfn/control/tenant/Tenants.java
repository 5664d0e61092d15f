package dev.skyfn.control.tenant;

import dev.skyfn.control.Json;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.Names;
import dev.skyfn.core.Sha256;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.Authenticator;
import dev.skyfn.core.app.Caller;
import dev.skyfn.core.cloud.Trust;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
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
 * Tenants and their API keys, in one {@link Document}. Only a key's SHA-256 is stored; the key itself is
 * shown once, when it is issued. Keys look like {@code sk_<id>_<secret>}: the id finds the record,
 * the digest of the whole key proves it.
 */
public final class Tenants implements Authenticator {

    /** The tenant the bootstrap admin key belongs to. */
    public static final String ADMIN_TENANT = "admin";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Document document;
    private final Clock clock;
    /** What is known, replaced whole: readers never see the tenants of one version and the keys of another. */
    private volatile Known known;

    /** What the file holds. */
    record State(List<Tenant> tenants, List<Key> keys) {
        Map<String, Key> byId() {
            return keys.stream().collect(Collectors.toUnmodifiableMap(Key::id, Function.identity()));
        }

        /** Each name's first tenant, as a scan in order would find it. */
        Map<String, Tenant> byName() {
            return tenants.stream().collect(Collectors.toUnmodifiableMap(Tenant::name, Function.identity(), (first, later) -> first));
        }
    }

    /**
     * A tenant.
     *
     * @param trust the least trust a cloud needs to hold its apps and its data's key (its trust
     *              policy); {@code untrusted}, the default, allows every cloud
     */
    public record Tenant(String name, Instant created, Trust trust) {
        public Tenant {
            trust = trust == null ? Trust.UNTRUSTED : trust; // tenants stored before trust policies existed
        }
    }

    /** A stored key: its digest, never the key. */
    public record Key(String id, String tenant, String sha256, boolean admin, Instant created) {
    }

    /** A key just issued: the only time the secret is seen. */
    public record IssuedKey(String tenant, String keyId, String apiKey, boolean admin) {
    }

    /**
     * A state and its indexes: keys by id, looked up per request; tenants by name, looked up per
     * call (a tenant's trust policy, as its data is sealed or opened) rather than scanned for.
     */
    private record Known(State state, Map<String, Key> keysById, Map<String, Tenant> tenantsByName) {
        static Known of(State state) {
            return new Known(state, state.byId(), state.byName());
        }
    }

    /** A version of the document and the state it holds. */
    private record Read(Document.Version version, State state) {
    }

    public Tenants(Path file, Clock clock) {
        this(new FileDocument(file), clock);
    }

    public Tenants(Document document, Clock clock) {
        this.document = document;
        this.clock = clock;
        reload();
        document.onChange(this::reload);
    }

    private Read reload() {
        Document.Version v = document.read();
        try {
            State read = v.bytes() == null ? new State(List.of(), List.of()) : Json.read(v.bytes(), State.class);
            known = Known.of(read);
            return new Read(v, read);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the tenants", e);
        }
    }

    /**
     * Applies {@code change} to the latest state and stores the result, again from the latest
     * state if another control plane wrote in between.
     */
    private <T> T update(java.util.function.Function<State, Change<T>> change) {
        while (true) {
            Read read = reload();
            // changed from the state read at the revision written against, whatever another thread reloaded meanwhile
            Change<T> c = change.apply(read.state());
            try {
                if (document.write(Json.pretty(c.next()), read.version().revision())) {
                    known = Known.of(c.next());
                    return c.result();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the tenants", e);
            }
        }
    }

    private record Change<T>(State next, T result) {
    }

    @Override
    public Optional<Caller> authenticate(String apiKey) {
        String[] parts = apiKey.split("_", 3);
        if (parts.length != 3 || !parts[0].equals("sk")) {
            return Optional.empty();
        }
        Key key = known.keysById().get(parts[1]);
        if (key == null) {
            // issued a moment ago through another control plane, whose change may not have reached this one yet
            reload();
            key = known.keysById().get(parts[1]);
        }
        if (key == null || !MessageDigest.isEqual(HexFormat.of().parseHex(key.sha256()), sha256(apiKey))) {
            return Optional.empty();
        }
        return Optional.of(new Caller(key.tenant(), key.admin()));
    }

    /** Issues the first admin key, unless one exists; empty when one does. */
    public synchronized Optional<IssuedKey> bootstrapAdmin() {
        return update(s -> {
            if (s.keys().stream().anyMatch(Key::admin)) {
                return new Change<>(s, Optional.<IssuedKey>empty());
            }
            State withAdmin = s.tenants().stream().anyMatch(t -> t.name().equals(ADMIN_TENANT)) ? s : withTenant(s, ADMIN_TENANT, Trust.UNTRUSTED);
            Change<IssuedKey> issued = withKey(withAdmin, ADMIN_TENANT, true);
            return new Change<>(issued.next(), Optional.of(issued.result()));
        });
    }

    /** Creates a tenant whose data any cloud may hold, and its first key. */
    public IssuedKey create(String name) {
        return create(name, Trust.UNTRUSTED);
    }

    /** Creates a tenant with the trust policy {@code trust}, and its first key. */
    public synchronized IssuedKey create(String name, Trust trust) {
        if (!Names.isTenantName(name)) {
            throw new SkyfnException(ErrorCode.BAD_REQUEST,
                    "'" + name + "' is not a valid tenant name (lower case letters, digits and '-', starting with a letter, at most 63)");
        }
        return update(s -> {
            if (s.tenants().stream().anyMatch(t -> t.name().equals(name))) {
                throw new SkyfnException(ErrorCode.CONFLICT, "tenant " + name + " exists");
            }
            return withKey(withTenant(s, name, trust), name, false);
        });
    }

    /** The trust policy of {@code tenant}: untrusted for a tenant this registry does not know (yet). */
    public Trust trustOf(String tenant) {
        return find(tenant).map(Tenant::trust).orElse(Trust.UNTRUSTED);
    }

    public synchronized IssuedKey issueKey(String tenant, boolean admin) {
        return update(s -> {
            if (s.tenants().stream().noneMatch(t -> t.name().equals(tenant))) {
                throw new SkyfnException(ErrorCode.TENANT_NOT_FOUND, "no tenant " + tenant);
            }
            return withKey(s, tenant, admin);
        });
    }

    /** Revokes a key of {@code tenant}; false when it has no such key. */
    public synchronized boolean revoke(String tenant, String keyId) {
        return update(s -> {
            List<Key> keys = s.keys().stream().filter(k -> !(k.id().equals(keyId) && k.tenant().equals(tenant))).toList();
            return new Change<>(new State(s.tenants(), keys), keys.size() != s.keys().size());
        });
    }

    private State withTenant(State s, String name, Trust trust) {
        List<Tenant> tenants = new ArrayList<>(s.tenants());
        tenants.add(new Tenant(name, clock.instant(), trust));
        return new State(tenants, s.keys());
    }

    private Change<IssuedKey> withKey(State s, String tenant, boolean admin) {
        String id = HexFormat.of().formatHex(randomBytes(5));
        String apiKey = "sk_" + id + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(32));
        List<Key> keys = new ArrayList<>(s.keys());
        keys.add(new Key(id, tenant, HexFormat.of().formatHex(sha256(apiKey)), admin, clock.instant()));
        return new Change<>(new State(s.tenants(), keys), new IssuedKey(tenant, id, apiKey, admin));
    }

    public List<Tenant> list() {
        return known.state().tenants();
    }

    public List<Key> keys(String tenant) {
        return known.state().keys().stream().filter(k -> k.tenant().equals(tenant)).toList();
    }

    @Override
    public boolean knows(String tenant) {
        return find(tenant).isPresent();
    }

    public Optional<Tenant> find(String name) {
        return name == null ? Optional.empty() : Optional.ofNullable(known.tenantsByName().get(name));
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static byte[] sha256(String key) {
        return Sha256.of(key.getBytes(StandardCharsets.UTF_8));
    }
}
