package dev.skyfn.nats.packages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skyfn.nats.OneServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class PackageStoreTest {

    @RegisterExtension
    static final OneServer server = new OneServer();
    @TempDir
    Path dir;

    @Test
    void aPackageOfSeveralChunksComesBackByteForByte() throws Exception {
        var store = new PackageStore(server.engine(), server.engine().objectStore(OneServer.freshName("packages")));
        byte[] jar = new byte[3 << 20];
        new Random(7).nextBytes(jar);
        Path source = Files.write(dir.resolve("app.jar"), jar);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(jar));
        store.put(sha, source);
        store.put(sha, source);
        Path fetched = dir.resolve("fetched.jar");
        store.fetch(sha, fetched);
        assertThat(Files.readAllBytes(fetched)).isEqualTo(jar);
    }

    @Test
    void bytesThatDoNotMatchTheirDigestAreNeverLeftForUse() throws Exception {
        var store = new PackageStore(server.engine(), server.engine().objectStore(OneServer.freshName("packages")));
        String claimed = "0".repeat(64);
        store.put(claimed, Files.write(dir.resolve("app.jar"), new byte[]{1, 2, 3}));
        Path target = dir.resolve("fetched.jar");
        assertThatThrownBy(() -> store.fetch(claimed, target)).isInstanceOf(PackageStore.PackageMismatchException.class)
                .hasMessageContaining(claimed);
        assertThat(target).doesNotExist();
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("app.jar");
        }
    }

    @Test
    void aDeletedPackageIsGone() throws Exception {
        var store = new PackageStore(server.engine(), server.engine().objectStore(OneServer.freshName("packages")));
        byte[] jar = {4, 5, 6};
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(jar));
        store.put(sha, Files.write(dir.resolve("app.jar"), jar));
        store.delete(sha);
        store.delete(sha);
        assertThatThrownBy(() -> store.fetch(sha, dir.resolve("x.jar"))).hasMessageContaining("no package");
    }

    @Test
    void aMissingPackageIsAClearError() {
        var store = new PackageStore(server.engine(), server.engine().objectStore(OneServer.freshName("packages")));
        assertThatThrownBy(() -> store.fetch("f".repeat(64), dir.resolve("x.jar"))).hasMessageContaining("f".repeat(64));
    }
}
