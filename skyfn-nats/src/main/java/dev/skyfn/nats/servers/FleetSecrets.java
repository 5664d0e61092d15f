package dev.skyfn.nats.servers;

import dev.skyfn.core.cloud.Cloud;
import dev.skyfn.core.cloud.NodeSpec;
import dev.skyfn.core.cloud.Topology;
import dev.skyfn.core.cloud.Trust;
import dev.skyfn.nats.NatsAccess;
import dev.skyfn.nats.Nkeys;
import dev.skyfn.nats.seal.Sealer;
import io.nats.client.NKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The credentials of an emulated fleet's NATS servers, made fresh when the servers start, in a
 * directory only the fleet's user can read: a certificate authority and a certificate per server
 * (see {@link LocalCa}); a NATS user nkey per node of the topology (its elastic nodes included), per cloud's system user and
 * one for the operator's tools; a random password per edge site's leaf-node link; the fleet's
 * data keys, one per trust level. Each server
 * admits in skyfn's account only the nkeys of its own cloud's nodes and the operator's, and in
 * its system account only the system user of its cloud; nobody without credentials.
 */
public final class FleetSecrets {

    /** The identity of the operator's own tools and of tests: admitted by every server. */
    public static final String OPERATOR = "operator";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;
    private final Map<String, String> users = new LinkedHashMap<>();
    private final Map<String, String> leafPasswords = new LinkedHashMap<>();

    private FleetSecrets(Path dir) {
        this.dir = dir;
    }

    /** Makes the credentials of {@code topology}'s servers and nodes under {@code dir} (mode 0700). */
    static FleetSecrets create(Topology topology, Path dir) {
        var secrets = new FleetSecrets(dir);
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            LocalCa ca = LocalCa.create("skyfn fleet CA");
            ca.writeCertificate(secrets.ca());
            for (Cloud c : topology.clouds()) {
                ca.issue("nats-" + c.name(), secrets.certificate(c.name()), secrets.privateKey(c.name()));
                secrets.user(systemUser(c.name()));
                if (c.edge()) {
                    secrets.leafPasswords.put(c.name(), HexFormat.of().formatHex(bytes(24)));
                }
            }
            for (NodeSpec n : topology.nodes()) {
                secrets.user(n.name());
            }
            // the nodes a cloud may add later join with credentials made now, as a cloud's image would carry them
            for (Cloud c : topology.clouds()) {
                for (NodeSpec n : topology.elasticNodes(c.name())) {
                    secrets.user(n.name());
                }
            }
            secrets.user(OPERATOR);
            for (Trust level : Trust.values()) {
                writePrivate(secrets.dataKey(level), Sealer.newKey() + "\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the fleet's NATS credentials under " + dir + ": " + e.getMessage(), e);
        }
        return secrets;
    }

    /**
     * The fleet's data key of a trust level (see {@code Sealer}), 64 hex digits: the untrusted
     * level's is on every node, the trusted level's only on nodes of trusted or TEE clouds, the TEE
     * level's only on nodes of TEE clouds.
     */
    public Path dataKey(Trust level) {
        return dir.resolve("data-" + level.name().toLowerCase(java.util.Locale.ROOT) + ".key");
    }

    /** The PEM certificate of the fleet's certificate authority. */
    public Path ca() {
        return dir.resolve("ca.pem");
    }

    Path certificate(String cloud) {
        return dir.resolve(cloud + "-cert.pem");
    }

    Path privateKey(String cloud) {
        return dir.resolve(cloud + "-key.pem");
    }

    /** The file holding {@code identity}'s nkey seed. */
    public Path seed(String identity) {
        if (!users.containsKey(identity)) {
            throw new IllegalArgumentException("no NATS user '" + identity + "' in this fleet (its users: " + users.keySet() + ")");
        }
        return dir.resolve(identity + ".nk");
    }

    /** How {@code identity} reaches the server at {@code url}. */
    public NatsAccess access(String url, String identity) {
        return new NatsAccess(url, Optional.of(seed(identity)), Optional.of(ca()));
    }

    /** The public nkeys ({@code U…}) of the users admitted to skyfn's account on {@code cloud}'s server. */
    List<String> skyfnUsers(Topology topology, String cloud) {
        return users.entrySet().stream()
                .filter(u -> u.getKey().equals(OPERATOR) || topology.node(u.getKey()).map(n -> n.cloud().equals(cloud)).orElse(false))
                .map(Map.Entry::getValue).toList();
    }

    /** The public nkey of {@code cloud}'s system user, the only one in its system account. */
    String systemUserKey(String cloud) {
        return users.get(systemUser(cloud));
    }

    /** The password edge site {@code cloud}'s leaf-node link presents to its hub. */
    String leafPassword(String cloud) {
        return leafPasswords.get(cloud);
    }

    private static String systemUser(String cloud) {
        return "sys-" + cloud;
    }

    private void user(String identity) throws IOException {
        NKey key = Nkeys.newUser();
        try {
            writePrivate(dir.resolve(identity + ".nk"), new String(key.getSeed()) + "\n");
            users.put(identity, new String(key.getPublicKey()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot read a new nkey: " + e.getMessage(), e);
        }
    }

    /** Writes a secret readable by its owner only. */
    static void writePrivate(Path file, String text) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, text, StandardCharsets.US_ASCII);
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}
