package dev.skyfn.control.scaling;

import java.util.ArrayList;
import java.util.List;

/**
 * What the fleet's autoscaler decided for one app lately, as {@code GET /v1/apps/{app}/scaling}
 * and {@code skyfn scaling APP} show it.
 *
 * @param latest  the last decision, whether it changed anything or not
 * @param changes the last decisions that changed the replica count, oldest first, at most {@link #KEPT}
 */
public record ScalingRecord(Entry latest, List<Entry> changes) {

    public static final int KEPT = 20;

    public ScalingRecord {
        changes = List.copyOf(changes);
    }

    /**
     * One decision.
     *
     * @param at        when, ISO-8601
     * @param node      the node that decided (the fleet's autoscaler runs on one node at a time)
     * @param ready     replicas the app had
     * @param replicas  replicas it was to have
     * @param stable    calls in flight averaged over the stable window
     * @param panic     calls in flight averaged over the panic window
     * @param panicking whether it was in panic mode
     * @param why       the decision in words
     */
    public record Entry(String at, String node, int ready, int replicas, double stable, double panic, boolean panicking, String why) {

        public static Entry of(ScalingDecision d, java.time.Instant at, String node) {
            return new Entry(at.truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString(), node, d.ready(), d.replicas(), round(d.stable()), round(d.panic()), d.panicking(), d.why());
        }

        private static double round(double v) {
            return Math.round(v * 100) / 100.0;
        }
    }

    /** This record with {@code next} as the latest decision, and among the changes if it is one. */
    public ScalingRecord with(Entry next) {
        List<Entry> kept = new ArrayList<>(changes);
        if (next.ready() != next.replicas()) {
            kept.add(next);
        }
        return new ScalingRecord(next, kept.subList(Math.max(0, kept.size() - KEPT), kept.size()));
    }
}
