package dev.skyfn.examples.etl;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import java.util.LinkedHashMap;
import java.util.Map;

/** A day's totals ("2026-12-01"; today when the input is empty), those of the minutes not compacted yet, and the rejects. */
public class Report implements Handler<String, Map<String, Object>> {

    @Override
    public Map<String, Object> handle(String day, Context ctx) {
        String date = day == null || day.isBlank() ? java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString() : day.strip();
        var state = ctx.state().global();
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("day", date);
        report.put("totals", state.getString("day/" + date).orElse(Totals.NONE.format()));
        Map<String, String> open = new LinkedHashMap<>();
        for (String minute : Minutes.read(state)) {
            state.getString("minute/" + minute).ifPresent(t -> open.put(minute, t));
        }
        report.put("openMinutes", open);
        report.put("rejects", Long.parseLong(state.getString("rejects").orElse("0")));
        report.put("lastReject", state.getString("rejects/last").orElse(null));
        return report;
    }
}
