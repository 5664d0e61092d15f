package dev.skyfn.examples.etl;

import dev.skyfn.api.Store;
import java.nio.charset.StandardCharsets;
import java.util.TreeSet;
import java.util.function.Consumer;

/** The minutes that have totals not yet compacted, kept under {@code "minutes"} (the state has no listing of keys). */
final class Minutes {

    static final String KEY = "minutes";

    private Minutes() {
    }

    static TreeSet<String> read(Store state) {
        TreeSet<String> minutes = new TreeSet<>();
        state.getString(KEY).ifPresent(s -> {
            for (String m : s.split(" ")) {
                if (!m.isEmpty()) {
                    minutes.add(m);
                }
            }
        });
        return minutes;
    }

    static void update(Store state, Consumer<TreeSet<String>> change) {
        while (true) {
            byte[] old = state.get(KEY).orElse(null);
            TreeSet<String> minutes = read(state);
            if (old != null && !new String(old, StandardCharsets.UTF_8).equals(String.join(" ", minutes))) {
                continue; // changed between the two reads
            }
            change.accept(minutes);
            if (state.compareAndSet(KEY, old, String.join(" ", minutes).getBytes(StandardCharsets.UTF_8))) {
                return;
            }
        }
    }
}
