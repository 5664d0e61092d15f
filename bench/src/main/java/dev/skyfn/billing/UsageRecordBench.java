package dev.skyfn.billing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The parts of a call's usage record, each alone (ns a record): its canonical bytes written from
 * the function's stencil into a reused buffer ({@code canonical}); the SHA-256 leaf hash of those
 * bytes, RFC 9162 §2.1.1 ({@code leafHash}); a whole {@link Ledger#append} — the bytes, the
 * journal's copy and the index ({@code append}, into a fresh ledger each iteration, hashed and
 * signed by nothing); and the verifier's fold of a multi-proof for every other leaf of a tree of
 * {@value #FOLDED} into its root ({@code fold}, ms; the halves of large subtrees on two threads).
 * In this package because the canonical writer is the ledger's own. Run pinned to one CPU for the
 * per-record parts, as a node's call thread is in the HTTP benches; the fold uses two.
 *
 * <p>Run: {@code taskset -c 0 bench/run jmh UsageRecordBench.canonical UsageRecordBench.leafHash UsageRecordBench.append};
 * {@code bench/run jmh UsageRecordBench.fold}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class UsageRecordBench {

    static final int FOLDED = 1 << 20;

    /** Records of one function, as a node writes them: a new invocation id and start each time. */
    private final UsageRecord[] records = new UsageRecord[1024];
    private final CanonicalRecord.Ascii scratch = new CanonicalRecord.Ascii(CanonicalRecord.SIZE);
    private byte[] leaf;
    private int next;
    private Path dir;
    private Ledger ledger;

    @Setup(Level.Trial)
    public void records() {
        var prices = new UsageRecord.UnitPrices(0.0000166667, 0.0000114, 0.0000002, 0.09);
        for (int i = 0; i < records.length; i++) {
            String invocation = java.util.UUID.randomUUID().toString();
            long start = 1_796_000_000_000L + i;
            records[i] = new UsageRecord("acme", "hello",
                    "noop", UsageRecord.Kind.invocation, invocation, "node-a1b2c3", "aws-us-east-1", start, 1, 128, 1, 1, 0, false, "ok",
                    12L, null, prices);
        }
        leaf = records[0].canonical();
    }

    @Setup(Level.Iteration)
    public void ledger() throws IOException {
        dir = Files.createTempDirectory("skyfn-bench-ledger");
        ledger = Ledger.open(dir, SigningKey.generate(), Clock.systemUTC());
    }

    @TearDown(Level.Iteration)
    public void closed() throws IOException {
        ledger.close();
        dev.skyfn.control.AtomicFiles.deleteTree(dir);
    }

    @Benchmark
    public int canonical() {
        return CanonicalRecord.write(records[next++ & (records.length - 1)], scratch).size();
    }

    @Benchmark
    public byte[] leafHash() {
        return MerkleTree.leafHash(leaf);
    }

    @Benchmark
    public long append() {
        return ledger.append(records[next++ & (records.length - 1)]);
    }

    /** A tree of {@value #FOLDED} leaves and a multi-proof of every other one. */
    @State(Scope.Benchmark)
    public static class Proof {
        long[] indices;
        byte[][] hashes;
        List<byte[]> proof;

        @Setup(Level.Trial)
        public void proof() {
            MerkleTree tree = new MerkleTree();
            byte[][] leaves = new byte[FOLDED][];
            for (int i = 0; i < FOLDED; i++) {
                leaves[i] = MerkleTree.leafHash(("entry " + i).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                tree.append(leaves[i]);
            }
            indices = java.util.stream.LongStream.range(0, FOLDED).filter(i -> i % 2 == 0).toArray();
            hashes = new byte[indices.length][];
            for (int i = 0; i < indices.length; i++) {
                hashes[i] = leaves[(int) indices[i]];
            }
            proof = tree.multiProof(indices, FOLDED);
        }
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 3, time = 2)
    @Measurement(iterations = 5, time = 2)
    public byte[] fold(Proof p) {
        return MerkleTree.rootFrom(p.indices, p.hashes, p.proof, FOLDED).orElseThrow();
    }
}
