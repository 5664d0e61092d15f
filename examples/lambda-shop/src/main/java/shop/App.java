package shop;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import java.util.HashMap;
import java.util.Map;

/** Handler for requests to the Lambda function, as {@code sam init}'s hello-world template writes it. */
public class App implements RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> {

    public APIGatewayProxyResponseEvent handleRequest(final APIGatewayProxyRequestEvent input, final Context context) {
        Map<String, String> headers = new HashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("X-Custom-Header", "application/json");
        APIGatewayProxyResponseEvent response = new APIGatewayProxyResponseEvent().withHeaders(headers);
        Map<String, String> query = input.getQueryStringParameters();
        String name = query == null || query.get("name") == null ? "world" : query.get("name");
        String output = String.format("{ \"message\": \"hello %s\", \"path\": \"%s\", \"method\": \"%s\" }", name, input.getPath(),
                input.getHttpMethod());
        return response.withStatusCode(200).withBody(output);
    }
}
