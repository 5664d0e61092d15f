package dev.skyfn.sandbox;

/**
 * The parent of every app's class loader: the JDK, the skyfn API, the exit guard, the handler
 * interfaces of AWS Lambda and Google Cloud Functions and the CloudEvents API and SDK (so their
 * handlers run unchanged, whether or not their jars bundle them), and Jackson's annotations — so that the {@code @JsonProperty},
 * {@code @JsonIgnore} or {@code @JsonFormat} on an app's own types are the ones the sandbox's
 * Jackson reads, whether or not the app bundles them; an annotation newer than the sandbox's comes
 * from the app. Nothing else of the sandbox (its Jackson, its protocol): those would clash with
 * the app's own copies.
 */
final class ApiOnlyLoader extends ClassLoader {

    private static final String[] SHARED = {"dev.skyfn.api.", "dev.skyfn.sandbox.guard.",
        "com.amazonaws.services.lambda.runtime.", "com.google.cloud.functions.", "io.cloudevents.", "com.fasterxml.jackson.annotation."};

    private final ClassLoader sandbox;

    ApiOnlyLoader(ClassLoader sandbox) {
        super("skyfn-api", ClassLoader.getPlatformClassLoader());
        this.sandbox = sandbox;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        for (String prefix : SHARED) {
            if (name.startsWith(prefix)) {
                return sandbox.loadClass(name);
            }
        }
        return super.loadClass(name, resolve);
    }
}
