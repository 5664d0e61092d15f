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

/** Start, list, show and cancel workflow executions. */
final class WorkflowCommands {

    private WorkflowCommands() {
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Start a workflow execution; print its output when it ends (exit status 1 if it did not succeed).")
    static final class Run implements Callable<Integer> {
        @Mixin
        ClientOptions api;

        @Parameters(paramLabel = "APP/WORKFLOW")
        String target;

        @Option(names = {"-d", "--data"}, description = "the execution's input, JSON (default {})")
        String data;

        @Option(names = "--data-file", description = "read the input from this file")
        Path dataFile;

        @Option(names = "--async", description = "return at once with the execution id; see 'skyfn execution ID'")
        boolean async;

        @Option(names = {"-v", "--verbose"}, description = "print the execution id, status and time to standard error")
        boolean verbose;

        @Override
        public Integer call() throws IOException {
            String[] parts = target.split("/", 2);
            if (parts.length != 2) {
                throw new CliException("name the workflow as APP/WORKFLOW, e.g. images/pipeline");
            }
            byte[] input = LocalFiles.body(data, dataFile);
            String path = "/v1/apps/" + Client.segment(parts[0]) + "/workflows/" + Client.segment(parts[1]) + "/executions" + (async ? "?async=true" : "");
            JsonNode e = Client.parse(api.client().send("POST", path, input, "application/json").body());
            if (verbose || async) {
                System.err.printf("execution %s: %s%s%n", e.get("executionId").asText(), e.get("status").asText(),
                        e.has("durationMs") ? String.format(" in %.1f ms", e.get("durationMs").asDouble()) : "");
            }
            if (async || e.get("status").asText().equals("RUNNING")) {
                System.out.println(e.get("executionId").asText());
                return 0;
            }
            return printEnd(e);
        }
    }

    /** The output of a succeeded execution, or why it did not succeed; the exit status says which. */
    static int printEnd(JsonNode e) throws IOException {
        if (e.get("status").asText().equals("SUCCEEDED")) {
            System.out.println(Client.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(e.get("output")));
            return 0;
        }
        // an execution cancelled has no error of the States Language, only its cause
        String error = e.path("error").asText();
        System.err.printf("execution %s %s: %s%s%n", e.get("executionId").asText(), e.get("status").asText(),
                error.isEmpty() ? "" : error + ": ", e.path("cause").asText());
        return 1;
    }

    @Command(name = "executions", mixinStandardHelpOptions = true, description = "List an app's workflow executions, newest first.")
    static final class List implements Callable<Integer> {
        @Mixin
        ClientOptions api;

        @Parameters(paramLabel = "APP[/WORKFLOW]")
        String target;

        @Option(names = "--status", description = "only those in this status: running, succeeded, failed, timed_out, aborted")
        String status;

        @Option(names = {"-n", "--limit"}, description = "how many at most (default ${DEFAULT-VALUE})", defaultValue = "50")
        int limit;

        @Override
        public Integer call() {
            String[] parts = target.split("/", 2);
            String path = "/v1/apps/" + Client.segment(parts[0]) + (parts.length == 2 ? "/workflows/" + Client.segment(parts[1]) : "") + "/executions?limit=" + limit
                    + (status == null ? "" : "&status=" + status);
            JsonNode executions = api.client().json("GET", path, null).get("executions"); // before the header: an error prints alone
            System.out.printf("%-28s %-10s %-20s %-27s %10s%n", "EXECUTION", "STATUS", "WORKFLOW", "STARTED", "MS");
            for (JsonNode e : executions) {
                System.out.printf("%-28s %-10s %-20s %-27s %10s%n", e.get("executionId").asText(), e.get("status").asText(),
                        e.get("workflow").asText(), e.get("startedAt").asText(),
                        e.has("durationMs") ? String.format("%.1f", e.get("durationMs").asDouble()) : "-");
            }
            return 0;
        }
    }

    @Command(name = "execution", mixinStandardHelpOptions = true, description = "Show an execution: its status, each step with its timing, its output.")
    static final class Show implements Callable<Integer> {
        @Mixin
        ClientOptions api;

        @Parameters(paramLabel = "ID")
        String id;

        @Option(names = "--json", description = "print the whole record as JSON")
        boolean json;

        @Override
        public Integer call() throws IOException {
            JsonNode e = api.client().json("GET", "/v1/executions/" + Client.segment(id), null);
            if (json) {
                System.out.println(Client.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(e));
                return 0;
            }
            System.out.printf("%s/%s %s: %s, started %s%s%n", e.get("app").asText(), e.get("workflow").asText(), id,
                    e.get("status").asText(), e.get("startedAt").asText(),
                    e.has("durationMs") ? String.format(", %.1f ms", e.get("durationMs").asDouble()) : "");
            System.out.printf("  %-32s %-9s %-10s %8s %12s%n", "STEP", "TYPE", "STATUS", "ATTEMPTS", "MICROS");
            for (JsonNode s : e.get("steps")) {
                System.out.printf("  %-32s %-9s %-10s %8s %12s%n", s.get("key").asText(), s.get("type").asText(),
                        s.get("status").asText(), s.path("attempts").asText("-"), s.path("durationMicros").asText("-"));
            }
            return e.get("status").asText().equals("RUNNING") ? 0 : printEnd(e);
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel a running execution; it ends ABORTED.")
    static final class Cancel implements Callable<Integer> {
        @Mixin
        ClientOptions api;

        @Parameters(paramLabel = "ID")
        String id;

        @Override
        public Integer call() {
            JsonNode e = api.client().json("POST", "/v1/executions/" + Client.segment(id) + ":cancel", null);
            System.out.println(id + " " + e.get("status").asText());
            return 0;
        }
    }
}
