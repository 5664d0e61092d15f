package dev.skyfn.events;

import dev.skyfn.core.trigger.Event;
import dev.skyfn.core.trigger.EventLog;
import dev.skyfn.core.trigger.Subjects;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The listeners of {@link EventLog#listen} on one machine, by group: an event goes to one listener
 * of each group that wants it, the group's listeners in turn — as a NATS queue group hands a
 * publication to one of its members.
 */
final class Listeners {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Listeners.class);

    private record Listening(String tenant, String pattern, Consumer<Event> each) {
        boolean wants(Event e) {
            return e.tenant().equals(tenant) && Subjects.matches(pattern, e.subject());
        }
    }

    private final Map<String, List<Listening>> groups = new ConcurrentHashMap<>();
    private final AtomicInteger turn = new AtomicInteger();

    EventLog.Listener add(String group, String tenant, String pattern, Consumer<Event> each) {
        Listening listening = new Listening(tenant, pattern, each);
        groups.computeIfAbsent(group, g -> new CopyOnWriteArrayList<>()).add(listening);
        return () -> groups.computeIfPresent(group, (g, members) -> {
            members.remove(listening);
            return members.isEmpty() ? null : members;
        });
    }

    /** Hands {@code e}, just kept, to one listener of each group that wants it, on this thread. */
    void hand(Event e) {
        if (groups.isEmpty()) {
            return;
        }
        for (Map.Entry<String, List<Listening>> group : groups.entrySet()) {
            List<Listening> wanting = group.getValue().stream().filter(l -> l.wants(e)).toList();
            if (wanting.isEmpty()) {
                continue;
            }
            Listening to = wanting.get(Math.floorMod(turn.getAndIncrement(), wanting.size()));
            try {
                to.each().accept(e);
            } catch (RuntimeException failed) {
                LOG.warn("events: the listener of {} failed on event {}: {}", group.getKey(), e.id(), failed.getMessage());
            }
        }
    }
}
