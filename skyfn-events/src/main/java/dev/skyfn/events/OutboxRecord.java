package dev.skyfn.events;

import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.trigger.Event;
import dev.skyfn.core.trigger.EventEnvelope;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A change held by a {@link StateOutbox}: the app and key written, the SHA-256 of the value written
 * (null: deleted), and the event that tells it. Layout: the app's tenant and name, the key, the
 * digest, the event's tenant and subject, then the event as an {@link EventEnvelope} — each a
 * 4-byte length (−1: absent) and its bytes, strings in UTF-8.
 */
record OutboxRecord(AppKey app, String key, byte[] afterDigest, Event event) {

    byte[] encode() {
        byte[] envelope = EventEnvelope.write(event);
        var bytes = new ByteArrayOutputStream(256 + envelope.length);
        try (var out = new DataOutputStream(bytes)) {
            for (String s : new String[] {app.tenant(), app.app(), key}) {
                bytes(out, s.getBytes(StandardCharsets.UTF_8));
            }
            bytes(out, afterDigest);
            bytes(out, event.tenant().getBytes(StandardCharsets.UTF_8));
            bytes(out, event.subject().getBytes(StandardCharsets.UTF_8));
            bytes(out, envelope);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The record {@code payload} holds; throws {@link UncheckedIOException} when it is not one. */
    static OutboxRecord decode(byte[] payload) {
        try (var in = new DataInputStream(new ByteArrayInputStream(payload))) {
            AppKey app = new AppKey(string(in), string(in));
            String key = string(in);
            byte[] digest = bytes(in);
            String tenant = string(in);
            String subject = string(in);
            return new OutboxRecord(app, key, digest, EventEnvelope.read(tenant, subject, bytes(in)));
        } catch (IOException | IllegalArgumentException | NullPointerException e) {
            throw new UncheckedIOException("a state outbox record that cannot be read", e instanceof IOException io ? io
                    : new IOException(e.getMessage(), e));
        }
    }

    private static void bytes(DataOutputStream out, byte[] b) throws IOException {
        if (b == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(b.length);
            out.write(b);
        }
    }

    private static String string(DataInputStream in) throws IOException {
        return new String(java.util.Objects.requireNonNull(bytes(in), "a missing string"), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        if (n > in.available()) {
            throw new IOException("a length of " + n + " where " + in.available() + " bytes are left");
        }
        return in.readNBytes(n);
    }
}
