package dev.skyfn.core.manifest;

import java.time.Duration;

/**
 * One function of an app, as its manifest declares it.
 *
 * @param name        unique within the app
 * @param handler     the binary name of the class implementing it, or {@code Class::method} as AWS
 *                    Lambda writes a handler whose method is named
 * @param memoryMb    memory the function needs, in MiB
 * @param timeout     how long one invocation may run
 * @param concurrency how many invocations may run at once on a node
 * @param queue       how many more may wait for a free slot before callers get 429
 * @param keepWarm    how long the sandbox stays loaded after the last invocation
 * @param url         who may call the function's URL
 * @param idempotent  whether running it twice for one call does no harm, so that a call whose node
 *                    died under it may be run again on another
 * @param verify      whether a fleet checks its results by running each call twice, on two providers
 * @param priority    whether its calls come before batch work ({@code online}) or after online work ({@code batch})
 * @param env         environment variables of its own, over the app's ({@link EnvVars})
 * @param triggers    what runs it besides calls: schedules and topic subscriptions, in manifest order
 */
public record FunctionSpec(String name, String handler, int memoryMb, Duration timeout,
                           int concurrency, int queue, Duration keepWarm, UrlAccess url, boolean idempotent, Verify verify,
                           Priority priority, java.util.Map<String, String> env,
                           java.util.List<dev.skyfn.core.trigger.Trigger> triggers) {

    public FunctionSpec {
        env = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(env));
        triggers = java.util.List.copyOf(triggers);
    }

    public static final int DEFAULT_MEMORY_MB = 256;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration MAX_TIMEOUT = Duration.ofMinutes(15);
    public static final int DEFAULT_CONCURRENCY = 64;
    public static final int DEFAULT_QUEUE = 256;
    public static final Duration DEFAULT_KEEP_WARM = Duration.ofMinutes(5);
    public static final Duration MAX_KEEP_WARM = Duration.ofHours(24);

    /** The handler's class: all of {@link #handler} but a {@code ::method}. */
    public String handlerClass() {
        int sep = handler.indexOf("::");
        return sep < 0 ? handler : handler.substring(0, sep);
    }

    /** The method a {@code Class::method} handler names; empty when the class implements a handler interface. */
    public java.util.Optional<String> handlerMethod() {
        int sep = handler.indexOf("::");
        return sep < 0 ? java.util.Optional.empty() : java.util.Optional.of(handler.substring(sep + 2));
    }
}
