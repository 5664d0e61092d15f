package dev.skyfn.core.cloud;

import java.util.ArrayList;
import java.util.List;

/**
 * The lines of a trace file that carry data: CSV, blank lines and lines starting with {@code #}
 * skipped, each line's fields split on commas (empty ones kept) and named for errors by file and
 * line number, counted from 1.
 */
final class TraceLines {

    /** One line of data: where it is ({@code prices.csv line 3}), as written (stripped), and its fields. */
    record Line(String where, String text, String[] fields) {
    }

    private TraceLines() {
    }

    static List<Line> of(String name, List<String> lines) {
        List<Line> data = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (!line.isEmpty() && !line.startsWith("#")) {
                data.add(new Line(name + " line " + (i + 1), line, line.split(",", -1)));
            }
        }
        return data;
    }
}
