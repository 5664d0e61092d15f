package dev.skyfn.sandbox;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.google.cloud.functions.BackgroundFunction;
import com.google.cloud.functions.CloudEventsFunction;
import com.google.cloud.functions.HttpFunction;
import com.google.cloud.functions.RawBackgroundFunction;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The environment variables a platform sets for a function of its own, here set for handlers
 * written for it: AWS Lambda's "defined runtime environment variables" for {@code RequestHandler},
 * {@code RequestStreamHandler} and {@code Class::method} handlers, and Cloud Run functions'
 * ({@code K_SERVICE}, {@code FUNCTION_TARGET}, …) for Google Cloud Functions handlers. Their
 * values match what the handler's context says (function name, version, log group and stream).
 */
final class PlatformVars {

    /** The runtime identifier Lambda would give this Java, prefixed as its {@code AWS_EXECUTION_ENV} is. */
    static final String LAMBDA_EXECUTION_ENV = "AWS_Lambda_java25";

    private PlatformVars() {
    }

    /**
     * The variables for a handler of class {@code type} ({@code handler} as the manifest names it,
     * {@code Class::method} included) of function {@code function} in version {@code version} of
     * {@code app}, with {@code memoryMb} configured, on a cloud in {@code region}; empty for
     * skyfn's own shapes.
     */
    static Map<String, String> of(Class<?> type, String handler, String app, String function, int version, int memoryMb,
                                  String region) {
        Map<String, String> vars = new LinkedHashMap<>();
        if (handler.contains("::") || RequestHandler.class.isAssignableFrom(type) || RequestStreamHandler.class.isAssignableFrom(type)) {
            vars.put("AWS_LAMBDA_FUNCTION_NAME", function);
            vars.put("AWS_LAMBDA_FUNCTION_VERSION", Integer.toString(version));
            vars.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(memoryMb));
            vars.put("AWS_LAMBDA_LOG_GROUP_NAME", AwsLambdaContext.logGroup(app));
            vars.put("AWS_LAMBDA_LOG_STREAM_NAME", function);
            vars.put("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
            vars.put("AWS_REGION", region);
            vars.put("AWS_DEFAULT_REGION", region);
            vars.put("AWS_EXECUTION_ENV", LAMBDA_EXECUTION_ENV);
            vars.put("_HANDLER", handler);
            return vars;
        }
        String signature = HttpFunction.class.isAssignableFrom(type) ? "http"
                : CloudEventsFunction.class.isAssignableFrom(type) ? "cloudevent"
                : BackgroundFunction.class.isAssignableFrom(type) || RawBackgroundFunction.class.isAssignableFrom(type) ? "event"
                : null;
        if (signature != null) {
            vars.put("K_SERVICE", function);
            vars.put("K_CONFIGURATION", function);
            vars.put("K_REVISION", function + "-" + version);
            vars.put("FUNCTION_TARGET", type.getName());
            vars.put("FUNCTION_SIGNATURE_TYPE", signature);
        }
        return vars;
    }
}
