package dev.skyfn.core.manifest;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The environment variables an app gives its functions (the manifest's {@code env}, for the app,
 * per function and per cloud), checked as AWS Lambda checks a function's: names of letters, digits
 * and {@code _}, not starting with a digit; at most {@value #MAX_BYTES} bytes of names and values
 * together for one function; no name the platform sets itself.
 */
public final class EnvVars {

    /** Bytes of names and values (UTF-8) one function's variables may take at most, as on Lambda. */
    public static final int MAX_BYTES = 4096;

    /**
     * Names the platform sets for handlers written for AWS Lambda or Google Cloud Functions, or
     * that Lambda reserves (credentials, its runtime API): an app cannot set them.
     */
    public static final Set<String> RESERVED = Set.of("_HANDLER", "_X_AMZN_TRACE_ID", "AWS_REGION", "AWS_DEFAULT_REGION",
            "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
            "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_LAMBDA_RUNTIME_API",
            "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "LAMBDA_TASK_ROOT",
            "LAMBDA_RUNTIME_DIR", "K_SERVICE", "K_REVISION", "K_CONFIGURATION", "FUNCTION_TARGET", "FUNCTION_SIGNATURE_TYPE");

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,255}");

    private EnvVars() {
    }

    /** {@code env} as read at {@code at}, checked; a {@link ManifestException} naming the first fault otherwise. */
    static Map<String, String> check(Map<String, String> env, String at) {
        for (String name : env.keySet()) {
            if (!NAME.matcher(name).matches()) {
                throw new ManifestException(at + "." + name + ": not a variable name (letters, digits and '_', not starting "
                        + "with a digit, at most 256)");
            }
            if (RESERVED.contains(name)) {
                throw new ManifestException(at + "." + name + ": reserved: AWS Lambda or Cloud Functions keep this name for "
                        + "themselves (skyfn sets it for their handlers, or leaves it unset as they would)");
            }
        }
        return env;
    }

    /** Refuses variables that take more than {@link #MAX_BYTES} in all. */
    static void checkSize(Map<String, String> env, String at) {
        long bytes = env.entrySet().stream()
                .mapToLong(e -> e.getKey().getBytes(StandardCharsets.UTF_8).length + e.getValue().getBytes(StandardCharsets.UTF_8).length)
                .sum();
        if (bytes > MAX_BYTES) {
            throw new ManifestException(at + ": " + bytes + " bytes of environment variables, more than the " + MAX_BYTES + " allowed");
        }
    }
}
