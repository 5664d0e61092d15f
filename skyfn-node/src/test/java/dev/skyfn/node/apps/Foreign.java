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

    public static class Cloud implements HttpFunction {
        @Override
        public void service(HttpRequest request, HttpResponse response) throws Exception {
            response.setContentType("text/plain; charset=utf-8");
            response.getWriter().write("gcf " + request.getMethod() + " " + request.getPath()
                    + " name=" + request.getFirstQueryParameter("name").orElse("?"));
        }
    }
}
