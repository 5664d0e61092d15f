package dev.skyfn.examples.wordcount;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Cuts the documents into chunks at line ends, opens the job's namespace, and plans the mappers and reducers. */
public class Split implements Handler<Job.Request, Job.Plan> {

    @Override
    public Job.Plan handle(Job.Request request, Context ctx) {
        int chunks = Math.max(1, request.chunks());
        int partitions = Math.max(1, request.partitions());
        StringBuilder all = new StringBuilder();
        for (Job.Document d : request.documents()) {
            all.append(d.text()).append('\n');
        }
        List<Job.Chunk> pieces = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < chunks; i++) {
            int end = i == chunks - 1 ? all.length() : lineEndAfter(all, (int) ((long) all.length() * (i + 1) / chunks));
            pieces.add(new Job.Chunk(request.job(), i, partitions, all.substring(start, Math.max(start, end))));
            start = Math.max(start, end);
        }
        // the shuffle lives as long as the job needs it, and goes when the job's lease ends
        ctx.ephemeral(Job.namespace(request.job())).renew(Duration.ofMinutes(10));
        List<Job.Partition> reducers = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            reducers.add(new Job.Partition(request.job(), p, chunks));
        }
        return new Job.Plan(request.job(), pieces, reducers);
    }

    private static int lineEndAfter(CharSequence text, int from) {
        for (int i = Math.min(from, text.length()); i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                return i + 1;
            }
        }
        return text.length();
    }
}
