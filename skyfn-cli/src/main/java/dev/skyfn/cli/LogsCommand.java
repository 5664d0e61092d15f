package dev.skyfn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code skyfn logs APP[/FUNCTION]}: log lines and output of invocations, each tagged with its invocation id. */
@Command(name = "logs", mixinStandardHelpOptions = true, description = "Print an app's (or one function's) recent log lines and output "
        + "from every node that ran its calls, in time order.")
final class LogsCommand implements Callable<Integer> {

    @Mixin
    ClientOptions api;

    @Parameters(paramLabel = "APP[/FUNCTION]")
    String target;

    @Option(names = {"-f", "--follow"}, description = "keep printing new lines")
    boolean follow;

    @Option(names = "--invocation", description = "only the lines of this invocation")
    String invocation;

    @Option(names = {"-n", "--lines"}, description = "how many recent lines (default ${DEFAULT-VALUE})", defaultValue = "100")
    int lines;

    @Option(names = "--json", description = "one JSON object per line (node, seq, time, invocationId, function, "
            + "kind: debug|info|warn|error|stdout|stderr, text), for a log shipper or jq")
    boolean json;

    private boolean saidEmpty;
    /** The nodes last said to be unreachable, so that following does not repeat it every poll. */
    private String unreachable = "";

    @Override
    public Integer call() throws InterruptedException {
        String[] parts = target.split("/", 2);
        StringBuilder query = new StringBuilder("/v1/apps/" + Client.segment(parts[0]) + "/logs?limit=" + lines);
        if (parts.length == 2) {
            query.append("&function=").append(URLEncoder.encode(parts[1], StandardCharsets.UTF_8));
        }
        if (invocation != null) {
            query.append("&invocation=").append(URLEncoder.encode(invocation, StandardCharsets.UTF_8));
        }
        String cursor = "";
        boolean any = false;
        Client client = api.client();
        do {
            JsonNode answer = client.json("GET", query + (cursor.isEmpty() ? "" : "&cursor=" + cursor), null);
            cursor = answer.path("next").asText();
            for (JsonNode line : answer.get("lines")) {
                any = true;
                if (json) {
                    System.out.println(line); // the node's own object, compact: one line each
                } else {
                    System.out.printf("%s %s %s %-6s %s: %s%n", line.get("time").asText(), line.get("node").asText(),
                            line.get("invocationId").asText(), line.get("kind").asText(), line.get("function").asText(),
                            line.get("text").asText());
                }
            }
            System.out.flush();
            warnUnreachable(answer.path("unreachable"));
            if (!any && !saidEmpty) {
                saidEmpty = true;
                System.err.println("no log lines for " + target + (invocation != null ? " in invocation " + invocation : "")
                        + (follow ? " yet; waiting for new ones" : ": nothing its functions logged or printed is kept (a node keeps recent lines in memory)"));
            }
            if (follow) {
                Thread.sleep(500); // polling interval of --follow
            }
        } while (follow);
        return 0;
    }

    /** Says on stderr which nodes' lines are missing, when that changes. */
    private void warnUnreachable(JsonNode nodes) {
        String now = nodes.isArray() && !nodes.isEmpty() ? nodes.toString() : "";
        if (!now.equals(unreachable) && !now.isEmpty()) {
            java.util.List<String> names = new java.util.ArrayList<>();
            nodes.forEach(n -> names.add(n.asText()));
            System.err.println("no answer from node(s) " + String.join(", ", names) + ": their lines are missing");
        }
        unreachable = now;
    }
}
