package dev.skyfn.sandbox;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import java.nio.charset.StandardCharsets;

/** What an AWS Lambda handler sees as its context, answered from the skyfn invocation it runs in. */
final class AwsLambdaContext implements Context, LambdaLogger {

    private final InvocationContext ctx;
    private final int version;
    private final int memoryMb;

    /** {@code memoryMb}: the function's configured memory; 0 when not known, and the heap is said. */
    AwsLambdaContext(InvocationContext ctx, int version, int memoryMb) {
        this.ctx = ctx;
        this.version = version;
        this.memoryMb = memoryMb;
    }

    @Override
    public String getAwsRequestId() {
        return ctx.invocationId();
    }

    @Override
    public String getLogGroupName() {
        return logGroup(ctx.app());
    }

    /** The log group an app's functions are said to log to: skyfn keeps one log per app. */
    static String logGroup(String app) {
        return "/skyfn/" + app;
    }

    @Override
    public String getLogStreamName() {
        return ctx.function();
    }

    @Override
    public String getFunctionName() {
        return ctx.function();
    }

    @Override
    public String getFunctionVersion() {
        return Integer.toString(version);
    }

    @Override
    public String getInvokedFunctionArn() {
        return "skyfn:" + ctx.app() + ":" + ctx.function();
    }

    @Override
    public CognitoIdentity getIdentity() {
        return null;
    }

    @Override
    public ClientContext getClientContext() {
        return null;
    }

    @Override
    public int getRemainingTimeInMillis() {
        return (int) Math.min(Integer.MAX_VALUE, ctx.remainingTime().toMillis());
    }

    @Override
    public int getMemoryLimitInMB() {
        return memoryMb > 0 ? memoryMb : (int) (Runtime.getRuntime().maxMemory() >> 20);
    }

    @Override
    public LambdaLogger getLogger() {
        return this;
    }

    @Override
    public void log(String message) {
        ctx.info(message.stripTrailing());
    }

    @Override
    public void log(byte[] message) {
        log(new String(message, StandardCharsets.UTF_8));
    }
}
