package dev.skyfn.console;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The web console, served at {@code /console} by every node: static ES modules that call the
 * node's HTTP API with the API key the user logs in with (kept in the tab's session storage, sent
 * as a bearer token: no cookie, so no request forgery from other sites). Preact's modules come from
 * its WebJar under {@code /console/lib/preact/}. Every page is sent with a Content-Security-Policy
 * that allows scripts, styles and calls from this origin only (and the page's import map, by its hash).
 * Paths outside the console's files answer 404.
 */
public final class Console implements HttpService {

    static final String ROOT = "/console";
    private static final String WEB = "dev/skyfn/console/web/";
    /** A console file: lower-case words, slashes between, one known extension; nothing else is looked up. */
    private static final Pattern OWN = Pattern.compile("([a-z0-9-]+/)*[a-z0-9-]+\\.(js|css|svg)");
    /** A Preact module in its WebJar. */
    private static final Pattern PREACT = Pattern.compile("lib/preact/((?:[a-z-]+/)*dist/[a-z]+\\.module\\.js)");
    private static final Pattern IMPORT_MAP = Pattern.compile("<script type=\"importmap\">(.*?)</script>", Pattern.DOTALL);
    private static final Map<String, String> TYPES = Map.of("js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml", "html", "text/html; charset=utf-8");

    private final String preactRoot;
    private final byte[] index;
    private final String policy;
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();

    public Console() {
        this.preactRoot = "META-INF/resources/webjars/preact/" + properties().getProperty("preact.version") + "/";
        String html = new String(read(WEB + "index.html").orElseThrow(() -> new IllegalStateException("the console's index.html is missing")),
                StandardCharsets.UTF_8);
        this.index = html.getBytes(StandardCharsets.UTF_8);
        Matcher map = IMPORT_MAP.matcher(html);
        String mapHash = map.find() ? " 'sha256-" + sha256(map.group(1)) + "'" : "";
        this.policy = "default-src 'none'; script-src 'self'" + mapHash + "; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
                + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get(ROOT, (req, res) -> res.status(Status.MOVED_PERMANENTLY_301).header(HeaderNames.LOCATION, ROOT + "/").send())
                .get(ROOT + "/", (req, res) -> send(res, "html", index))
                .get(ROOT + "/*", this::file);
    }

    private void file(ServerRequest req, ServerResponse res) {
        String path = req.path().path().substring(ROOT.length() + 1);
        Matcher preact = PREACT.matcher(path);
        Optional<byte[]> body = preact.matches() ? cached(path, preactRoot + preact.group(1))
                : OWN.matcher(path).matches() ? cached(path, WEB + path) : Optional.empty();
        if (body.isEmpty()) {
            res.status(Status.NOT_FOUND_404).header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8").send("no such console file");
            return;
        }
        send(res, path.substring(path.lastIndexOf('.') + 1), body.get());
    }

    /** A file read once and kept; one that is not there is looked up again (so asking for many names holds nothing). */
    private Optional<byte[]> cached(String path, String resource) {
        byte[] kept = files.get(path);
        if (kept != null) {
            return Optional.of(kept);
        }
        Optional<byte[]> found = read(resource);
        found.ifPresent(bytes -> files.put(path, bytes));
        return found;
    }

    private void send(ServerResponse res, String extension, byte[] body) {
        res.header(HeaderNames.CONTENT_TYPE, TYPES.get(extension))
                .header(HeaderNames.CACHE_CONTROL, "no-cache")
                .header(HeaderNames.create("Content-Security-Policy"), policy)
                .header(HeaderNames.create("X-Content-Type-Options"), "nosniff")
                .header(HeaderNames.create("Referrer-Policy"), "no-referrer")
                .send(body);
    }

    private static Optional<byte[]> read(String resource) {
        try (InputStream in = Console.class.getClassLoader().getResourceAsStream(resource)) {
            return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Properties properties() {
        var props = new Properties();
        try (InputStream in = Console.class.getResourceAsStream("console.properties")) {
            props.load(in);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("the console's build properties are missing", e);
        }
        return props;
    }

    private static String sha256(String text) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
