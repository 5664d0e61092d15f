package dev.skyfn.node.apps;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import dev.skyfn.api.HttpRequest;
import dev.skyfn.api.HttpResponse;
import java.util.List;
import java.util.function.Function;

/** Well-behaved functions of each shape the API allows. */
public final class Typed {

    private Typed() {
    }

    public record Order(String item, int quantity, List<String> tags) {
    }

    public record Quote(String item, int quantity, double total, String invocationId) {
    }

    public static class Price implements Handler<Order, Quote> {
        @Override
        public Quote handle(Order order, Context ctx) {
            return new Quote(order.item(), order.quantity(), order.quantity() * 1.25, ctx.invocationId());
        }
    }

    public static class Length implements Function<String, Integer> {
        @Override
        public Integer apply(String s) {
            return s.length();
        }
    }

    public static class Web implements Handler<HttpRequest, HttpResponse> {
        @Override
        public HttpResponse handle(HttpRequest req, Context ctx) {
            String auth = req.header("authorization");
            return HttpResponse.text(req.method().equals("POST") ? 201 : 200,
                    req.method() + " " + req.path() + "?" + req.query() + " body=" + req.bodyAsString()
                            + " auth=" + (auth == null ? "none" : "present"))
                    .withHeader("x-served-by", ctx.function());
        }
    }

    /** Says what reached it of the caller's request. */
    public static class Headers implements Handler<HttpRequest, String> {
        @Override
        public String handle(HttpRequest req, Context ctx) {
            return "x-trace=" + req.header("x-trace") + " auth=" + (req.header("authorization") == null ? "none" : "present")
                    + " query=" + req.query() + " type=" + req.header("content-type") + " body=" + req.bodyAsString();
        }
    }

    public static class NotAFunction {
        public String apply(String s) {
            return s;
        }
    }

    /**
     * Answers with the status its request's path names ({@code /204}) and a body, posing as the
     * platform in its {@code X-Skyfn-*} headers.
     */
    public static class AnyStatus implements Handler<HttpRequest, HttpResponse> {
        @Override
        public HttpResponse handle(HttpRequest req, Context ctx) {
            return HttpResponse.text(Integer.parseInt(req.path().substring(1)), "x").withHeader("X-Skyfn-Node", "forged")
                    .withHeader("X-Skyfn-Invocation-Id", "forged").withHeader("x-mine", "kept");
        }
    }

    /** Tries to split the response with a header value holding a line break. */
    public static class SplitsHeaders implements Handler<HttpRequest, HttpResponse> {
        @Override
        public HttpResponse handle(HttpRequest req, Context ctx) {
            return HttpResponse.text(200, "ok").withHeader("x-evil", "a\r\nSet-Cookie: session=stolen");
        }
    }
}
