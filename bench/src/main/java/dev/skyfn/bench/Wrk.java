package dev.skyfn.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs wrk (pinned to its own CPU) and reads throughput, latency percentiles and the number of
 * requests from its report: flat out (each connection sends its next request when the last is
 * answered), or paced (each waits a few milliseconds first, for a load below the server's limit).
 */
final class Wrk {

    record Result(double requestsPerSecond, double p50Micros, double p99Micros, long requests) {
    }

    private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([\\d.]+)");
    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in");
    private static final Pattern PCT = Pattern.compile("\\s+(50|99)%\\s+([\\d.]+)(us|ms|s)");

    private Wrk() {
    }

    static Result run(String cpu, String url, int connections, Duration duration, byte[] body) {
        return run(cpu, url, connections, 0, duration, body);
    }

    /**
     * wrk with each connection waiting {@code pauseMillis} (whole ms, as wrk's {@code delay} takes
     * them) before each request: about {@code connections × 1000 / (pauseMillis + latency in ms)}
     * requests a second, whatever the server could take.
     */
    static Result paced(String cpu, String url, int connections, int pauseMillis, Duration duration, byte[] body) {
        return run(cpu, url, connections, pauseMillis, duration, body);
    }

    private static Result run(String cpu, String url, int connections, int pauseMillis, Duration duration, byte[] body) {
        Path script = script(body, pauseMillis);
        String out = Procs.run(List.of("taskset", "-c", cpu, "wrk", "-t1", "-c" + connections,
                "-d" + duration.toSeconds() + "s", "--latency", "-s", script.toString(), url), duration.plusSeconds(30));
        Matcher rps = RPS.matcher(out);
        if (!rps.find()) {
            throw new IllegalStateException("wrk said:\n" + out);
        }
        double p50 = 0;
        double p99 = 0;
        Matcher m = PCT.matcher(out);
        while (m.find()) {
            double v = Double.parseDouble(m.group(2)) * switch (m.group(3)) {
                case "us" -> 1;
                case "ms" -> 1000;
                default -> 1_000_000;
            };
            if (m.group(1).equals("50")) {
                p50 = v;
            } else {
                p99 = v;
            }
        }
        if (out.contains("Non-2xx")) {
            throw new IllegalStateException("wrk saw errors:\n" + out);
        }
        Matcher requests = REQUESTS.matcher(out);
        return new Result(Double.parseDouble(rps.group(1)), p50, p99, requests.find() ? Long.parseLong(requests.group(1)) : 0);
    }

    private static Path script(byte[] body, int pauseMillis) {
        try {
            Path f = Files.createTempFile("wrk", ".lua");
            Files.writeString(f, "wrk.method = \"POST\"\nwrk.body = \"" + new String(body) + "\"\n"
                    + "wrk.headers[\"Content-Type\"] = \"application/octet-stream\"\n"
                    + (pauseMillis > 0 ? "function delay()\n  return " + pauseMillis + "\nend\n" : ""));
            f.toFile().deleteOnExit();
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
