package dev.skyfn.core.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ScheduleTest {

    @ParameterizedTest(name = "{0} in {1} after {2}: {3}")
    @CsvSource(delimiter = '|', textBlock = """
            rate(5 minutes)        | UTC          | 2026-12-01T11:52:30Z | 2026-12-01T11:55:00Z
            rate(1 minute)         | UTC          | 2026-12-01T11:55:00Z | 2026-12-01T11:56:00Z
            rate(10 seconds)       | UTC          | 2026-12-01T11:55:03Z | 2026-12-01T11:55:10Z
            rate(2 hours)          | UTC          | 2026-12-01T11:00:00Z | 2026-12-01T12:00:00Z
            rate(1 day)            | Etc/UTC      | 2026-12-01T11:00:00Z | 2026-12-02T00:00:00Z
            cron(0 12 * * ? *)     | UTC          | 2026-12-01T11:50:00Z | 2026-12-01T12:00:00Z
            cron(0 12 * * ? *)     | Europe/Paris | 2026-12-01T11:50:00Z | 2026-12-02T11:00:00Z
            cron(0/15 * * * ? *)   | UTC          | 2026-12-01T11:50:00Z | 2026-12-01T12:00:00Z
            cron(0 18 ? * MON-FRI *) | UTC        | 2026-12-04T19:00:00Z | 2026-12-07T18:00:00Z
            cron(0 10 ? * 6L 2026) | UTC          | 2026-12-01T00:00:00Z | 2026-12-25T10:00:00Z
            cron(0 8 1 * ? *)      | UTC          | 2026-12-01T08:00:00Z | 2027-01-01T08:00:00Z
            */5 * * * *            | UTC          | 2026-12-01T11:50:00Z | 2026-12-01T11:55:00Z
            0 9 * * 1-5            | America/New_York | 2026-12-05T00:00:00Z | 2026-12-07T14:00:00Z
            """)
    void firesOnTheNextTickOfItsExpressionInItsZone(String expression, String zone, String after, String next) {
        Schedule s = Schedule.parse(expression, zone, Schedule.Missed.SKIP);
        assertThat(s.next(Instant.parse(after))).contains(Instant.parse(next));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            rate(0 minutes)        | a rate is 1 second
            rate(5 minute)         | a rate is 1 second
            rate(1 minutes)        | a rate is 1 second
            rate(5 weeks)          | a rate is written rate(5 minutes)
            rate(1000001 seconds)  | a rate is at most 1000000 of its unit (seconds)
            rate(99999999999999999999 days) | a rate is at most 1000000 of its unit (days)
            cron(0 12 * * * *)     | one of day-of-month and day-of-week is '?' and the other is not
            cron(0 3 ? * ? *)      | one of day-of-month and day-of-week is '?' and the other is not
            cron(61 12 * * ? *)    | Value 61 not in range [0, 59]
            every day at noon      | not rate(…) nor cron(…)
            """)
    void refusesAMalformedExpressionSayingWhy(String expression, String why) {
        assertThatThrownBy(() -> Schedule.parse(expression, null, Schedule.Missed.SKIP))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(why);
        assertThatThrownBy(() -> Schedule.parse("rate(1 hour)", "Mars/Olympus", Schedule.Missed.SKIP))
                .hasMessageContaining("'Mars/Olympus' is not a time zone");
        // a rate's ticks are the epoch's: a zone would be ignored, so one other than UTC is refused
        assertThatThrownBy(() -> Schedule.parse("rate(1 day)", "Europe/Paris", Schedule.Missed.SKIP))
                .hasMessageStartingWith("a rate has no time zone");
    }

    @ParameterizedTest(name = "{0}, last {1}, now {2}, at most {3}: {4}")
    @CsvSource(delimiter = '|', textBlock = """
            SKIP     | 2026-12-01T12:00:00Z | 2026-12-01T12:04:59Z | 10 | ''
            SKIP     | 2026-12-01T12:00:00Z | 2026-12-01T12:05:00Z | 10 | 2026-12-01T12:05:00Z
            SKIP     | 2026-12-01T12:00:00Z | 2026-12-01T12:17:00Z | 10 | 2026-12-01T12:15:00Z
            CATCH_UP | 2026-12-01T12:00:00Z | 2026-12-01T12:17:00Z | 10 | 2026-12-01T12:05:00Z 2026-12-01T12:10:00Z 2026-12-01T12:15:00Z
            CATCH_UP | 2026-12-01T11:00:00Z | 2026-12-01T12:17:00Z | 2  | 2026-12-01T12:10:00Z 2026-12-01T12:15:00Z
            CATCH_UP | 2026-11-01T12:00:00Z | 2026-12-01T12:17:00Z | 2  | 2026-12-01T12:10:00Z 2026-12-01T12:15:00Z
            SKIP     | 2026-11-01T12:00:00Z | 2026-12-01T12:17:00Z | 10 | 2026-12-01T12:15:00Z
            CATCH_UP | 2026-12-01T12:03:00Z | 2026-12-01T12:10:00Z | 10 | 2026-12-01T12:05:00Z 2026-12-01T12:10:00Z
            CATCH_UP | 2026-12-01T12:15:00Z | 2026-12-01T12:15:00Z | 10 | ''
            """)
    void givesTheTicksDueByItsPolicyForMissedOnes(Schedule.Missed missed, String last, String now, int max, String due) {
        String[] expected = due.isEmpty() ? new String[0] : due.split(" ");
        Schedule rate = Schedule.parse("rate(5 minutes)", null, missed);
        assertThat(rate.due(Instant.parse(last), Instant.parse(now), max)).map(Instant::toString).containsExactly(expected);
        // the same ticks walked by a cron expression
        Schedule cron = Schedule.parse("cron(0/5 * * * ? *)", null, missed);
        assertThat(cron.due(Instant.parse(last), Instant.parse(now), max)).map(Instant::toString).containsExactly(expected);
    }

    @org.junit.jupiter.api.Test
    void aRateCountsItsTicksOverALongGapRatherThanWalkingThem() {
        Schedule everySecond = Schedule.parse("rate(1 second)", null, Schedule.Missed.CATCH_UP);
        Instant now = Instant.parse("2026-12-01T00:00:00Z");
        assertThat(everySecond.due(now.minus(java.time.Duration.ofDays(3650)), now, 3))
                .containsExactly(now.minusSeconds(2), now.minusSeconds(1), now);
    }
}
