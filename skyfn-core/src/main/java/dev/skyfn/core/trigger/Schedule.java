package dev.skyfn.core.trigger;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronConstraintsFactory;
import com.cronutils.model.definition.CronDefinition;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When a schedule trigger fires: a rate ({@code rate(5 minutes)}; {@code rate(10 seconds)} too, which
 * EventBridge does not offer) or a cron expression as Amazon
 * EventBridge writes it ({@code cron(0 12 * * ? *)}: minutes, hours, day of month, month, day of
 * week, year, with {@code ?}, {@code L}, {@code W} and {@code #}), or a standard five-field cron
 * ({@code 0 12 * * 1-5}), read in a time zone (UTC by default). A rate's ticks fall on whole
 * multiples of its period since the epoch (every 5 minutes: :00, :05, …), so that every node
 * computes the same ticks. Cron expressions are read by cron-utils.
 */
public final class Schedule {

    /** What a trigger does with ticks it missed (its nodes were down): fire only the latest, or each in turn. */
    public enum Missed { SKIP, CATCH_UP }

    private static final Pattern RATE = Pattern.compile("rate\\((\\d+) (second|seconds|minute|minutes|hour|hours|day|days)\\)");
    private static final Pattern AWS_CRON = Pattern.compile("cron\\((.*)\\)");
    private static final CronParser EVENTBRIDGE = new CronParser(CronDefinitionBuilder.defineCron()
            .withMinutes().withValidRange(0, 59).and()
            .withHours().withValidRange(0, 23).and()
            .withDayOfMonth().withValidRange(1, 31).supportsL().supportsW().supportsLW().supportsQuestionMark().and()
            .withMonth().withValidRange(1, 12).and()
            .withDayOfWeek().withValidRange(1, 7).withMondayDoWValue(2).supportsHash().supportsL().supportsQuestionMark().and()
            .withYear().withValidRange(1970, 2199).and()
            .withCronValidation(CronConstraintsFactory.ensureEitherDayOfWeekOrDayOfMonth())
            .instance());
    private static final CronParser UNIX = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    /** The last year a cron expression may name. */
    private static final int LAST_YEAR = 2199;
    /** How far ahead the cron library surely looks for a tick (it looks about a century). */
    private static final int HORIZON_YEARS = 90;

    private final String expression;
    private final ZoneId zone;
    private final Missed missed;
    /** The period of a rate; null for a cron expression. */
    private final Duration period;
    private final ExecutionTime cron;

    private Schedule(String expression, ZoneId zone, Missed missed, Duration period, ExecutionTime cron) {
        this.expression = expression;
        this.zone = zone;
        this.missed = missed;
        this.period = period;
        this.cron = cron;
    }

    /** Reads an expression; IllegalArgumentException saying what is wrong with it. */
    public static Schedule parse(String expression, String zone, Missed missed) {
        ZoneId id;
        try {
            id = zone == null ? ZoneId.of("UTC") : ZoneId.of(zone);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("'" + zone + "' is not a time zone (Europe/Paris, UTC, …)");
        }
        String text = expression.strip();
        Matcher rate = RATE.matcher(text);
        if (rate.matches() && !id.normalized().equals(java.time.ZoneOffset.UTC)) {
            throw new IllegalArgumentException("a rate has no time zone: its ticks fall on whole multiples of its period since the epoch"
                    + " (rate(1 day) at 00:00 UTC); a cron(…) fires at a time of day in a time zone");
        }
        if (rate.matches()) {
            // more digits than a long holds are as out of range as a million and one
            long n = rate.group(1).length() > 9 ? Long.MAX_VALUE : Long.parseLong(rate.group(1));
            if (n > 1_000_000) {
                throw new IllegalArgumentException("'" + expression + "': a rate is at most 1000000 of its unit (" + rate.group(2) + ")");
            }
            if (n < 1 || n == 1 != !rate.group(2).endsWith("s")) {
                throw new IllegalArgumentException("'" + expression + "': a rate is 1 second, minute, hour or day, or N of them (5 minutes)");
            }
            Duration unit = switch (rate.group(2).replaceFirst("s$", "")) {
                case "second" -> Duration.ofSeconds(1);
                case "minute" -> Duration.ofMinutes(1);
                case "hour" -> Duration.ofHours(1);
                default -> Duration.ofDays(1);
            };
            return new Schedule(text, id, missed, unit.multipliedBy(n), null);
        }
        if (text.startsWith("rate")) {
            throw new IllegalArgumentException("'" + expression + "': a rate is written rate(5 minutes), rate(1 hour) or rate(2 days)");
        }
        Matcher aws = AWS_CRON.matcher(text);
        ExecutionTime times;
        try {
            Cron cron = aws.matches() ? EVENTBRIDGE.parse(aws.group(1).strip()) : UNIX.parse(text);
            cron.validate();
            times = ExecutionTime.forCron(cron);
        } catch (IllegalArgumentException e) {
            // the library says "Both … are not supported" of two '?' as well
            String why = e.getMessage() != null && e.getMessage().contains("Both, a day-of-week AND a day-of-month")
                    ? "one of day-of-month and day-of-week is '?' and the other is not" : e.getMessage();
            throw new IllegalArgumentException("'" + expression + "' is not a schedule: " + (aws.matches() ? "" : "not rate(…) nor cron(…) "
                    + "as EventBridge writes them, and as a five-field cron: ") + why);
        }
        if (!firesEver(times, id)) {
            throw new IllegalArgumentException("'" + expression + "' never fires: no date matches it (a 30th of February, a 31st of April,"
                    + " or a time a daylight-saving change skips)");
        }
        return new Schedule(text, id, missed, null, times);
    }

    /**
     * Whether a cron has any tick from 1970 to the last year a cron names (2199): the library looks
     * about a century ahead of where it starts, so it starts every {@link #HORIZON_YEARS}.
     */
    private static boolean firesEver(ExecutionTime times, ZoneId zone) {
        for (int year = 1970; year <= LAST_YEAR; year += HORIZON_YEARS) {
            try {
                if (times.nextExecution(ZonedDateTime.of(year, 1, 1, 0, 0, 0, 0, zone).minusSeconds(1)).isPresent()) {
                    return true;
                }
            } catch (DateTimeException noSuchDate) {
                // a weekday nearest a day no month of the cron has (31W in April): not a date
            }
        }
        return false;
    }

    public String expression() {
        return expression;
    }

    public ZoneId zone() {
        return zone;
    }

    public Missed missed() {
        return missed;
    }

    /** The first tick strictly after {@code after}; empty when the schedule never fires again (a cron's last year passed). */
    public java.util.Optional<Instant> next(Instant after) {
        if (period != null) {
            long p = period.toMillis();
            return java.util.Optional.of(Instant.ofEpochMilli(Math.floorDiv(after.toEpochMilli(), p) * p + p));
        }
        ZonedDateTime from = ZonedDateTime.ofInstant(after, zone);
        for (int tries = 0; tries < 24 && from.getYear() <= LAST_YEAR; tries++) {
            try {
                java.util.Optional<ZonedDateTime> next = cron.nextExecution(from);
                if (next.isPresent()) {
                    return next.map(ZonedDateTime::toInstant);
                }
                // none within the library's horizon (about a century): look again past it
                from = from.plusYears(HORIZON_YEARS);
            } catch (DateTimeException noSuchDate) {
                // the library found a day no date is (31W in April): look again from the next month on
                from = from.withDayOfMonth(1).toLocalDate().atStartOfDay(zone).plusMonths(1).minusSeconds(1);
            }
        }
        return java.util.Optional.empty();
    }

    /**
     * The ticks to fire at {@code now}, oldest first, when the last one fired was {@code lastFired}:
     * those after it and at or before now — only the latest with {@link Missed#SKIP}, each (at most
     * {@code max}, the most recent) with {@link Missed#CATCH_UP}; none when no tick came.
     */
    public List<Instant> due(Instant lastFired, Instant now, int max) {
        List<Instant> ticks = period != null ? rateTicks(lastFired, now, missed == Missed.SKIP ? 1 : max) : cronTicks(lastFired, now, max);
        if (missed == Missed.SKIP && ticks.size() > 1) {
            return List.of(ticks.getLast());
        }
        return ticks;
    }

    /** A rate's last {@code max} ticks after {@code lastFired} and at or before {@code now}, counted, not walked: a month of seconds is no loop. */
    private List<Instant> rateTicks(Instant lastFired, Instant now, int max) {
        long p = period.toMillis();
        long first = Math.floorDiv(lastFired.toEpochMilli(), p) + 1;
        long last = Math.floorDiv(now.toEpochMilli(), p);
        List<Instant> ticks = new ArrayList<>();
        for (long n = Math.max(first, last - max + 1); n <= last; n++) {
            ticks.add(Instant.ofEpochMilli(n * p));
        }
        return ticks;
    }

    /**
     * A cron's last {@code max} ticks after {@code lastFired} and at or before {@code now}, walked
     * from {@code lastFired}; the walk stops at a next tick that is not later than the one before,
     * which a cron library's daylight-saving edge could give, rather than loop forever.
     */
    private List<Instant> cronTicks(Instant lastFired, Instant now, int max) {
        List<Instant> ticks = new ArrayList<>();
        Instant t = lastFired;
        while (true) {
            var next = next(t);
            if (next.isEmpty() || next.get().isAfter(now) || !next.get().isAfter(t)) {
                break;
            }
            t = next.get();
            ticks.add(t);
            if (ticks.size() > max) {
                ticks.removeFirst();
            }
        }
        return ticks;
    }

    @Override
    public String toString() {
        return expression + (zone.getId().equals("UTC") ? "" : " in " + zone) + ", missed ticks: " + missed.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
