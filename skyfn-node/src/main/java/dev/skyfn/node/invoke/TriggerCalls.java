package dev.skyfn.node.invoke;

import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.wire.Payload;
import dev.skyfn.events.Functions;
import java.time.Duration;
import java.util.function.Predicate;

/** The calls triggers make, through the node's dispatch (the best node of a fleet) and its async queue. */
public final class TriggerCalls implements Functions {

    private final Dispatch dispatch;
    private final Async async;
    private final Predicate<String> handles;

    public TriggerCalls(Dispatch dispatch, Async async, Predicate<String> handles) {
        this.dispatch = dispatch;
        this.async = async;
        this.handles = handles;
    }

    @Override
    public Result call(AppKey app, String function, Payload input, String invocationId, Duration timeout) {
        try {
            Outcome o = dispatch.dispatch(dispatch.resolve(app, function), input, invocationId, false, timeout, null);
            return o.ok() ? new Result(o.payload(), null, null) : new Result(null, o.error().code().name(), o.error().message());
        } catch (dev.skyfn.core.SkyfnException e) {
            return new Result(null, e.code().name(), e.getMessage());
        }
    }

    @Override
    public void submitOnce(AppKey app, String function, Payload input, String invocationId) {
        async.submitOnce(dispatch.resolve(app, function), input, null, invocationId);
    }

    @Override
    public boolean handles(String tenant) {
        return handles.test(tenant);
    }
}
