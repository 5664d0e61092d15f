package dev.skyfn.sandbox;

import dev.skyfn.api.State;

/**
 * What an invocation's context reaches out to: where its log lines go, how it calls functions,
 * how values are mapped, the app's state and the node's data operations. Any may be null in a
 * context that cannot use it (tests).
 */
record Services(LogSink log, FunctionCaller caller, Codec codec, State state, DataClient data) {
}
