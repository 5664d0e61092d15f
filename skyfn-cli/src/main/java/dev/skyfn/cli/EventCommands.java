package dev.skyfn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Events: {@code skyfn publish SUBJECT} and {@code skyfn triggers APP}. */
final class EventCommands {

    private EventCommands() {
    }

    @Command(name = "publish", mixinStandardHelpOptions = true,
            description = "Publish an event to one of your subjects; prints its id. Functions subscribed to it run.")
    static final class Publish implements Callable<Integer> {

        @Mixin
        ClientOptions api;

        @Parameters(paramLabel = "SUBJECT", description = "tokens separated by '.', e.g. orders.eu")
        String subject;

        @Option(names = {"-d", "--data"}, description = "the event's data (JSON or text)")
        String data;

        @Option(names = "--data-file", description = "read the event's data from this file")
        Path dataFile;

        @Option(names = "--content-type", description = "media type of the data (default ${DEFAULT-VALUE})", defaultValue = "application/json")
        String contentType;

        @Option(names = "--id", description = "the event's id (default: a new one); an id published again within two minutes is dropped")
        String id;

        @Option(names = "--type", description = "the event's CloudEvents type")
        String type;

        @Option(names = "--partition-key", description = "its partition key: subscriptions ordered by key get the events of one key in order")
        String key;

        @Override
        public Integer call() throws IOException {
            byte[] body = LocalFiles.body(data, dataFile);
            Map<String, String> headers = new LinkedHashMap<>();
            if (id != null) {
                headers.put("ce-id", id);
            }
            if (type != null) {
                headers.put("ce-type", type);
            }
            if (key != null) {
                headers.put("ce-partitionkey", key);
            }
            // said here as the node would say it: as a path segment, '' or '..' is no name and 'a/b' no endpoint
            dev.skyfn.core.trigger.Subjects.problem(subject).ifPresent(p -> {
                throw new CliException(p);
            });
            // a path segment: a space is %20 there, not a form's '+'
            String path = "/v1/topics/" + Client.segment(subject);
            Client.Response res = api.client().send("POST", path, body, contentType, headers);
            JsonNode answer = Client.parse(res.body());
            // a second publication of an id is dropped: the person who sent it is told, not left to think it went out twice
            System.out.println(answer.get("id").asText() + (answer.path("duplicate").asBoolean(false)
                    ? " (a duplicate: an event with this id was published within two minutes; this one was dropped)" : ""));
            return 0;
        }
    }

    @Command(name = "triggers", mixinStandardHelpOptions = true, description = "An app's triggers: schedules with their last and next ticks, topics, state changes.")
    static final class List implements Callable<Integer> {

        @Mixin
        ClientOptions api;

        @Parameters(paramLabel = "APP")
        String app;

        @Override
        public Integer call() {
            JsonNode list = api.client().json("GET", "/v1/apps/" + Client.segment(app) + "/triggers", null);
            if (list.get("triggers").isEmpty()) {
                System.out.println("app " + app + " has no triggers: it is called over HTTP alone");
                return 0;
            }
            System.out.printf("%-16s %-9s %-26s %-26s %s%n", "FUNCTION", "KIND", "LAST FIRED", "NEXT", "WHAT");
            for (JsonNode t : list.get("triggers")) {
                System.out.printf("%-16s %-9s %-26s %-26s %s%n", t.get("function").asText() + "[" + t.get("index").asInt() + "]",
                        t.get("kind").asText(), orDash(t.get("lastFired")), orDash(t.get("nextTick")), t.get("spec").asText());
            }
            return 0;
        }

        private static String orDash(JsonNode v) {
            return v == null || v.isNull() ? "-" : v.asText();
        }
    }
}
