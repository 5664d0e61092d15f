package dev.skyfn.node.http;

import dev.skyfn.control.api.Api;
import dev.skyfn.control.api.Paths;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.app.Authenticator;
import dev.skyfn.core.app.Caller;
import dev.skyfn.node.invoke.Invoker;
import dev.skyfn.node.workflow.Execution;
import dev.skyfn.node.workflow.Executions;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Workflow executions over HTTP: start one (waiting for its end, or not), see its status, output
 * and step history, list an app's, cancel one.
 */
public final class WorkflowApi implements HttpService {

    /** A synchronous start waits this long at most, then answers like an asynchronous one. */
    static final Duration MAX_SYNC_WAIT = Duration.ofMinutes(5);

    private final Executions executions;
    private final Invoker invoker;
    private final Authenticator auth;
    private final long maxRequestBytes;
    private final Elsewhere elsewhere;

    public WorkflowApi(Executions executions, Invoker invoker, Authenticator auth, long maxRequestBytes) {
        this(executions, invoker, auth, maxRequestBytes, Elsewhere.NOWHERE);
    }

    /** Workflow executions over HTTP, sending what this node cannot answer {@code elsewhere}. */
    public WorkflowApi(Executions executions, Invoker invoker, Authenticator auth, long maxRequestBytes, Elsewhere elsewhere) {
        this.elsewhere = elsewhere;
        this.executions = executions;
        this.invoker = invoker;
        this.auth = auth;
        this.maxRequestBytes = maxRequestBytes;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/v1/apps/{app}/workflows/{workflow}/executions", ServerSpans.traced(invoker.tracing(),
                        "/v1/apps/{app}/workflows/{workflow}/executions", this::start))
                .get("/v1/apps/{app}/workflows/{workflow}/executions", this::list)
                .get("/v1/apps/{app}/executions", this::list)
                .get("/v1/executions/{id}", this::get)
                .get("/v1/executions/{id}/output", this::output)
                .post("/v1/executions/{id}:cancel", this::cancel);
    }

    private void start(ServerRequest req, ServerResponse res) {
        Caller caller = Api.caller(req, auth);
        AppKey app = new AppKey(caller.tenant(), Api.param(req, "app"));
        byte[] input = Api.body(req, maxRequestBytes, ErrorCode.PAYLOAD_TOO_LARGE);
        if (!invoker.serves(app) && Forwarding.send(res, elsewhere.toNodeServing(app, Forwarding.request(req, input)))) {
            return;
        }
        Execution e = executions.start(app, Api.param(req, "workflow"), input);
        res.header(HeaderNames.LOCATION, Paths.execution(e.id()));
        if (Gateway.wantsAsync(req) || !awaitEnd(e)) {
            Api.json(res, 202, ExecutionViews.summary(e));
            return;
        }
        ExecutionViews.sendWithOutput(res, 200, ExecutionViews.summary(e), e, executions);
    }

    /** Waits for the execution to end, up to {@link #MAX_SYNC_WAIT}; false if it still runs. */
    private static boolean awaitEnd(Execution e) {
        try {
            e.done().get(MAX_SYNC_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            return e.status() != Execution.Status.RUNNING; // or another node took it over
        } catch (TimeoutException stillRunning) {
            return false;
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    private void list(ServerRequest req, ServerResponse res) {
        Caller caller = Api.caller(req, auth);
        AppKey app = new AppKey(caller.tenant(), Api.param(req, "app"));
        if (!invoker.serves(app) && Forwarding.send(res, elsewhere.toNodeServing(app, Forwarding.request(req, new byte[0])))) {
            return;
        }
        invoker.resolveApp(app);
        String workflow = req.path().pathParameters().contains("workflow") ? Api.param(req, "workflow") : null;
        Execution.Status status = req.query().first("status").map(WorkflowApi::status).orElse(null);
        int limit = req.query().first("limit").map(WorkflowApi::limit).orElse(100);
        Api.json(res, 200, Map.of("executions", executions.list(app, workflow, status, limit).stream().map(ExecutionViews::summary).toList()));
    }

    private static Execution.Status status(String s) {
        try {
            return Execution.Status.valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new SkyfnException(ErrorCode.BAD_REQUEST, "status: '" + s + "' is not one of running, succeeded, failed, timed_out, aborted");
        }
    }

    private static int limit(String s) {
        try {
            return Math.clamp(Integer.parseInt(s), 1, 10_000);
        } catch (NumberFormatException e) {
            throw new SkyfnException(ErrorCode.BAD_REQUEST, "limit: '" + s + "' is not a number");
        }
    }

    private void get(ServerRequest req, ServerResponse res) {
        Execution e = find(req, res);
        if (e == null) {
            return;
        }
        ExecutionViews.sendWithOutput(res, 200, ExecutionViews.history(e, executions), e, executions);
    }

    private void output(ServerRequest req, ServerResponse res) {
        Execution e = find(req, res);
        if (e == null) {
            return;
        }
        Execution.End end = e.end();
        if (end == null || end.status() != Execution.Status.SUCCEEDED) {
            throw new SkyfnException(ErrorCode.CONFLICT, "execution " + e.id() + " is " + e.status() + "; only a succeeded one has an output");
        }
        ExecutionViews.sendOutput(res, e, executions);
    }

    private void cancel(ServerRequest req, ServerResponse res) {
        Caller caller = Api.caller(req, auth);
        String id = Api.param(req, "id");
        if (executions.get(caller.tenant(), id).isEmpty() && Forwarding.send(res, elsewhere.toNodeHolding(id, Forwarding.request(req, new byte[0])))) {
            return;
        }
        Api.json(res, 200, ExecutionViews.summary(executions.cancel(caller.tenant(), id)));
    }

    /** The caller's execution named in the path, or null when another node answered for it. */
    private Execution find(ServerRequest req, ServerResponse res) {
        Caller caller = Api.caller(req, auth);
        String id = Api.param(req, "id");
        Execution e = executions.get(caller.tenant(), id).orElse(null);
        if (e == null && Forwarding.send(res, elsewhere.toNodeHolding(id, Forwarding.request(req, new byte[0])))) {
            return null;
        }
        if (e == null) {
            throw Executions.notFound(id);
        }
        return e;
    }

}
