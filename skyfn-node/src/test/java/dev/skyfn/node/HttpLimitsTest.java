package dev.skyfn.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests beyond the server's limits get skyfn's JSON error with a stable code, not an empty
 * body or a dropped connection: a request line over 8 KiB ({@code 414}), header fields over
 * 16 KiB ({@code 431}), a head past what the server reads at all.
 */
class HttpLimitsTest {

    @TempDir
    static Path dir;
    static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.dev(dir);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void aUrlOverTheLimitGets414WithACode() throws IOException {
        String answer = raw("GET /v1/apps?x=" + "a".repeat(9000) + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assertThat(answer).startsWith("HTTP/1.1 414").contains("\"code\":\"URI_TOO_LONG\"").contains("application/json");
    }

    @Test
    void headersOverTheLimitGet431WithACode() throws IOException {
        String answer = raw("GET /v1/apps HTTP/1.1\r\nHost: localhost\r\nX-Big: " + "b".repeat(20000) + "\r\n\r\n");
        assertThat(answer).startsWith("HTTP/1.1 431").contains("\"code\":\"HEADERS_TOO_LARGE\"").contains("application/json");
    }

    @Test
    void headsBeyondWhatTheServerReadsGetTheSameJson() throws IOException {
        String url = raw("GET /v1/apps?x=" + "a".repeat(40_000) + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assertThat(url).startsWith("HTTP/1.1 414").contains("\"code\":\"URI_TOO_LONG\"");
        String headers = raw("GET /v1/apps HTTP/1.1\r\nHost: localhost\r\nX-Big: " + "b".repeat(80_000) + "\r\n\r\n");
        assertThat(headers).startsWith("HTTP/1.1 431").contains("\"code\":\"HEADERS_TOO_LARGE\"");
        // past a mebibyte the server stops reading and cannot say why: still a JSON error with a code
        String huge = raw("GET /v1/apps HTTP/1.1\r\nHost: localhost\r\nX-Big: " + "b".repeat(1_100_000) + "\r\n\r\n");
        assertThat(huge).startsWith("HTTP/1.1 400").contains("\"code\":\"BAD_REQUEST\"").contains("application/json");
    }

    @Test
    void aPathWithACharacterAUrlMustEncodeGetsTheCharacterNamed() throws IOException {
        String answer = raw("POST /v1/topics/orders.> HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\n{}");
        assertThat(answer).startsWith("HTTP/1.1 400").contains("\"code\":\"BAD_REQUEST\"")
                .contains("the request's path '/v1/topics/orders.>' has '>' (%3E), which a URL carries percent-encoded (RFC 3986)");
        assertThat(raw("GET /v1/apps/a|b HTTP/1.1\r\nHost: localhost\r\n\r\n")).contains("has '|' (%7C)");
    }

    @Test
    void aPathSegmentSkyfnRoutesOnWithMatrixParametersIsRefusedNotRoutedWithoutThem() throws IOException {
        String topic = raw("POST /v1/topics/a.b;c HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
        assertThat(topic).startsWith("HTTP/1.1 400").contains("\"code\":\"BAD_REQUEST\"").contains("'a.b;c' is not a name skyfn knows");
        assertThat(raw("GET /v1/apps;x HTTP/1.1\r\nHost: localhost\r\n\r\n")).startsWith("HTTP/1.1 400").contains("'apps;x'");
        assertThat(raw("GET /v1/apps/hello;v=1 HTTP/1.1\r\nHost: localhost\r\n\r\n")).startsWith("HTTP/1.1 400");
        assertThat(raw("GET /fn/dev/hello;x/hello HTTP/1.1\r\nHost: localhost\r\n\r\n")).startsWith("HTTP/1.1 400");
    }

    /** Sends {@code request} as it is, and reads the answer until the server closes or 64 KiB came. */
    private static String raw(String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", node.platform.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[65536];
            int n = 0;
            int r;
            while (n < buf.length && (r = in.read(buf, n, buf.length - n)) > 0) {
                n += r;
                String sofar = new String(buf, 0, n, StandardCharsets.ISO_8859_1);
                int headEnd = sofar.indexOf("\r\n\r\n");
                if (headEnd > 0 && sofar.toLowerCase().contains("content-length:")) {
                    int len = Integer.parseInt(sofar.toLowerCase().split("content-length:")[1].split("\r\n")[0].strip());
                    if (n >= headEnd + 4 + len) {
                        break;
                    }
                }
            }
            return new String(buf, 0, n, StandardCharsets.UTF_8);
        }
    }
}
