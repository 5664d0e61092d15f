package dev.skyfn.core.trigger;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * An event's CloudEvent attributes and data in one byte string: what a message of a fleet's
 * event stream carries, sealed as one value, since version 2 of its layout, and what a node's
 * state outbox keeps of a change's event. Kept inside
 * the seal, the attributes are the tenant's alone (the NATS server sees only the subject and the
 * message id), and a message needs one header, not seven — each checked when published and
 * parsed when delivered.
 * <p>
 * Layout: {@code 'E'}, version {@code 2}; then id, source, type (strings); time (epoch seconds as
 * 8 bytes, nanoseconds as 4); content type and partition key (strings, or absent); the number of
 * extensions and each one's name and value (strings); the data (4-byte length, bytes). A string is
 * a 4-byte length (−1: absent) and its UTF-8 bytes; numbers are big-endian.
 */
public final class EventEnvelope {

    private static final int MAGIC = 'E';
    private static final int VERSION = 2;
    /** No more extensions than a CloudEvent may reasonably carry: a count above it is a broken envelope, not a huge allocation. */
    private static final int MAX_EXTENSIONS = 1024;

    private EventEnvelope() {
    }

    /** {@code e}'s attributes and data in the layout above. */
    public static byte[] write(Event e) {
        var bytes = new ByteArrayOutputStream(64 + e.data().length);
        try (var out = new DataOutputStream(bytes)) {
            out.writeByte(MAGIC);
            out.writeByte(VERSION);
            string(out, e.id());
            string(out, e.source());
            string(out, e.type());
            out.writeLong(e.time().getEpochSecond());
            out.writeInt(e.time().getNano());
            string(out, e.contentType());
            string(out, e.partitionKey());
            out.writeInt(e.extensions().size());
            for (var x : e.extensions().entrySet()) {
                string(out, x.getKey());
                string(out, x.getValue());
            }
            out.writeInt(e.data().length);
            out.write(e.data());
        } catch (IOException impossible) {
            throw new UncheckedIOException(impossible);
        }
        return bytes.toByteArray();
    }

    /** Whether {@code bytes} start as an envelope does (an event of layout 1 is its bare data, its attributes in headers). */
    private static boolean is(byte[] bytes) {
        return bytes.length >= 2 && bytes[0] == MAGIC && bytes[1] == VERSION;
    }

    /**
     * The event of {@code tenant} on {@code subject} that {@code bytes} hold.
     *
     * @throws IllegalArgumentException saying what is wrong when they are not an envelope, are cut
     *                                  short, or have bytes after the data
     */
    public static Event read(String tenant, String subject, byte[] bytes) {
        if (!is(bytes)) {
            throw new IllegalArgumentException("not an event envelope of version " + VERSION);
        }
        var in = new DataInputStream(new java.io.ByteArrayInputStream(bytes, 2, bytes.length - 2));
        try {
            String id = required(in, bytes, "id");
            String source = required(in, bytes, "source");
            String type = required(in, bytes, "type");
            Instant time = Instant.ofEpochSecond(in.readLong(), in.readInt());
            String contentType = string(in, bytes);
            String partitionKey = string(in, bytes);
            int count = in.readInt();
            if (count < 0 || count > MAX_EXTENSIONS) {
                throw new IllegalArgumentException("an event envelope with " + count + " extensions");
            }
            Map<String, String> extensions = new HashMap<>(count * 2);
            for (int i = 0; i < count; i++) {
                extensions.put(required(in, bytes, "extension name"), required(in, bytes, "extension value"));
            }
            byte[] data = new byte[checked(in.readInt(), in, bytes)];
            in.readFully(data);
            if (in.available() > 0) {
                throw new IllegalArgumentException("an event envelope with " + in.available() + " bytes after its data");
            }
            return new Event(tenant, subject, id, source, type, time, contentType, partitionKey, extensions, data);
        } catch (EOFException cut) {
            throw new IllegalArgumentException("an event envelope cut short");
        } catch (java.time.DateTimeException badTime) {
            throw new IllegalArgumentException("an event envelope with a time out of range");
        } catch (IOException impossible) {
            throw new UncheckedIOException(impossible);
        }
    }

    private static void string(DataOutputStream out, String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static String required(DataInputStream in, byte[] all, String what) throws IOException {
        String s = string(in, all);
        if (s == null) {
            throw new IllegalArgumentException("an event envelope without its " + what);
        }
        return s;
    }

    private static String string(DataInputStream in, byte[] all) throws IOException {
        int n = in.readInt();
        if (n == -1) {
            return null;
        }
        byte[] utf8 = new byte[checked(n, in, all)];
        in.readFully(utf8);
        return new String(utf8, StandardCharsets.UTF_8);
    }

    /** A length that fits in what is left: a broken one is refused before anything is allocated for it. */
    private static int checked(int n, DataInputStream in, byte[] all) throws IOException {
        if (n < 0 || n > in.available()) {
            throw new IllegalArgumentException("an event envelope with a length of " + n + " where " + in.available()
                    + " of its " + all.length + " bytes are left");
        }
        return n;
    }
}
