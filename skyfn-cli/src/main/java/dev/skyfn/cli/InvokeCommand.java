package dev.skyfn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code skyfn invoke APP/FUNCTION}: the result goes to standard output as it came. */
@Command(name = "invoke", mixinStandardHelpOptions = true, description = "Invoke a function and print its result.")
final class InvokeCommand implements Callable<Integer> {

    @Mixin
    ClientOptions api;

    @Parameters(paramLabel = "APP/FUNCTION")
    String target;

    @Option(names = {"-d", "--data"}, description = "the request body (JSON or text)")
    String data;

    @Option(names = "--data-file", description = "read the request body from this file")
    Path dataFile;

    @Option(names = "--content-type", description = "media type of the body (default ${DEFAULT-VALUE})", defaultValue = "application/json")
    String contentType;

    @Option(names = "--async", description = "return at once with an invocation id; see 'skyfn invocation ID'")
    boolean async;

    @Option(names = {"-v", "--verbose"}, description = "print the invocation id, cold start or warm, this command's round trip (its HTTP client's start included) and the node that ran it to standard error, a failed call's too")
    boolean verbose;

    @Override
    public Integer call() throws IOException {
        String[] parts = target.split("/", 2);
        if (parts.length != 2) {
            throw new CliException("name the function as APP/FUNCTION, e.g. hello/hello");
        }
        byte[] body = LocalFiles.body(data, dataFile);
        String path = "/v1/apps/" + Client.segment(parts[0]) + "/functions/" + Client.segment(parts[1]) + ":invoke" + (async ? "?async=true" : "");
        long start = System.nanoTime();
        Client.Response res = api.client().answer("POST", path, body, contentType, java.util.Map.of());
        long micros = (System.nanoTime() - start) / 1000;
        if (verbose && !async) {
            System.err.printf("invocation %s, %s, %.1f ms round trip from this command, on node %s%n", res.header("X-Skyfn-Invocation-Id").orElse("?"),
                    res.header("X-Skyfn-Cold-Start").isPresent() ? "cold start" : "warm", micros / 1000.0,
                    res.header("X-Skyfn-Node").orElse(api.url));
        }
        if (res.statusCode() >= 400) {
            throw CliException.of(res);
        }
        if (async) {
            JsonNode accepted = Client.parse(res.body());
            System.out.println(accepted.get("invocationId").asText());
            return 0;
        }
        System.out.write(res.body());
        if (res.body().length > 0 && res.body()[res.body().length - 1] != '\n' && res.header("content-type")
                .map(t -> t.startsWith("text/") || t.startsWith("application/json")).orElse(false)) {
            System.out.println();
        }
        System.out.flush();
        return 0;
    }
}
