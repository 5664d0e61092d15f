package dev.skyfn.api;

/**
 * A function: one event in, one result out.
 *
 * <p>{@code I} and {@code O} decide how the request and the result travel: {@code byte[]} and
 * {@code String} are passed raw, {@link HttpRequest} and {@link HttpResponse} carry a whole HTTP
 * exchange (function URLs), anything else is mapped from and to JSON.
 *
 * <p>One instance serves every invocation of the function in its sandbox, each on its own
 * virtual thread, so implementations must be thread-safe.
 */
@FunctionalInterface
public interface Handler<I, O> {

    O handle(I input, Context ctx) throws Exception;
}
