package dev.skyfn.node.http;

import dev.skyfn.api.HttpRequest;
import dev.skyfn.control.api.Api;
import dev.skyfn.control.api.Paths;
import dev.skyfn.control.pkg.HandlerInput;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.JsonErrors;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.AppCatalog;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.app.Authenticator;
import dev.skyfn.core.app.Caller;
import dev.skyfn.core.manifest.UrlAccess;
import dev.skyfn.core.wire.Payload;
import dev.skyfn.node.invoke.Async;
import dev.skyfn.node.invoke.AsyncInvocations;
import dev.skyfn.node.invoke.Ids;
import dev.skyfn.node.invoke.Dispatch;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The node's gateway: invoke a function (sync or async), look up an async invocation, and function
 * URLs that hand a whole HTTP request to a function.
 */
public final class Gateway implements HttpService {

    private static final HeaderName PREFER = HeaderNames.create("Prefer");
    /** Where the caller is, as a user region of the topology; without it, the gateway's own region. */
    public static final HeaderName REGION = HeaderNames.create("X-Skyfn-Region");

    private final Dispatch dispatch;
    private final Async async;
    private final Authenticator auth;
    private final long maxRequestBytes;
    private final Elsewhere elsewhere;
    private final dev.skyfn.node.tracing.Tracing tracing;
    private final RequestInputs requestInputs = new RequestInputs();

    /** A gateway for the apps of {@code catalog}. */
    public Gateway(Dispatch dispatch, Async async, Authenticator auth, long maxRequestBytes,
                   Elsewhere elsewhere, AppCatalog catalog, dev.skyfn.node.tracing.Tracing tracing) {
        this.tracing = tracing;
        catalog.subscribe(requestInputs);
        this.elsewhere = elsewhere;
        this.dispatch = dispatch;
        this.async = async;
        this.auth = auth;
        this.maxRequestBytes = maxRequestBytes;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/v1/apps/{app}/functions/{function}:invoke", ServerSpans.traced(tracing, "/v1/apps/{app}/functions/{function}:invoke",
                        this::invoke))
                .get("/v1/invocations/{id}", this::invocation)
                .any("/fn/{tenant}/{app}/{function}", ServerSpans.traced(tracing, "/fn/{tenant}/{app}/{function}", this::functionUrl))
                .any("/fn/{tenant}/{app}/{function}/*", ServerSpans.traced(tracing, "/fn/{tenant}/{app}/{function}/*", this::functionUrl));
    }

    private void invoke(ServerRequest req, ServerResponse res) {
        Caller caller = Api.caller(req, auth);
        Dispatch.Target target = dispatch.resolve(new AppKey(caller.tenant(), Api.param(req, "app")), Api.param(req, "function"));
        String type = req.headers().first(HeaderNames.CONTENT_TYPE).orElse("");
        byte[] body = Api.body(req, maxRequestBytes, ErrorCode.PAYLOAD_TOO_LARGE);
        HandlerInput.Kind takes = requestInputs.of(target.app(), target.spec());
        // a handler of the whole request gets the caller's headers and query (not its API key); others only what they read
        Payload input = takes == HandlerInput.Kind.REQUEST
                ? new Payload.Request(new HttpRequest("POST", "/", req.query().rawValue(), headers(req, true), body))
                : new Payload.Body(type, body);
        String region = region(req);
        if (wantsAsync(req)) {
            if (takes == HandlerInput.Kind.JSON && body.length > 0) {
                // a sync call hears this from the sandbox; an async caller would otherwise hear it only from the invocation's status
                JsonErrors.requireOneValue(body, "the input of " + target.app().name() + "/" + target.spec().name());
            }
            String id;
            try {
                id = async.submit(target, input, region);
            } catch (SkyfnException e) {
                // this node holds no key for the tenant's data (its trust policy keeps it off this cloud): a node serving the app does
                if (e.code() == ErrorCode.UNSEAL_FAILED
                        && Forwarding.send(res, elsewhere.toNodeServing(target.app().key(), Forwarding.request(req, body)))) {
                    return;
                }
                throw e;
            }
            res.header(HeaderNames.LOCATION, Paths.invocation(id)).header(Api.INVOCATION_ID, id);
            Api.json(res, 202, Map.of("invocationId", id, "status", "queued"));
            return;
        }
        Responses.send(res, dispatch.dispatch(target, input, Ids.next(), true, target.spec().timeout(), region),
                req.headers().first(Responses.ERROR_SHAPE).map(v -> v.equalsIgnoreCase("lambda")).orElse(false));
    }

    private static String region(ServerRequest req) {
        return req.headers().first(REGION).orElse(null);
    }

    static boolean wantsAsync(ServerRequest req) {
        return req.query().first("async").map(v -> v.equals("true")).orElse(false)
                || req.headers().first(PREFER).map(v -> v.contains("respond-async")).orElse(false);
    }

    private void invocation(ServerRequest req, ServerResponse res) {
        Caller caller = Api.caller(req, auth);
        String id = Api.param(req, "id");
        AsyncInvocations.Status s;
        try {
            s = async.get(caller.tenant(), id).orElse(null);
        } catch (SkyfnException e) {
            // its outcome is sealed with a key this node does not hold: a node of a cloud the tenant trusts reads it
            if (e.code() == ErrorCode.UNSEAL_FAILED && Forwarding.send(res, elsewhere.toNodeHolding(id, Forwarding.request(req, new byte[0])))) {
                return;
            }
            throw e;
        }
        if (s == null && Forwarding.send(res, elsewhere.toNodeHolding(id, Forwarding.request(req, new byte[0])))) {
            return;
        }
        if (s == null) {
            throw new SkyfnException(ErrorCode.INVOCATION_NOT_FOUND, "no async invocation " + id + " (results are kept for a limited time)");
        }
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("invocationId", s.invocationId());
        view.put("app", s.app());
        view.put("function", s.function());
        view.put("state", s.state().name().toLowerCase(Locale.ROOT));
        view.put("submitted", s.submitted());
        view.put("started", s.started());
        view.put("finished", s.finished());
        if (s.outcome() != null) {
            view.putAll(Responses.describe(s.outcome()));
        }
        Api.json(res, 200, view);
    }

    /** {@code /fn/{tenant}/{app}/{function}/...}: the whole request goes to the function, its response comes back. */
    private void functionUrl(ServerRequest req, ServerResponse res) {
        String tenant = Api.param(req, "tenant");
        String function = Api.param(req, "function");
        Dispatch.Target target = dispatch.resolve(new AppKey(tenant, Api.param(req, "app")), function);
        UrlAccess access = target.spec().url();
        if (access == UrlAccess.OFF) {
            throw new SkyfnException(ErrorCode.FUNCTION_NOT_FOUND, "function " + function + " has no URL ('url: off' in its manifest)");
        }
        if (access == UrlAccess.PRIVATE && !auth.open()) {
            Caller caller = Api.caller(req, auth);
            if (!caller.tenant().equals(tenant)) {
                throw new SkyfnException(ErrorCode.FORBIDDEN, "this function URL is private to its tenant");
            }
        }
        String prefix = "/fn/" + tenant + "/" + target.app().name() + "/" + function;
        String raw = req.path().rawPath();
        String rest = raw.length() > prefix.length() ? raw.substring(prefix.length()) : "/";
        var request = new HttpRequest(req.prologue().method().text(), rest, req.query().rawValue(),
                headers(req, access == UrlAccess.PRIVATE), Api.body(req, maxRequestBytes, ErrorCode.PAYLOAD_TOO_LARGE));
        Responses.send(res, dispatch.dispatch(target, new Payload.Request(request), Ids.next(), true, target.spec().timeout(), region(req)));
    }

    /**
     * Request headers by lower-case name; a private URL's API key is not passed on to the function.
     * The caller's address is appended to {@code x-forwarded-for}, as a proxy does (and as AWS's
     * function URLs do): its last entry is the peer this gateway saw, whatever the caller claims before it.
     */
    private static Map<String, List<String>> headers(ServerRequest req, boolean dropAuthorization) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (Header h : req.headers()) {
            String name = h.name().toLowerCase(Locale.ROOT);
            if (dropAuthorization && name.equals("authorization")) {
                continue;
            }
            headers.computeIfAbsent(name, n -> new ArrayList<>()).addAll(h.allValues());
        }
        if (req.remotePeer().address() instanceof java.net.InetSocketAddress peer && peer.getAddress() != null) {
            List<String> chain = headers.remove("x-forwarded-for");
            String before = chain == null ? "" : String.join(", ", chain) + ", ";
            headers.put("x-forwarded-for", List.of(before + peer.getAddress().getHostAddress()));
        }
        return headers;
    }
}
