package dev.skyfn.core.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * What happened to one state of an execution, as the interpreter reports it: the execution's
 * history, and SAND's backup of steps in flight (ENTERED is "processing", SUCCEEDED or FAILED is
 * "finished"; a resumed execution does not run again a Task or Wait whose outcome was recorded).
 *
 * @param key     the step's place in the execution, stable across re-runs: {@code Resize},
 *                {@code Resize#2} on a second visit, {@code Thumbs[3]/Resize} for item 3 of a Map
 * @param data    ENTERED: the effective input; SUCCEEDED: the result; WAITING: the time waited until
 * @param attempt 1 for the first try of a Task, one more for each retry
 */
public record Step(String key, String state, String type, Phase phase, Instant at, JsonNode data,
                   String error, String cause, int attempt) {

    /** Where a step is. */
    public enum Phase { ENTERED, WAITING, RETRYING, SUCCEEDED, FAILED }

    /** Whether this record settles the step's outcome, so a re-run can use it instead of running the step. */
    public boolean settles() {
        return phase == Phase.SUCCEEDED || phase == Phase.FAILED || phase == Phase.WAITING;
    }
}
