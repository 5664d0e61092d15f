package dev.skyfn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TopViewTest {

    /** Buckets of 100, 200, 400 and 800 µs holding 10, 20, 30 and 40 calls. */
    private static final TreeMap<Long, Long> BUCKETS = new TreeMap<>(Map.of(100L, 10L, 200L, 20L, 400L, 30L, 800L, 40L));

    @ParameterizedTest
    @CsvSource({
            "0.05, 50",     // half of the first bucket
            "0.10, 100",
            "0.20, 150",    // half of the second
            "0.50, 333.33", // a third into the third: 50 - 30 = 20 of 30
            "0.99, 790",    // 99 - 60 = 39 of 40 into 400–800
            "1.00, 800"})
    void aQuantileIsInterpolatedWithinItsBucket(double q, double micros) {
        assertThat(TopView.quantile(BUCKETS, q)).isCloseTo(micros, org.assertj.core.data.Offset.offset(0.01));
    }

    @Test
    void noCallsHaveNoQuantile() {
        assertThat(TopView.quantile(new TreeMap<>(), 0.5)).isNaN();
        assertThat(TopView.quantile(new TreeMap<>(Map.of(100L, 0L)), 0.5)).isNaN();
    }

    private static JsonNode stats(String json) {
        return Client.parse(json.replace('\'', '"').getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static String fn(String app, String function, long calls, long errors, String durations, long cold, int inFlight) {
        return "{'tenant':'acme','app':'" + app + "','function':'" + function + "','calls':" + calls + ",'errors':{" + (errors > 0
                ? "'TIMEOUT':" + errors : "") + "},'durations':[" + durations + "],'coldStarts':" + cold + ",'coldStartMs':0,'inFlight':"
                + inFlight + "}";
    }

    private static String row(String frame, String name) {
        return frame.lines().filter(l -> l.startsWith(name + " ")).findFirst().orElseThrow(() -> new AssertionError(name + " in\n" + frame));
    }

    @Test
    void ratesQuantilesAndColdStartsAreOfTheWindowSummedOverNodesAndFunctions() {
        JsonNode before = stats("{'nodes':[{'node':'a-1','cloud':'a','functions':["
                + fn("shop", "order", 100, 1, "{'leMicros':100,'calls':100}", 1, 0) + "," + fn("shop", "pay", 0, 0, "", 1, 0) + "]},"
                + "{'node':'b-1','cloud':'b','functions':[" + fn("shop", "order", 50, 0, "{'leMicros':100,'calls':50}", 0, 0) + "]}],"
                + "'unreachable':[]}");
        // in 2 s: a-1 ran 20 orders at ≤ 100 µs and 20 pays at ≤ 800 µs, with one cold start of shop; b-1 restarted and ran 10 at ≤ 400 µs
        JsonNode now = stats("{'nodes':[{'node':'a-1','cloud':'a','functions':["
                + fn("shop", "order", 120, 3, "{'leMicros':100,'calls':120}", 2, 3) + ","
                + fn("shop", "pay", 20, 0, "{'leMicros':800,'calls':20}", 2, 3)
                + "],'apps':[{'tenant':'acme','app':'shop','costUsd':0.000125}]},"
                + "{'node':'b-1','cloud':'b','functions':[" + fn("shop", "order", 10, 0, "{'leMicros':400,'calls':10}", 0, 0) + "],"
                + "'apps':[{'tenant':'acme','app':'shop','costUsd':0.00002}]}],"
                + "'unreachable':['c-1']}");
        String frame = TopView.render(before, now, Duration.ofSeconds(2), "12:00:00");

        assertThat(frame).startsWith("skyfn top  12:00:00  window 2.0 s  2 node(s) in 2 cloud(s)")
                .contains("no answer from c-1: their counts are missing");
        // 50 calls: 20 at ≤ 100 µs, 10 at ≤ 400, 20 at ≤ 800; p50 is the 25th: 5 of the 10 in 100–400 µs
        // the cost so far is each node's own sum, added across nodes: not a rate, and not of the window
        assertThat(row(frame, "shop").split("\\s+")).containsExactly("shop", "25.0", "1.0", "0.25", "0.79", "1", "3", "0.000145", "2",
                "node(s)");
        assertThat(row(frame, "a-1").split("\\s+")).as("cold starts and calls running count once per app")
                .containsExactly("a-1", "20.0", "1.0", "0.10", "0.79", "1", "3", "0.000125", "1", "app(s)");
        assertThat(row(frame, "b").split("\\s+")).containsExactly("b", "5.0", "0.0", "0.20", "0.40", "0", "0", "0.000020", "1", "node(s)");
    }

    @Test
    void aWindowWithoutCallsShowsNoQuantilesAndSeveralTenantsAreNamed() {
        String one = "{'nodes':[{'node':'a-1','cloud':'a','functions':[" + fn("shop", "order", 5, 0, "{'leMicros':100,'calls':5}", 0, 0)
                + "," + fn("shop", "order", 5, 0, "{'leMicros':100,'calls':5}", 0, 0).replace("acme", "globex") + "]}],'unreachable':[]}";
        String frame = TopView.render(stats(one), stats(one), Duration.ofSeconds(1), "12:00:00");
        assertThat(row(frame, "acme/shop").split("\\s+")).containsExactly("acme/shop", "0.0", "0.0", "-", "-", "0", "0", "0.000000", "0",
                "node(s)");
        assertThat(frame).contains("globex/shop").doesNotContain("no answer");
    }
}
