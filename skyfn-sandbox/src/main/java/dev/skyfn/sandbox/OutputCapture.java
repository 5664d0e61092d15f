package dev.skyfn.sandbox;

import dev.skyfn.core.wire.LogLine;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Replaces {@code System.out} and {@code System.err}: each line becomes a log line tagged with
 * the invocation that printed it (and the slot of its app). Threads a function starts inherit its
 * invocation id.
 */
final class OutputCapture {

    /** Which invocation a thread works for, and whether anything it printed became a log line. */
    static final class Tag {
        static final Tag NONE = new Tag(0, "", "");

        private final int slot;
        private final String invocationId;
        private final String function;
        private volatile boolean wrote;
        /** Whether a thread of the invocation began a line: only then is there a partial line to look for as it ends. */
        private volatile boolean began;

        Tag(int slot, String invocationId, String function) {
            this.slot = slot;
            this.invocationId = invocationId;
            this.function = function;
        }

        boolean wrote() {
            return wrote;
        }
    }

    private static final InheritableThreadLocal<Tag> INVOCATION = new InheritableThreadLocal<>() {
        @Override
        protected Tag initialValue() {
            return Tag.NONE;
        }
    };

    private final LogShipper shipper;
    private final LineSplitter out;
    private final LineSplitter err;

    OutputCapture(LogShipper shipper) {
        this.shipper = shipper;
        this.out = new LineSplitter(LogLine.Kind.STDOUT);
        this.err = new LineSplitter(LogLine.Kind.STDERR);
    }

    void install() {
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    /** Tags what the current thread prints with this invocation, and the threads it starts too. */
    static Tag enter(int slot, String invocationId, String function) {
        Tag tag = new Tag(slot, invocationId, function);
        INVOCATION.set(tag);
        return tag;
    }

    /**
     * Ends the current thread's invocation, shipping any line it left without a newline. The
     * print streams need no flush: they hand every write straight to the line splitters.
     */
    void leave() {
        // a thread-local looked up on a thread that never set it gets an entry made: most calls print nothing
        if (INVOCATION.get().began) {
            out.flushPartial();
            err.flushPartial();
        }
        INVOCATION.remove();
    }

    /** Splits bytes into lines per thread, so concurrent invocations do not interleave within a line. */
    private final class LineSplitter extends OutputStream {

        private final LogLine.Kind kind;
        /** The line a thread is writing; none until it writes, so that threads that never print allocate nothing. */
        private final ThreadLocal<ByteArrayOutputStream> partial = new ThreadLocal<>();

        LineSplitter(LogLine.Kind kind) {
            this.kind = kind;
        }

        @Override
        public void write(int b) {
            write(new byte[]{(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            ByteArrayOutputStream line = partial.get();
            if (line == null) {
                line = new ByteArrayOutputStream(128);
                partial.set(line);
                INVOCATION.get().began = true;
            }
            int start = off;
            for (int i = off; i < off + len; i++) {
                if (b[i] == '\n') {
                    line.write(b, start, i - start);
                    emit(line);
                    start = i + 1;
                }
            }
            line.write(b, start, off + len - start);
            if (line.size() > LogShipper.MAX_LINE_CHARS * 4) {
                emit(line);
            }
        }

        void flushPartial() {
            ByteArrayOutputStream line = partial.get();
            if (line != null) {
                if (line.size() > 0) {
                    emit(line);
                }
                partial.remove();
            }
        }

        private void emit(ByteArrayOutputStream line) {
            int n = line.size();
            byte[] bytes = line.toByteArray();
            if (n > 0 && bytes[n - 1] == '\r') {
                n--;
            }
            Tag tag = INVOCATION.get();
            tag.wrote = true;
            shipper.add(tag.slot, tag.invocationId, tag.function, kind, new String(bytes, 0, n, StandardCharsets.UTF_8));
            line.reset();
        }
    }
}
