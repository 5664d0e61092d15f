package dev.skyfn.billing;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.core.Documents;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The versioned table of other providers' price models bills compare with
 * ({@code dev/skyfn/billing/prices.yaml}, documented in the README).
 *
 * @param version the table's date
 * @param models  by id, in the file's order
 */
public record PriceTable(String version, Map<String, PriceModel> models) {

    private static final Set<String> FIELDS = Set.of("name", "source", "request", "gbSecond", "vcpuSecond", "granularityMs",
            "minimumMs", "memoryStepMb", "maxMemoryMb", "vcpuByMemory", "vcpuPerGb", "freeTier");
    private static final Set<String> REQUIRED = Set.of("name", "source", "request", "gbSecond", "granularityMs");

    /** The table shipped with skyfn. */
    public static PriceTable standard() {
        try (InputStream in = PriceTable.class.getResourceAsStream("prices.yaml")) {
            return read(in.readAllBytes(), "prices.yaml");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads a table; IllegalArgumentException naming {@code source}, the model and the field when it is malformed. */
    public static PriceTable read(byte[] yaml, String source) {
        JsonNode root;
        try {
            root = Documents.YAML.readTree(yaml);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(source + ": " + Documents.why(e), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (root == null || !root.path("version").isTextual() || !root.path("models").isObject() || root.get("models").isEmpty()) {
            throw new IllegalArgumentException(source + ": a price table has a version and at least one model under models");
        }
        Map<String, PriceModel> models = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.get("models").fields(); it.hasNext(); ) {
            var e = it.next();
            models.put(e.getKey(), model(e.getKey(), e.getValue(), source + ": model '" + e.getKey() + "'"));
        }
        return new PriceTable(root.get("version").asText(), java.util.Collections.unmodifiableMap(models));
    }

    private static PriceModel model(String id, JsonNode m, String where) {
        if (!m.isObject()) {
            throw new IllegalArgumentException(where + " is not a mapping");
        }
        for (Iterator<String> names = m.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new IllegalArgumentException(where + " has an unknown field '" + name + "'");
            }
        }
        for (String name : REQUIRED) {
            if (!m.has(name)) {
                throw new IllegalArgumentException(where + " has no '" + name + "'");
            }
        }
        List<double[]> rows = new ArrayList<>();
        for (JsonNode row : m.path("vcpuByMemory")) {
            if (!row.isArray() || row.size() != 2 || !row.get(0).isNumber() || !row.get(1).isNumber()
                    || (!rows.isEmpty() && row.get(0).asDouble() <= rows.getLast()[0])) {
                throw new IllegalArgumentException(where + ": vcpuByMemory rows are [memoryMb, vcpu], memory ascending");
            }
            rows.add(new double[]{row.get(0).asDouble(), row.get(1).asDouble()});
        }
        JsonNode free = m.path("freeTier");
        var tier = free.isMissingNode() ? PriceModel.FreeTier.NONE
                : new PriceModel.FreeTier(count(free, "requests", where + " freeTier"), amount(free, "gbSeconds", where + " freeTier"),
                amount(free, "vcpuSeconds", where + " freeTier"));
        long granularity = count(m, "granularityMs", where);
        if (granularity < 1) {
            throw new IllegalArgumentException(where + ": granularityMs is at least 1");
        }
        return new PriceModel(id, m.get("name").asText(), m.get("source").asText(), amount(m, "request", where),
                amount(m, "gbSecond", where), amount(m, "vcpuSecond", where), granularity, count(m, "minimumMs", where),
                (int) Math.max(1, count(m, "memoryStepMb", where)), (int) count(m, "maxMemoryMb", where), List.copyOf(rows),
                amount(m, "vcpuPerGb", where), tier);
    }

    private static double amount(JsonNode m, String field, String where) {
        JsonNode v = m.path(field);
        if (v.isMissingNode()) {
            return 0;
        }
        if (!v.isNumber() || v.asDouble() < 0) {
            throw new IllegalArgumentException(where + ": " + field + " is a number, 0 or more, not " + v);
        }
        return v.asDouble();
    }

    private static long count(JsonNode m, String field, String where) {
        JsonNode v = m.path(field);
        if (v.isMissingNode()) {
            return 0;
        }
        if (!v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < 0) {
            throw new IllegalArgumentException(where + ": " + field + " is a whole number, 0 or more, not " + v);
        }
        return v.asLong();
    }
}
