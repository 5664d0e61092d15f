package dev.skyfn.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.Phaser;
import java.util.concurrent.locks.LockSupport;

/**
 * Replays a {@link CostTrace}'s load against a gateway, open loop: calls arrive as a Poisson
 * process whose rate holds the trace's concurrency ({@code rate = concurrency / work}), each of
 * {@code work} of waiting in the function, whatever the answers — so that a fleet short of replicas
 * sees its queue grow, as users' traffic would make it. The trace's time runs {@code 1 / timeScale}
 * times faster than the clock; the calls' own time does not.
 */
final class LoadReplay {

    /**
     * One call.
     *
     * @param at      when it was made, seconds into the trace (emulated time)
     * @param ms      how long it took to answer, milliseconds (real time)
     * @param status  its HTTP status; 0 when it got no answer
     * @param node    the node that ran it ({@code X-Skyfn-Node}), or empty
     * @param error   the error's code when it failed ({@code NODE_LOST}, …), or empty
     */
    record Call(double at, double ms, int status, String node, String error) {
    }

    private static final java.util.regex.Pattern CODE = java.util.regex.Pattern.compile("\"code\"\\s*:\\s*\"([A-Z_]+)\"");

    private final CostTrace trace;
    private final double timeScale;
    private final Duration work;
    private final HttpClient http = HttpClient.newBuilder().executor(Executors.newVirtualThreadPerTaskExecutor())
            .connectTimeout(Duration.ofSeconds(10)).build();

    LoadReplay(CostTrace trace, double timeScale, Duration work) {
        this.trace = trace;
        this.timeScale = timeScale;
        this.work = work;
    }

    /** Calls {@code url} from users in {@code region} for the trace's length, then waits for every answer. */
    List<Call> run(String url, String region, long seed) {
        var calls = new ConcurrentLinkedQueue<Call>();
        var inFlight = new Phaser(1);
        var random = new Random(seed);
        long start = System.nanoTime();
        long end = start + (long) (trace.length().toNanos() * timeScale);
        long next = start;
        while (next < end) {
            LockSupport.parkNanos(next - System.nanoTime());
            double at = (next - start) / 1e9 / timeScale;
            inFlight.register();
            Thread.ofVirtual().start(() -> {
                try {
                    calls.add(call(url, region, at));
                } finally {
                    inFlight.arriveAndDeregister();
                }
            });
            double rate = Math.max(0.1, trace.concurrency(Duration.ofMillis((long) (at * 1000))) / (work.toMillis() / 1000.0));
            next += (long) (-Math.log(1 - random.nextDouble()) / rate * 1e9);
        }
        inFlight.arriveAndAwaitAdvance();
        return calls.stream().sorted(java.util.Comparator.comparingDouble(Call::at)).toList();
    }

    private Call call(String url, String region, double at) {
        var request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(2))
                .header("Content-Type", "application/json").header("X-Skyfn-Region", region)
                .POST(HttpRequest.BodyPublishers.ofString(Long.toString(work.toMillis()))).build();
        long sent = System.nanoTime();
        try {
            HttpResponse<String> res = http.send(request, HttpResponse.BodyHandlers.ofString());
            double ms = (System.nanoTime() - sent) / 1e6;
            var code = CODE.matcher(res.statusCode() == 200 ? "" : res.body());
            return new Call(at, ms, res.statusCode(), res.headers().firstValue("X-Skyfn-Node").orElse(""), code.find() ? code.group(1) : "");
        } catch (IOException e) {
            return new Call(at, (System.nanoTime() - sent) / 1e6, 0, "", e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Call(at, (System.nanoTime() - sent) / 1e6, 0, "", "interrupted");
        }
    }
}
