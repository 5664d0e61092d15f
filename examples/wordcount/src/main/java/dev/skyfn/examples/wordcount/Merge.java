package dev.skyfn.examples.wordcount;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import java.util.List;

/** Puts the partitions' results together and removes the job's namespace. */
public class Merge implements Handler<Merge.Results, Merge.Summary> {

    public record Results(String job, List<Job.Mapped> mapped, List<Job.Reduced> reduced) {
    }

    public record Summary(long words, long distinct, int chunks, int partitions, List<Job.WordCount> top) {
    }

    @Override
    public Summary handle(Results results, Context ctx) {
        long mappedWords = results.mapped().stream().mapToLong(Job.Mapped::words).sum();
        long reducedWords = results.reduced().stream().mapToLong(Job.Reduced::words).sum();
        if (mappedWords != reducedWords) {
            throw new IllegalStateException("the mappers counted " + mappedWords + " words but the reducers " + reducedWords);
        }
        List<Job.WordCount> top = results.reduced().stream().flatMap(r -> r.top().stream())
                .sorted(Reduce.byCount()).limit(Reduce.TOP).toList();
        ctx.ephemeral(Job.namespace(results.job())).remove();
        return new Summary(reducedWords, results.reduced().stream().mapToLong(Job.Reduced::distinct).sum(),
                results.mapped().size(), results.reduced().size(), top);
    }
}
