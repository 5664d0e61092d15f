package dev.skyfn.examples.wordcount;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import dev.skyfn.api.Namespace;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The reduce step: waits until every chunk has put its share in this partition's namespace (a
 * Jiffy notification, no polling), then adds the counts up.
 */
public class Reduce implements Handler<Job.Partition, Job.Reduced> {

    static final int TOP = 10;

    @Override
    public Job.Reduced handle(Job.Partition partition, Context ctx) {
        Namespace shares = ctx.ephemeral(Job.namespace(partition.job())).child("p" + partition.partition());
        if (!shares.awaitItems(partition.chunks(), ctx.remainingTime())) {
            throw new IllegalStateException("partition " + partition.partition() + " got " + shares.size() + " of "
                    + partition.chunks() + " chunks in time");
        }
        Map<String, Long> counts = new HashMap<>();
        for (String key : shares.keys()) {
            for (String line : shares.getString(key).orElse("").split("\n")) {
                int tab = line.indexOf('\t');
                if (tab > 0) {
                    counts.merge(line.substring(0, tab), Long.parseLong(line.substring(tab + 1)), Long::sum);
                }
            }
        }
        List<Job.WordCount> top = counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(TOP).map(e -> new Job.WordCount(e.getKey(), e.getValue())).toList();
        return new Job.Reduced(partition.partition(), counts.values().stream().mapToLong(Long::longValue).sum(), counts.size(), top);
    }

    static Comparator<Job.WordCount> byCount() {
        return Comparator.comparingLong(Job.WordCount::count).reversed().thenComparing(Job.WordCount::word);
    }
}
