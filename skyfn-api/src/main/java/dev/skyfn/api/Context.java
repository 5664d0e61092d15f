package dev.skyfn.api;

import java.time.Duration;
import java.time.Instant;

/** What a function knows about the invocation it is running. */
public interface Context {

    /** The id of this invocation; every log line and error of it carries the same id. */
    String invocationId();

    String app();

    String function();

    /** When the platform stops waiting for this invocation. */
    Instant deadline();

    /** Time left until {@link #deadline()}, never negative. */
    Duration remainingTime();

    /** A logger whose lines are tagged with this invocation's id. */
    Log log();
}
