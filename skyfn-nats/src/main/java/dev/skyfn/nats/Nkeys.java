package dev.skyfn.nats;

import io.nats.client.AuthHandler;
import io.nats.client.NKey;
import io.nats.client.Nats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;

/** NATS user nkeys (Ed25519): made for a fleet's members, and used to answer a server's challenge. */
public final class Nkeys {

    static {
        // the signatures are BouncyCastle's (through jnats): keep them in Java rather than let it
        // unpack a native library into the temporary directory and load it into the node
        System.getProperties().putIfAbsent("org.bouncycastle.native.cpu_variant", "java");
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private Nkeys() {
    }

    /** A new user key pair; its seed ({@code SU…}) is the secret, its public key ({@code U…}) goes in a server's config. */
    public static NKey newUser() {
        try {
            return NKey.createUser(RANDOM);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot make an nkey: " + e.getMessage(), e);
        }
    }

    /** Signs the server's challenge with the seed in {@code seedFile}. */
    static AuthHandler signer(Path seedFile) throws IOException {
        return Nats.staticCredentials(null, Files.readString(seedFile).strip().toCharArray());
    }
}
