package dev.skyfn.node.invoke;

import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.wire.Message;
import dev.skyfn.node.sandbox.Sandbox;

/** Where sandboxes running workflow executions report their steps and send their large values. */
public interface ExecutionSink {

    void progress(AppKey app, Sandbox from, Message.Progress progress);

    /** A blob operation of an execution; answer with {@link Sandbox#answer}. */
    void blob(AppKey app, Sandbox from, Message.Data op);

    ExecutionSink NONE = new ExecutionSink() {
        @Override
        public void progress(AppKey app, Sandbox from, Message.Progress progress) {
        }

        @Override
        public void blob(AppKey app, Sandbox from, Message.Data op) {
            from.answer(new Message.Failure(op.id(), dev.skyfn.core.ErrorCode.UNAVAILABLE.name(), "this node runs no workflows", ""));
        }
    };
}
