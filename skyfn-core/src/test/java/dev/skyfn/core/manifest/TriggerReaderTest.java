package dev.skyfn.core.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.trigger.Schedule;
import dev.skyfn.core.trigger.Trigger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TriggerReaderTest {

    private static List<Trigger> triggers(String yaml) {
        String manifest = "app: shop\nfunctions:\n  order:\n    handler: a.B\n    triggers:\n" + yaml.indent(6);
        return ManifestReader.read(manifest.getBytes(StandardCharsets.UTF_8)).functions().get("order").triggers();
    }

    @Test
    void readsSchedulesWithTheirZonePolicyAndInput() {
        List<Trigger> t = triggers("""
                - schedule: cron(0 12 * * ? *)
                  timezone: Europe/Paris
                  missed: catch-up
                  input: {report: daily}
                - schedule: rate(10 seconds)
                """);
        var first = (Trigger.OnSchedule) t.get(0);
        assertThat(first.index()).isZero();
        assertThat(first.schedule().zone().getId()).isEqualTo("Europe/Paris");
        assertThat(first.schedule().missed()).isEqualTo(Schedule.Missed.CATCH_UP);
        assertThat(first.input().get("report").asText()).isEqualTo("daily");
        var second = (Trigger.OnSchedule) t.get(1);
        assertThat(second.index()).isEqualTo(1);
        assertThat(second.schedule().missed()).isEqualTo(Schedule.Missed.SKIP);
        assertThat(second.input()).isNull();
    }

    @Test
    void readsATopicWithItsDefaults() {
        var t = (Trigger.OnTopic) triggers("- topic: orders.*\n").getFirst();
        assertThat(t).isEqualTo(new Trigger.OnTopic(0, "orders.*", Trigger.Batch.ONE, 3, Duration.ofSeconds(1),
                "dead-letter.shop.order", false, Optional.empty(), false));
    }

    @Test
    void readsATopicDeliveredAtMostOnceAsOneAttemptOfOneEventUnordered() {
        var t = (Trigger.OnTopic) triggers("- {topic: orders.*, delivery: at-most-once, deadLetter: lost, output: seen}\n").getFirst();
        assertThat(t).isEqualTo(new Trigger.OnTopic(0, "orders.*", Trigger.Batch.ONE, 1, Duration.ofSeconds(1),
                "lost", false, Optional.of("seen"), true));
        var explicit = (Trigger.OnTopic) triggers("- {topic: orders.*, delivery: at-least-once}\n").getFirst();
        assertThat(explicit.atMostOnce()).isFalse();
        var unordered = (Trigger.OnTopic) triggers("- {topic: orders.*, delivery: at-most-once, ordering: none}\n").getFirst();
        assertThat(unordered.keyOrdered()).isFalse();
    }

    @Test
    void readsEverySettingOfATopic() {
        var t = (Trigger.OnTopic) triggers("""
                - topic: clicks.>
                  batch: {size: 100, window: 1s}
                  maxAttempts: 5
                  backoff: 200ms
                  deadLetter: clicks-failed
                  ordering: key
                  output: counts
                """).getFirst();
        assertThat(t).isEqualTo(new Trigger.OnTopic(0, "clicks.>", new Trigger.Batch(100, Duration.ofSeconds(1)), 5,
                Duration.ofMillis(200), "clicks-failed", true, Optional.of("counts"), false));
    }

    @Test
    void readsAStateTriggerAsAnOrderedSubscriptionToTheAppsChanges() {
        var t = (Trigger.OnState) triggers("- {state: carts/, maxAttempts: 5}\n").getFirst();
        assertThat(t).isEqualTo(new Trigger.OnState(0, "carts/", 5, Duration.ofSeconds(1), "dead-letter.shop.order"));
        assertThat(t.asTopic("shop")).isEqualTo(new Trigger.OnTopic(0, "$state.shop", Trigger.Batch.ONE, 5, Duration.ofSeconds(1),
                "dead-letter.shop.order", true, Optional.empty(), false));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            - schedule: cron(61 12 * * ? *)                  | functions.order.triggers[0].schedule: 'cron(61 12 * * ? *)' is not a schedule
            - schedule: every day                            | functions.order.triggers[0].schedule: 'every day' is not a schedule
            - schedule: cron(0 0 30 2 ? *)                   | functions.order.triggers[0].schedule: 'cron(0 0 30 2 ? *)' never fires: no date matches it
            - schedule: 0 0 31 4 *                           | functions.order.triggers[0].schedule: '0 0 31 4 *' never fires: no date matches it
            - schedule: cron(0 0 31W 4 ? *)                  | functions.order.triggers[0].schedule: 'cron(0 0 31W 4 ? *)' never fires: no date matches it
            - {schedule: rate(1 hour), timezone: Mars/Base}  | functions.order.triggers[0].timezone: 'Mars/Base' is not a time zone
            - {schedule: rate(1 hour), timezone: Europe/Paris} | functions.order.triggers[0].timezone: a rate has no time zone
            - {schedule: rate(1 hour), missed: later}        | functions.order.triggers[0].missed: 'later' is not one of skip, catch-up
            - {schedule: rate(1 hour), topic: a}             | functions.order.triggers[0]: a trigger has one of
            - {state: 3}                                     | functions.order.triggers[0].state: expected a prefix
            - {state: a, topic: b}                           | functions.order.triggers[0]: a trigger has one of
            - {topik: a.b}                                   | or 'state' (a prefix of the app's global keys); found 'topik'
            - {}                                             | or 'state' (a prefix of the app's global keys); found none
            - {schedule: null}                               | functions.order.triggers[0].schedule: is empty: give rate(5 minutes)
            - {topic: null, batch: {size: 2}}                | functions.order.triggers[0].topic: is empty: give a subject
            - {topic: orders created}                        | functions.order.triggers[0].topic: 'orders created' is not a subject: token 'orders created'
            - {topic: orders..eu}                            | functions.order.triggers[0].topic: 'orders..eu' is not a subject: an empty token
            - {topic: orders.>.eu}                           | functions.order.triggers[0].topic: 'orders.>.eu' is not a subject: token '>'
            - {topic: a, deadLetter: a.*}                    | functions.order.triggers[0].deadLetter: 'a.*' is not a subject: token '*'
            - {topic: a.*, output: a.b}                      | functions.order.triggers[0].output: 'a.b' is a subject of the trigger's own topic
            - {topic: a.>, deadLetter: a.dead}               | functions.order.triggers[0].deadLetter: 'a.dead' is a subject of the trigger's own topic
            - {topic: a, batch: {size: 0}}                   | functions.order.triggers[0].batch.size: 0 is out of range 1..10000
            - {topic: a, batch: {sise: 2}}                   | functions.order.triggers[0].batch.sise: unknown field
            - {topic: a, maxAttempts: 0}                     | functions.order.triggers[0].maxAttempts: 0 is out of range 1..100
            - {topic: a, ordering: time}                     | functions.order.triggers[0].ordering: 'time' is not one of none, key
            - {topic: a, schedul: x}                         | functions.order.triggers[0].schedul: unknown field
            - {topic: a, delivery: exactly-once}             | functions.order.triggers[0].delivery: 'exactly-once' is not one of at-least-once, at-most-once
            - {topic: a, delivery: at-most-once, maxAttempts: 3} | functions.order.triggers[0].maxAttempts: 'maxAttempts' needs delivery: at-least-once
            - {topic: a, delivery: at-most-once, batch: {size: 5}} | functions.order.triggers[0].batch: 'batch' needs delivery: at-least-once
            - {topic: a, delivery: at-most-once, ordering: key} | functions.order.triggers[0].ordering: 'ordering' needs delivery: at-least-once
            - {topic: a, delivery: [at-most-once]}           | functions.order.triggers[0].delivery: '["at-most-once"]' is not one of
            - {topic: a, delivery: at-most-once, backoff: 1s} | functions.order.triggers[0].backoff: 'backoff' needs delivery: at-least-once
            """)
    void refusesABadTriggerNamingItsField(String yaml, String message) {
        assertThatThrownBy(() -> triggers(yaml)).isInstanceOf(SkyfnException.class)
                .satisfies(e -> assertThat(((SkyfnException) e).code()).isEqualTo(ErrorCode.MANIFEST_INVALID))
                .hasMessageContaining(message);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            cron(0 0 1 1 ? 2071)     | 2071-01-01T00:00:00Z
            cron(0 0 1 1 ? 2199)     | 2199-01-01T00:00:00Z
            cron(0 0 29 2 ? *)       | 2028-02-29T00:00:00Z
            cron(0 0 31W * ? *)      | 2026-12-31T00:00:00Z
            """)
    void aScheduleThatFiresOnlyFarAheadOrRarelyIsTaken(String cron, String next) {
        var t = (Trigger.OnSchedule) triggers("- schedule: '" + cron + "'\n").getFirst();
        assertThat(t.schedule().next(java.time.Instant.parse("2026-12-05T00:00:00Z"))).contains(java.time.Instant.parse(next));
    }

    @Test
    void refusesAScheduleWhoseTicksHaveAllPassed() {
        Manifest manifest = ManifestReader.read("""
                app: shop
                functions:
                  order:
                    handler: a.B
                    triggers: [{schedule: rate(1 hour)}, {schedule: "cron(0 12 1 1 ? 2020)"}]
                """.getBytes(StandardCharsets.UTF_8));
        manifest.requireTicksAfter(java.time.Instant.parse("2019-06-01T00:00:00Z"));
        assertThatThrownBy(() -> manifest.requireTicksAfter(java.time.Instant.parse("2020-01-01T12:00:00Z")))
                .isInstanceOfSatisfying(SkyfnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MANIFEST_INVALID))
                .hasMessageContaining("functions.order.triggers[1].schedule: 'cron(0 12 1 1 ? 2020)' has no tick after 2020-01-01T12:00:00Z");
    }

    @Test
    void refusesTriggersThatAreNotAList() {
        assertThatThrownBy(() -> triggers("schedule: rate(1 hour)\n")).hasMessageContaining("functions.order.triggers: expected a list");
    }
}
