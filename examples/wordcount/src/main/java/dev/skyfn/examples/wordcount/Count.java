package dev.skyfn.examples.wordcount;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import dev.skyfn.api.Namespace;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The map step: counts the words of one chunk and shuffles the counts, each word to its partition's
 * namespace ({@code word\tcount} lines under the chunk's key). Putting the same chunk twice, as a
 * re-run after a crash would, replaces it.
 */
public class Count implements Handler<Job.Chunk, Job.Mapped> {

    @Override
    public Job.Mapped handle(Job.Chunk chunk, Context ctx) {
        Map<String, Long> counts = new HashMap<>();
        long words = 0;
        for (String word : chunk.text().toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}']+")) {
            String w = word.replaceAll("^'+|'+$", "");
            if (!w.isEmpty()) {
                counts.merge(w, 1L, Long::sum);
                words++;
            }
        }
        StringBuilder[] shares = new StringBuilder[chunk.partitions()];
        for (int p = 0; p < shares.length; p++) {
            shares[p] = new StringBuilder();
        }
        counts.forEach((w, n) -> shares[Math.floorMod(w.hashCode(), shares.length)].append(w).append('\t').append(n).append('\n'));
        Namespace job = ctx.ephemeral(Job.namespace(chunk.job()));
        for (int p = 0; p < shares.length; p++) {
            job.child("p" + p).putString("chunk-" + chunk.index(), shares[p].toString());
        }
        return new Job.Mapped(chunk.index(), words);
    }
}
