package dev.skyfn.core.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A UTC clock that stands still until a test sets or moves it, or moves by a step at each reading. */
public final class ManualClock extends Clock {

    private volatile Instant now;
    private final Duration step;

    public ManualClock(Instant start) {
        this(start, Duration.ZERO);
    }

    /** A clock that reads {@code start}, then moves on by {@code step} after each reading. */
    public ManualClock(Instant start, Duration step) {
        this.now = start;
        this.step = step;
    }

    public void set(Instant instant) {
        now = instant;
    }

    public void advance(Duration by) {
        now = now.plus(by);
    }

    @Override
    public synchronized Instant instant() {
        Instant read = now;
        now = read.plus(step);
        return read;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
