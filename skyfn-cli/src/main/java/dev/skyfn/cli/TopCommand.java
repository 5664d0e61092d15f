package dev.skyfn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code skyfn top}: the fleet's clouds, nodes and apps, live: calls and errors per second, p50 and p99, cold starts, calls running. */
@Command(name = "top", mixinStandardHelpOptions = true, description = "Show the fleet's clouds, nodes and apps live: calls and errors "
        + "per second, p50 and p99 duration, cold starts and calls running, refreshed in place.")
final class TopCommand implements Callable<Integer> {

    private static final String CLEAR = "\033[H\033[2J";
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

    @Mixin
    ClientOptions api;

    @Option(names = {"-i", "--interval"}, description = "time between refreshes, the window rates are taken over (default ${DEFAULT-VALUE})",
            defaultValue = "2s", converter = ServerCommand.DurationConverter.class)
    Duration interval;

    @Option(names = "--once", description = "print one frame, over one interval, and exit (for scripts)")
    boolean once;

    @Override
    public Integer call() throws InterruptedException {
        if (interval.toMillis() < 100) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--interval must be at least 100ms");
        }
        Client client = api.client();
        JsonNode before = client.json("GET", "/v1/stats", null);
        long beforeNanos = System.nanoTime();
        boolean inPlace = !once && System.console() != null;
        do {
            Thread.sleep(interval);
            JsonNode now = client.json("GET", "/v1/stats", null);
            long nowNanos = System.nanoTime();
            String frame = TopView.render(before, now, Duration.ofNanos(nowNanos - beforeNanos), LocalTime.now().format(CLOCK));
            System.out.print(inPlace ? CLEAR + frame : frame + (once ? "" : System.lineSeparator()));
            System.out.flush();
            before = now;
            beforeNanos = nowNanos;
        } while (!once);
        return 0;
    }
}
