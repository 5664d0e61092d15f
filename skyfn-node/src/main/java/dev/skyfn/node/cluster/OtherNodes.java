package dev.skyfn.node.cluster;

import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.cloud.Topology;
import dev.skyfn.nats.nodes.NodeDirectory;
import dev.skyfn.node.http.Elsewhere;
import dev.skyfn.node.tracing.Tracing;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The other nodes of the fleet, reached through their own gateways over HTTP, for the requests a
 * node cannot answer alone: workflows and invocations it does not hold, an app's logs. A forwarded request carries a header that stops it from
 * being forwarded again, and the trace context of the span that forwards it (W3C {@code traceparent},
 * in place of the caller's), so that the other node's spans join the trace under this node's.
 */
final class OtherNodes implements Elsewhere {

    private static final String FORWARDED = "X-Skyfn-Forwarded";
    /** Headers the HTTP client sets itself. */
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "content-length", "expect", "host", "upgrade", "keep-alive",
            "transfer-encoding");
    private static final Duration TIMEOUT = Duration.ofMinutes(6);
    private static final String TRACEPARENT = "traceparent";

    private final String self;
    private final String homeRegion;
    private final Topology topology;
    private final NodeDirectory directory;
    private final HttpClient http = HttpClient.newHttpClient();

    OtherNodes(String self, String cloud, Topology topology, NodeDirectory directory) {
        this.self = self;
        this.homeRegion = Routes.nearestRegion(topology, cloud);
        this.topology = topology;
        this.directory = directory;
    }

    @Override
    public Optional<Response> toNodeServing(AppKey app, Request request) {
        if (forwarded(request)) {
            return Optional.empty();
        }
        String region = request.region() != null && topology.regions().contains(request.region()) ? request.region() : homeRegion;
        return Routes.rank(self, region, app, topology, directory.members()).stream()
                .filter(c -> !c.self()).findFirst()
                .flatMap(c -> directory.member(c.node())).flatMap(m -> send(m.report().gateway(), request));
    }

    @Override
    public Optional<Response> toNodeHolding(String id, Request request) {
        if (forwarded(request)) {
            return Optional.empty();
        }
        Optional<Response> failed = Optional.empty();
        for (NodeDirectory.Member m : directory.members()) {
            if (m.alive() && !m.report().node().equals(self)) {
                Optional<Response> answer = send(m.report().gateway(), request);
                if (answer.isEmpty() || answer.get().status() == 404) {
                    continue;
                }
                if (answer.get().status() == 502) {
                    // it could not open what it holds (no key for the tenant's data): another node may
                    failed = failed.or(() -> answer);
                    continue;
                }
                return answer;
            }
        }
        return failed;
    }

    @Override
    public Map<String, Optional<Response>> toEveryNode(Function<String, Request> requestFor, Duration timeout) {
        Map<String, CompletableFuture<Optional<Response>>> asked = new TreeMap<>();
        for (NodeDirectory.Member m : directory.members()) {
            String node = m.report().node();
            if (m.alive() && !node.equals(self)) {
                asked.put(node, http.sendAsync(build(m.report().gateway(), requestFor.apply(node), timeout), HttpResponse.BodyHandlers.ofByteArray())
                        .thenApply(res -> Optional.of(new Response(res.statusCode(), res.headers().map(), res.body())))
                        .exceptionally(unreachable -> Optional.empty()));
            }
        }
        Map<String, Optional<Response>> answers = new TreeMap<>();
        asked.forEach((node, answer) -> answers.put(node, answer.join()));
        return answers;
    }

    private static boolean forwarded(Request request) {
        return request.headers().keySet().stream().anyMatch(h -> h.equalsIgnoreCase(FORWARDED));
    }

    private Optional<Response> send(String gateway, Request request) {
        try {
            HttpResponse<byte[]> res = http.send(build(gateway, request, TIMEOUT), HttpResponse.BodyHandlers.ofByteArray());
            return Optional.of(new Response(res.statusCode(), res.headers().map(), res.body()));
        } catch (IOException unreachable) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private HttpRequest build(String gateway, Request request, Duration timeout) {
        var builder = HttpRequest.newBuilder(URI.create(gateway + request.pathAndQuery())).timeout(timeout)
                .method(request.method(), HttpRequest.BodyPublishers.ofByteArray(request.body()))
                .header(FORWARDED, self);
        String traceparent = Tracing.traceparent();
        boolean ours = !traceparent.isEmpty();
        request.headers().forEach((name, values) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!HOP_BY_HOP.contains(lower) && !(ours && lower.equals(TRACEPARENT))) {
                values.forEach(v -> builder.header(name, v));
            }
        });
        if (ours) {
            builder.header(TRACEPARENT, traceparent);
        }
        return builder.build();
    }

}
