package dev.skyfn.node;

import dev.skyfn.core.testing.JarBuilder;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;

/** The bus of the embedded default: the gateway hands the call to the app's sandbox on its own node. */
class EmbeddedBusTest extends BusConformance {

    @TempDir
    static Path dir;
    private TestNode node;

    @Override
    protected void deploy() {
        node = TestNode.dev(dir);
        node.send("POST", "/v1/apps", JarBuilder.app(MANIFEST).classes(CLASSES).bytes());
    }

    @Override
    protected HttpResponse<String> send(String method, String path, byte[] body, String... headers) {
        return node.send(method, path, body, headers);
    }

    @AfterAll
    void stop() {
        node.close();
    }
}
