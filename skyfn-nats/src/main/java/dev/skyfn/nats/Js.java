package dev.skyfn.nats;

import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import java.io.IOException;
import java.security.NoSuchAlgorithmException;
import java.util.Set;

/**
 * JetStream calls with their checked failures turned into unchecked ones that say what was being
 * done. JetStream out of reach — its servers down, cut off, or not answering in time — is
 * {@code 503 UNAVAILABLE} ({@link SkyfnException}): the caller may retry; nothing was lost.
 */
public final class Js {

    /**
     * The server's answers to a write whose expected revision is stale: "wrong last sequence: N"
     * (10071), or, from a replicated stream while another write of the key is being replicated,
     * "wrong last sequence" (10164) — nats-server's {@code JSStreamWrongLastSequenceErrF} and
     * {@code JSStreamWrongLastSequenceConstantErr}.
     */
    private static final Set<Integer> WRONG_REVISION = Set.of(10071, 10164);
    /** The status of an answer no JetStream server gave: no responders, or JetStream gone from the domain. */
    private static final int NO_SERVER = 503;

    private Js() {
    }

    /** A JetStream call. */
    @FunctionalInterface
    public interface Call<T> {
        T run() throws IOException, JetStreamApiException, InterruptedException, NoSuchAlgorithmException;
    }

    /** A JetStream call that returns nothing. */
    @FunctionalInterface
    public interface Action {
        void run() throws IOException, JetStreamApiException, InterruptedException, NoSuchAlgorithmException;
    }

    public static <T> T call(String what, Call<T> call) {
        try {
            return call.run();
        } catch (IOException | JetStreamApiException e) {
            throw failure(what, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + ": interrupted", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * What {@link #call} throws for a JetStream call that failed with {@code cause}, for a failure
     * learned later (an asynchronous publication's): UNAVAILABLE when JetStream is out of reach,
     * else an {@link IllegalStateException} saying what was being done.
     */
    public static RuntimeException failure(String what, Throwable cause) {
        if (cause instanceof IOException || cause instanceof JetStreamApiException api && api.getErrorCode() == NO_SERVER) {
            return unreachable(what, (Exception) cause);
        }
        return new IllegalStateException(what + ": " + cause.getMessage(), cause);
    }

    private static SkyfnException unreachable(String what, Exception e) {
        return new SkyfnException(ErrorCode.UNAVAILABLE, what + ": the fleet's state (JetStream) cannot be reached now ("
                + e.getMessage() + "); retry later", e);
    }

    public static void run(String what, Action action) {
        call(what, () -> {
            action.run();
            return null;
        });
    }

    /**
     * Runs a write conditional on an entry's revision; false when the entry changed since it was
     * read (the server refuses the write as stale).
     */
    public static boolean compareAndSet(String what, Action write) {
        return unlessStale(what, () -> {
            write.run();
            return true;
        }, false);
    }

    /** Writes {@code key} if it is still at {@code revision} (0: if it holds nothing); false when it changed since. */
    public static boolean write(KeyValue bucket, String key, byte[] value, long revision) {
        return swap(bucket, key, value, revision) != 0;
    }

    /**
     * Writes {@code key} if it is still at {@code revision} (0: if it holds nothing); returns its
     * new revision, or 0 when it changed since (the server refuses the write as stale).
     */
    public static long swap(KeyValue bucket, String key, byte[] value, long revision) {
        return unlessStale("writing " + key, () -> revision == 0 ? bucket.create(key, value) : bucket.update(key, value, revision), 0L);
    }

    /** A write conditional on a revision, or {@code stale} when the server refuses it because the entry changed. */
    private static <T> T unlessStale(String what, Call<T> write, T stale) {
        return callUnless(what, WRONG_REVISION, stale, write);
    }

    /**
     * {@link #call}, answering {@code otherwise} where JetStream refuses it with the API error
     * {@code code} (a stream not known yet, say) instead of failing.
     */
    public static <T> T callUnless(String what, int code, T otherwise, Call<T> call) {
        return callUnless(what, Set.of(code), otherwise, call);
    }

    private static <T> T callUnless(String what, Set<Integer> codes, T otherwise, Call<T> call) {
        return call(what, () -> {
            try {
                return call.run();
            } catch (JetStreamApiException e) {
                if (codes.contains(e.getApiErrorCode())) {
                    return otherwise;
                }
                throw e;
            }
        });
    }
}
