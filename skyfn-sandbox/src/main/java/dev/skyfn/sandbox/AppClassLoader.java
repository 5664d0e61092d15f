package dev.skyfn.sandbox;

import dev.skyfn.sandbox.guard.Environment;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.nio.file.Path;
import java.security.CodeSource;
import java.security.ProtectionDomain;
import java.security.cert.Certificate;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.zip.ZipFile;

/**
 * Loads an app's classes from its jar, once per sandbox, rewriting exit and getenv calls on the
 * way ({@link CallRewriter}); answers those getenv calls from the app's environment. Its parent
 * sees only the JDK and the skyfn API, so an app brings whatever libraries it likes.
 */
final class AppClassLoader extends ClassLoader implements Environment.Source {

    static {
        registerAsParallelCapable();
    }

    private final JarFile jar;
    private final URI jarUri;
    private final ProtectionDomain domain;
    private final CallRewriter rewriter;
    /** Counts the blocks the app's code executes, when it meters useful work; null otherwise. */
    private final BlockCounter counter;
    private final AppEnvironment environment;
    /** The markers of the app's calls' threads. */
    final ThreadWatch.Markers markers = new ThreadWatch.Markers(this);

    /**
     * {@code env}: the app's environment variables, outside any one function's call; {@code countsWork}:
     * whether its classes count the basic blocks they execute ({@code metering: useful-work}).
     */
    AppClassLoader(String app, Path jarPath, ClassLoader parent, Map<String, String> env, boolean countsWork) throws IOException {
        super("app:" + app, parent);
        this.jar = new JarFile(jarPath.toFile(), false, ZipFile.OPEN_READ, Runtime.version());
        this.jarUri = jarPath.toUri();
        this.domain = new ProtectionDomain(new CodeSource(jarUri.toURL(), (Certificate[]) null), null, this, null);
        this.rewriter = new CallRewriter(this);
        this.counter = countsWork ? new BlockCounter(this) : null;
        this.environment = new AppEnvironment(env);
    }

    /** Whether the app's classes count the basic blocks they execute. */
    boolean countsWork() {
        return counter != null;
    }

    AppEnvironment variables() {
        return environment;
    }

    /** What the app's code reads with {@code System.getenv()} on this thread now. */
    @Override
    public Map<String, String> environment() {
        return environment.now();
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        JarEntry entry = jar.getJarEntry(name.replace('.', '/') + ".class");
        if (entry == null) {
            throw new ClassNotFoundException(name);
        }
        byte[] bytes;
        try (InputStream in = jar.getInputStream(entry)) {
            bytes = rewriter.rewrite(in.readAllBytes());
            if (counter != null) {
                try {
                    bytes = counter.instrument(bytes);
                } catch (IllegalArgumentException e) {
                    throw new ClassNotFoundException(e.getMessage(), e);
                }
            }
        } catch (IOException e) {
            throw new ClassNotFoundException(name, e);
        }
        definePackageOf(name);
        return defineClass(name, bytes, 0, bytes.length, domain);
    }

    private void definePackageOf(String className) {
        int dot = className.lastIndexOf('.');
        if (dot > 0) {
            String pkg = className.substring(0, dot);
            if (getDefinedPackage(pkg) == null) {
                try {
                    definePackage(pkg, null, null, null, null, null, null, null);
                } catch (IllegalArgumentException raced) {
                    // another thread defined it first
                }
            }
        }
    }

    @Override
    protected URL findResource(String name) {
        JarEntry entry = jar.getJarEntry(name);
        return entry == null ? null : url(entry.getName());
    }

    @Override
    protected Enumeration<URL> findResources(String name) {
        URL url = findResource(name);
        return url == null ? Collections.emptyEnumeration() : Collections.enumeration(java.util.List.of(url));
    }

    private URL url(String entry) {
        try {
            return URI.create("jar:" + jarUri + "!/" + entry).toURL();
        } catch (MalformedURLException e) {
            throw new UncheckedIOException(e);
        }
    }
}
