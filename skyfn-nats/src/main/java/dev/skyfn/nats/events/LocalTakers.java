package dev.skyfn.nats.events;

import dev.skyfn.core.trigger.Event;
import dev.skyfn.core.trigger.EventLog;
import dev.skyfn.core.trigger.Subjects;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * The listeners of this node that may take an event published through it before NATS hands it to
 * their group ({@link EventLog#listen(String, String, String, java.util.function.Consumer, Predicate)}),
 * and the word that goes with the event to the group's other members: the {@value #HEADER} header,
 * the groups that took it, space-separated.
 */
final class LocalTakers {

    /** The header of an event sent ahead naming the groups a listener on the publishing node took it for. */
    static final String HEADER = "Skyfn-Taken-By";

    private record Taker(String group, String tenant, String pattern, Predicate<Event> takes) {
        boolean wants(Event e) {
            return e.tenant().equals(tenant) && Subjects.matches(pattern, e.subject());
        }
    }

    private final List<Taker> takers = new CopyOnWriteArrayList<>();

    /** Adds a taker; the runnable removes it. */
    Runnable add(String group, String tenant, String pattern, Predicate<Event> takes) {
        Taker taker = new Taker(group, tenant, pattern, takes);
        takers.add(taker);
        return () -> takers.remove(taker);
    }

    /**
     * Offers {@code e} to each taker that wants it, one taking it at most per group; the groups
     * that took it, as {@value #HEADER} says them, or null when none did. A taker that throws did
     * not take it.
     */
    String take(Event e) {
        if (takers.isEmpty()) {
            return null;
        }
        java.util.Set<String> taken = new java.util.LinkedHashSet<>();
        for (Taker t : takers) {
            if (t.wants(e) && !taken.contains(t.group()) && took(t, e)) {
                taken.add(t.group());
            }
        }
        return taken.isEmpty() ? null : String.join(" ", taken);
    }

    private static boolean took(Taker t, Event e) {
        try {
            return t.takes().test(e);
        } catch (RuntimeException failed) {
            return false;
        }
    }

    /** Whether {@code header} (the groups of {@value #HEADER}; null: none) names {@code group}. */
    static boolean takenBy(String header, String group) {
        if (header == null) {
            return false;
        }
        for (int from = 0; from <= header.length(); ) {
            int end = header.indexOf(' ', from);
            int to = end < 0 ? header.length() : end;
            if (to - from == group.length() && header.startsWith(group, from)) {
                return true;
            }
            from = to + 1;
        }
        return false;
    }
}
