package dev.skyfn.core.workflow;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A state machine in the Amazon States Language subset skyfn runs: where it starts, its states by
 * name, and how long an execution may take (null: no limit). Parallel branches and Map item
 * processors are definitions of their own.
 */
public record Definition(String startAt, Map<String, StateDef> states, Duration timeout) {

    public Definition {
        states = Collections.unmodifiableMap(new LinkedHashMap<>(states));
    }
}
