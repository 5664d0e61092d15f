package dev.skyfn.sandbox;

import dev.skyfn.core.wire.DataOp;
import dev.skyfn.core.wire.Message;
import dev.skyfn.core.workflow.StepRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The blobs of one workflow execution on the node: values too large to keep inline in a step record
 * are streamed there in chunks, so that neither side ever holds them whole in one buffer, and read
 * back the same way when an execution resumes.
 */
final class Blobs {

    /** Chunks written and not yet acknowledged, at most: bounds the memory a large value takes in flight. */
    private static final int CHUNKS_IN_FLIGHT = 4;

    private final DataClient node;
    private final String executionId;

    Blobs(DataClient node, String executionId) {
        this.node = node;
        this.executionId = executionId;
    }

    /** Where a value went: its bytes when small, else the name of the blob that holds them. */
    record Stored(byte[] inline, String blob) {
    }

    /** A stream that keeps what is written inline up to {@link StepRecord#INLINE_BYTES}, then moves it to a blob. */
    Writer writer() {
        return new Writer();
    }

    final class Writer extends OutputStream {

        private final ArrayDeque<CompletableFuture<Message>> inFlight = new ArrayDeque<>();
        private ByteArrayOutputStream buffer = new ByteArrayOutputStream(256);
        private String blob;

        @Override
        public void write(int b) throws IOException {
            write(new byte[]{(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            buffer.write(bytes, offset, length);
            if (blob == null && buffer.size() > StepRecord.INLINE_BYTES) {
                blob = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
            }
            if (blob != null && buffer.size() >= StepRecord.CHUNK_BYTES) {
                send(false);
            }
        }

        private void send(boolean last) {
            byte[] chunk = buffer.toByteArray();
            buffer = new ByteArrayOutputStream(last ? 0 : StepRecord.CHUNK_BYTES + 8192);
            inFlight.add(node.start(DataOp.BLOB_WRITE, executionId, blob, chunk, null, 0, last ? 1 : 0));
            while (inFlight.size() > (last ? 0 : CHUNKS_IN_FLIGHT)) {
                DataClient.await(inFlight.poll());
            }
        }

        /** Ends the value: inline, or its last chunk written and every chunk acknowledged. */
        Stored stored() {
            if (blob == null) {
                return new Stored(buffer.toByteArray(), null);
            }
            send(true);
            return new Stored(null, blob);
        }
    }

    /** Reads a blob back, a chunk at a time. */
    InputStream reader(String blob) {
        return new InputStream() {
            private byte[] chunk = new byte[0];
            private int position;
            private long offset;
            private boolean end;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] into, int at, int length) {
                if (position == chunk.length && !fill()) {
                    return -1;
                }
                int n = Math.min(length, chunk.length - position);
                System.arraycopy(chunk, position, into, at, n);
                position += n;
                return n;
            }

            private boolean fill() {
                if (end) {
                    return false;
                }
                chunk = DataClient.bytes(node.send(DataOp.BLOB_READ, executionId, blob, null, null, offset, StepRecord.CHUNK_BYTES));
                position = 0;
                offset += chunk.length;
                end = chunk.length == 0;
                return !end;
            }
        };
    }
}
