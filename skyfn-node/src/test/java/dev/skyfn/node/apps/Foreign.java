package dev.skyfn.node.apps;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.google.cloud.functions.HttpFunction;
import com.google.cloud.functions.HttpRequest;
import com.google.cloud.functions.HttpResponse;
import java.util.Map;

/** Handlers written for AWS Lambda and Google Cloud Functions, unchanged. */
public final class Foreign {

    private Foreign() {
    }

    public static class Lambda implements RequestHandler<Map<String, Object>, Map<String, Object>> {
        @Override
        public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
            context.getLogger().log("lambda got " + event);
            return Map.of("echo", event, "requestId", context.getAwsRequestId(), "version", context.getFunctionVersion());
        }
    }

    /** A handler of an HTTP API, as {@code sam init} writes one: the request's parts back, two cookies set. */
    public static class HttpApi implements RequestHandler<com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent,
            com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse> {
        @Override
        public com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse handleRequest(
                com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent event, Context context) {
            return com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse.builder().withStatusCode(200)
                    .withHeaders(Map.of("content-type", "text/plain"))
                    .withCookies(java.util.List.of("seen=1; Path=/", "last=" + event.getRawPath() + "; Expires=Wed, 21 Oct 2026 07:28:00 GMT"))
                    .withBody(event.getRequestContext().getHttp().getMethod() + " " + event.getRawPath() + " tag="
                            + event.getQueryStringParameters().get("tag") + " cookies=" + event.getCookies() + " body=" + event.getBody()
                            + " from=" + event.getRequestContext().getHttp().getSourceIp())
                    .build();
        }
    }

    /** A handler as Lambda's docs often show one: a plain class, named with its method. */
    public static class Plain {
        public String greet(Map<String, Object> event, Context context) {
            return "hello " + event.get("name") + " from " + context.getFunctionName();
        }
    }

    /** A Lambda handler that refuses its input. */
    public static class Refusing implements RequestHandler<Map<String, Object>, String> {
        @Override
        public String handleRequest(Map<String, Object> event, Context context) {
            throw new IllegalArgumentException("no order " + event.get("order"));
        }
    }

    /** A Cloud Functions CloudEvents function: it says in its log what it got. */
    public static class Events implements com.google.cloud.functions.CloudEventsFunction {
        @Override
        public void accept(io.cloudevents.CloudEvent event) {
            System.out.println("event " + event.getType() + " " + event.getId() + " "
                    + new String(event.getData().toBytes(), java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    /** A Cloud Functions upload handler: the form's parts, by name. */
    public static class Upload implements HttpFunction {
        @Override
        public void service(HttpRequest request, HttpResponse response) throws Exception {
            for (var part : new java.util.TreeMap<>(request.getParts()).entrySet()) {
                response.getWriter().write(part.getKey() + "=" + part.getValue().getFileName().orElse("-") + ":"
                        + part.getValue().getContentLength() + ";");
            }
        }
    }

    public static class Cloud implements HttpFunction {
        @Override
        public void service(HttpRequest request, HttpResponse response) throws Exception {
            response.setContentType("text/plain; charset=utf-8");
            response.getWriter().write("gcf " + request.getMethod() + " " + request.getPath()
                    + " name=" + request.getFirstQueryParameter("name").orElse("?"));
        }
    }

    /** A Lambda handler configured by its environment, read as it is created, in its call and on a thread it starts. */
    public static class Configured implements RequestHandler<Map<String, Object>, Map<String, Object>> {
        private final String table = System.getenv("TABLE");

        @Override
        public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
            var onThread = new java.util.concurrent.atomic.AtomicReference<String>();
            Thread t = new Thread(() -> onThread.set(System.getenv("LOG_LEVEL")));
            t.start();
            try {
                t.join();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            var seen = new java.util.TreeMap<String, Object>();
            for (String name : new String[] {"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
                "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_EXECUTION_ENV", "_HANDLER", "LOG_LEVEL", "K_SERVICE"}) {
                seen.put(name, String.valueOf(System.getenv(name)));
            }
            seen.put("created", table);
            seen.put("thread", onThread.get());
            seen.put("all", System.getenv().get("AWS_LAMBDA_FUNCTION_NAME") + " " + System.getenv().containsKey("PATH"));
            return seen;
        }
    }

    /** A Cloud Functions HTTP function that says what its environment tells it. */
    public static class ConfiguredWeb implements HttpFunction {
        @Override
        public void service(HttpRequest request, HttpResponse response) throws Exception {
            response.getWriter().write(System.getenv("K_SERVICE") + " " + System.getenv("FUNCTION_SIGNATURE_TYPE") + " "
                    + System.getenv("FUNCTION_TARGET") + " " + System.getenv("TABLE") + " " + System.getenv("AWS_REGION"));
        }
    }

    /** A plain skyfn function: the app's variables, none of another platform's. */
    public static class Native implements java.util.function.Function<String, String> {
        @Override
        public String apply(String name) {
            return System.getenv("TABLE") + " " + System.getenv("LOG_LEVEL") + " " + System.getenv("AWS_REGION");
        }
    }

    /** A function of JSON trees, of the Jackson the app bundles: amounts must keep every digit they came with. */
    public static class Tree implements java.util.function.Function<com.fasterxml.jackson.databind.JsonNode, com.fasterxml.jackson.databind.JsonNode> {
        @Override
        public com.fasterxml.jackson.databind.JsonNode apply(com.fasterxml.jackson.databind.JsonNode order) {
            ((com.fasterxml.jackson.databind.node.ObjectNode) order).put("seen", order.get("amount").getClass().getSimpleName());
            return order;
        }
    }
}
