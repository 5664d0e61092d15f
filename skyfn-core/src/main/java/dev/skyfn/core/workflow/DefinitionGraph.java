package dev.skyfn.core.workflow;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/** Checks a machine's states as a graph: where each goes next, whether all are reached and one ends it. */
final class DefinitionGraph {

    private DefinitionGraph() {
    }

    /** Next targets exist, every state can be reached from StartAt, and the machine can end. */
    static void check(Definition d, String at) {
        if (!d.states().containsKey(d.startAt())) {
            throw new IllegalArgumentException(at + "StartAt: '" + d.startAt() + "' is not a state");
        }
        Function<String, List<String>> targets = name -> successors(d.states().get(name));
        for (StateDef s : d.states().values()) {
            for (String next : successors(s)) {
                if (!d.states().containsKey(next)) {
                    throw new IllegalArgumentException(at + "state \"" + s.name() + "\": Next '" + next
                            + "' is not a state (states: " + String.join(", ", d.states().keySet()) + ")");
                }
            }
        }
        Set<String> reached = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(d.startAt()));
        boolean canEnd = false;
        while (!todo.isEmpty()) {
            String name = todo.pop();
            if (reached.add(name)) {
                StateDef s = d.states().get(name);
                canEnd |= ends(s);
                todo.addAll(targets.apply(name));
            }
        }
        for (String name : d.states().keySet()) {
            if (!reached.contains(name)) {
                throw new IllegalArgumentException(at + "state \"" + name + "\": unreachable from StartAt");
            }
        }
        if (!canEnd) {
            throw new IllegalArgumentException(at + "no state ends the machine (End: true, Succeed or Fail)");
        }
    }

    private static boolean ends(StateDef s) {
        return switch (s) {
            case StateDef.Succeed x -> true;
            case StateDef.Fail x -> true;
            case StateDef.Choice x -> false;
            default -> DefinitionReader.io(s).next() == null;
        };
    }

    private static List<String> successors(StateDef s) {
        List<String> next = new ArrayList<>();
        switch (s) {
            case StateDef.Choice c -> {
                c.choices().forEach(b -> next.add(b.next()));
                if (c.defaultNext() != null) {
                    next.add(c.defaultNext());
                }
            }
            case StateDef.Succeed x -> { }
            case StateDef.Fail x -> { }
            default -> {
                if (DefinitionReader.io(s).next() != null) {
                    next.add(DefinitionReader.io(s).next());
                }
            }
        }
        switch (s) {
            case StateDef.Task t -> t.catchers().forEach(c -> next.add(c.next()));
            case StateDef.Parallel p -> p.catchers().forEach(c -> next.add(c.next()));
            case StateDef.MapState m -> m.catchers().forEach(c -> next.add(c.next()));
            default -> { }
        }
        return next;
    }
}
