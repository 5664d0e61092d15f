package dev.skyfn.sandbox;

import dev.skyfn.core.wire.LogLine;

/** Where an invocation's log lines go: to the node, through the {@link LogShipper}. */
@FunctionalInterface
interface LogSink {

    void add(String invocationId, String function, LogLine.Kind kind, String text);
}
