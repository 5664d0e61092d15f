package dev.skyfn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** Deploy, list and remove apps. */
final class AppCommands {

    /** An instant as a person reads it in a listing: to the second ({@code 2026-12-04T18:36:32Z}); as given when it is not one. */
    static String seconds(JsonNode instant) {
        try {
            return java.time.Instant.parse(instant.asText()).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        } catch (java.time.format.DateTimeParseException notAnInstant) {
            return instant.asText();
        }
    }

    private AppCommands() {
    }

    @Command(name = "deploy", mixinStandardHelpOptions = true, description = "Deploy an app jar (it names the app in its skyfn.yaml); replaces an earlier version.")
    static final class Deploy implements Callable<Integer> {
        @Mixin
        ClientOptions api;

        @Parameters(paramLabel = "JAR", description = "the app's jar, with skyfn.yaml at its root")
        Path jar;

        @Override
        public Integer call() {
            byte[] bytes = LocalFiles.read(jar, "the app jar");
            long start = System.nanoTime();
            JsonNode app = Client.parse(api.client().send("POST", "/v1/apps", bytes, "application/java-archive").body());
            int functions = app.get("functions").size();
            System.out.printf("deployed %s version %d (%d function%s) in %d ms%n", app.get("app").asText(),
                    app.get("version").asInt(), functions, functions == 1 ? "" : "s", (System.nanoTime() - start) / 1_000_000);
            for (JsonNode fn : app.get("functions")) {
                System.out.printf("  %-20s POST %s%s%n", fn.get("name").asText(), fn.get("invokePath").asText(),
                        fn.get("functionUrlPath").isNull() ? "" : "   url (" + fn.get("url").asText() + "): " + fn.get("functionUrlPath").asText());
            }
            return 0;
        }
    }

    @Command(name = "ls", mixinStandardHelpOptions = true, description = "List your apps, or the functions of one app.")
    static final class List implements Callable<Integer> {
        @Mixin
        ClientOptions api;

        @Parameters(paramLabel = "APP", arity = "0..1", description = "an app to show in detail")
        String app;

        @Override
        public Integer call() {
            if (app == null) {
                JsonNode apps = api.client().json("GET", "/v1/apps", null).get("apps");
                System.out.printf("%-24s %7s %9s  %s%n", "APP", "VERSION", "FUNCTIONS", "DEPLOYED");
                for (JsonNode a : apps) {
                    System.out.printf("%-24s %7d %9d  %s%n", a.get("app").asText(), a.get("version").asInt(),
                            a.get("functions").size(), seconds(a.get("deployedAt")));
                }
                return 0;
            }
            JsonNode a = api.client().json("GET", "/v1/apps/" + Client.segment(app), null);
            System.out.printf("%s version %d, %d MiB sandbox, deployed %s, sha256 %s%n", a.get("app").asText(),
                    a.get("version").asInt(), a.get("memoryMb").asInt(), seconds(a.get("deployedAt")), a.get("sha256").asText());
            System.out.printf("%-20s %-48s %7s %8s %6s %9s  %s%n", "FUNCTION", "HANDLER", "TIMEOUT", "CONCURR.", "QUEUE", "KEEPWARM", "URL");
            for (JsonNode f : a.get("functions")) {
                System.out.printf("%-20s %-48s %7s %8d %6d %9s  %s%n", f.get("name").asText(), f.get("handler").asText(),
                        f.get("timeout").asText(), f.get("concurrency").asInt(), f.get("queue").asInt(), f.get("keepWarm").asText(),
                        f.get("url").asText());
            }
            return 0;
        }
    }

    @Command(name = "rm", mixinStandardHelpOptions = true, description = "Remove an app. Calls in flight finish; new ones get APP_NOT_FOUND.")
    static final class Remove implements Callable<Integer> {
        @Mixin
        ClientOptions api;

        @Parameters(paramLabel = "APP")
        String app;

        @Override
        public Integer call() {
            api.client().send("DELETE", "/v1/apps/" + Client.segment(app), null, null);
            System.out.println("removed " + app);
            return 0;
        }
    }
}
