package dev.skyfn.nats;

import io.nats.client.JetStreamApiException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.NoSuchAlgorithmException;

/** JetStream calls with their checked failures turned into unchecked ones that say what was being done. */
public final class Js {

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
        } catch (IOException e) {
            throw new UncheckedIOException(what + ": " + e.getMessage(), e);
        } catch (JetStreamApiException e) {
            throw new IllegalStateException(what + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + ": interrupted", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static void run(String what, Action action) {
        call(what, () -> {
            action.run();
            return null;
        });
    }
}
