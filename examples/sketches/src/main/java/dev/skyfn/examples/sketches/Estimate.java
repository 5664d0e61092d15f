package dev.skyfn.examples.sketches;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;

/** Answers from the sketches: a page's views (an upper bound), the distinct users, and the median and p99 load times. */
public class Estimate implements Handler<Estimate.Question, Estimate.Answer> {

    public record Question(String page) {
    }

    public record Answer(String page, long views, long clicks, long distinctUsers, double loadMsP50, double loadMsP99) {
    }

    @Override
    public Answer handle(Question q, Context ctx) {
        Sketches s = Sketches.read(ctx.state().global()).orElseGet(Sketches::empty);
        boolean timed = !s.loadTimes().isEmpty();
        return new Answer(q.page(), q.page() == null ? 0 : s.views().estimate(q.page()), s.views().total(),
                Math.round(s.users().getEstimate()),
                timed ? s.loadTimes().getQuantile(0.5, QuantileSearchCriteria.INCLUSIVE) : 0,
                timed ? s.loadTimes().getQuantile(0.99, QuantileSearchCriteria.INCLUSIVE) : 0);
    }
}
