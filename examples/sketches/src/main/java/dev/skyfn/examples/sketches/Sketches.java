package dev.skyfn.examples.sketches;

import dev.skyfn.api.Store;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.kll.KllDoublesSketch;

/**
 * The three sketches of the clicks seen so far, kept together as one value of the app's global
 * state (so that one compare-and-set updates all three): page views in a Count-Min sketch,
 * distinct users in a HyperLogLog, page load times in a KLL quantiles sketch.
 */
record Sketches(CountMinSketch views, HllSketch users, KllDoublesSketch loadTimes) {

    static final String KEY = "sketches";

    static Sketches empty() {
        return new Sketches(new CountMinSketch(5, 2048), new HllSketch(12), KllDoublesSketch.newHeapInstance());
    }

    static Optional<Sketches> read(Store state) {
        return state.get(KEY).map(Sketches::fromBytes);
    }

    /** Applies {@code change} to the sketches in {@code state}, again if another call changed them meanwhile. */
    static Sketches update(Store state, UnaryOperator<Sketches> change) {
        while (true) {
            byte[] old = state.get(KEY).orElse(null);
            Sketches next = change.apply(old == null ? empty() : fromBytes(old));
            if (state.compareAndSet(KEY, old, next.toBytes())) {
                return next;
            }
        }
    }

    byte[] toBytes() {
        byte[] v = views.toBytes();
        byte[] u = users.toCompactByteArray();
        byte[] l = loadTimes.toByteArray();
        return ByteBuffer.allocate(12 + v.length + u.length + l.length)
                .putInt(v.length).put(v).putInt(u.length).put(u).putInt(l.length).put(l).array();
    }

    static Sketches fromBytes(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        return new Sketches(CountMinSketch.fromBytes(next(in)), HllSketch.heapify(next(in)),
                KllDoublesSketch.heapify(java.lang.foreign.MemorySegment.ofArray(next(in))));
    }

    private static byte[] next(ByteBuffer in) {
        byte[] part = new byte[in.getInt()];
        in.get(part);
        return part;
    }
}
