package dev.skyfn.node.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FleetLogsTest {

    private static FleetLogs.Line line(String node, long seq, long millis) {
        return new FleetLogs.Line(node, seq, Instant.ofEpochMilli(millis), "inv", "f", "info", node + "#" + seq);
    }

    private static List<String> texts(FleetLogs.Merged merged) {
        return merged.lines().stream().map(FleetLogs.Line::text).toList();
    }

    @Test
    void linesOfEveryNodeAreMergedInTimeOrderTiesByNodeThenSequence() {
        var merged = FleetLogs.merge(FleetLogs.Cursor.START, List.of(
                FleetLogs.Answer.of("b", List.of(line("b", 1, 10), line("b", 2, 30), line("b", 3, 30))),
                FleetLogs.Answer.of("a", List.of(line("a", 7, 20), line("a", 8, 30)))), 100);
        assertThat(texts(merged)).containsExactly("b#1", "a#7", "a#8", "b#2", "b#3");
        assertThat(merged.next().after()).isEqualTo(Map.of("a", 8L, "b", 3L));
        assertThat(merged.unreachable()).isEmpty();
    }

    @Test
    void theLimitKeepsTheLatestLinesAndTheCursorPassesTheOlderOnes() {
        var merged = FleetLogs.merge(FleetLogs.Cursor.START, List.of(
                FleetLogs.Answer.of("a", List.of(line("a", 1, 1), line("a", 2, 2), line("a", 3, 5))),
                FleetLogs.Answer.of("b", List.of(line("b", 1, 3), line("b", 2, 4)))), 2);
        assertThat(texts(merged)).containsExactly("b#2", "a#3");
        assertThat(merged.next().after()).isEqualTo(Map.of("a", 3L, "b", 2L));
    }

    @Test
    void aNodeWithNothingNewOrNoAnswerKeepsItsPlaceAndOneThatDidNotAnswerIsNamed() {
        var from = new FleetLogs.Cursor(Map.of("a", 4L, "b", 9L, "gone", 2L));
        var merged = FleetLogs.merge(from, List.of(
                FleetLogs.Answer.of("a", List.of()),
                FleetLogs.Answer.none("b"),
                FleetLogs.Answer.of("c", List.of(line("c", 1, 1)))), 100);
        assertThat(texts(merged)).containsExactly("c#1");
        assertThat(merged.next().after()).as("a node that left keeps its place too: it may come back")
                .isEqualTo(Map.of("a", 4L, "b", 9L, "gone", 2L, "c", 1L));
        assertThat(merged.unreachable()).containsExactly("b");
    }

    @Test
    void aCursorSurvivesItsTokenAndNamesNodesWithAnyCharacters() {
        var cursor = new FleetLogs.Cursor(Map.of("spot-eu-1", 12L, "odd=name", 3L, "ünïcode", 0L));
        assertThat(FleetLogs.Cursor.parse(cursor.token())).isEqualTo(cursor);
        assertThat(cursor.token()).matches("[A-Za-z0-9_-]+");
        assertThat(FleetLogs.Cursor.parse(FleetLogs.Cursor.START.token())).isEqualTo(FleetLogs.Cursor.START);
        assertThat(cursor.after("elsewhere")).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"not base64!", "a=1\nb", "a=-3", "a=x", "=4", "a=1\na=2"})
    void aTokenNoAnswerGaveIsRefused(String text) {
        String token = text.equals("not base64!") ? text
                : Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> FleetLogs.Cursor.parse(token)).isInstanceOf(IllegalArgumentException.class);
    }
}
