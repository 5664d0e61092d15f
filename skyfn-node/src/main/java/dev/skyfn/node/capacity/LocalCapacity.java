package dev.skyfn.node.capacity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skyfn.control.capacity.CapacityProvider;
import dev.skyfn.control.capacity.NodeState;
import dev.skyfn.control.capacity.ProvidedNode;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import io.nats.client.Connection;
import io.nats.client.Message;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code local} capacity provider: asks the emulated cloud that {@code skyfn dev --topology}
 * (or a test, or a benchmark) runs on this machine for nodes, over NATS request-reply on
 * {@code skyfn.capacity.<cloud>.acquire|release|list}. The emulated cloud starts a real {@code
 * skyfn node} process for each node acquired, after that cloud's {@code startup} time.
 *
 * <p>Requests and replies are JSON: acquire {@code {}} → {@code {"node", "cloud", "state"}};
 * release {@code {"node"}} → {@code {}}; list {@code {}} → {@code {"nodes": [...]}}; preempt
 * {@code {"node", "noticeMs"}} → {@code {"node", "at"}} (the node hears its notice on
 * {@link PreemptionNotices#subject}); a refusal is {@code {"error": "..."}}.
 */
public final class LocalCapacity implements CapacityProvider {

    /** The subject of {@code op} on {@code cloud}'s emulated API. */
    public static String subject(String cloud, String op) {
        return "skyfn.capacity." + cloud + "." + op;
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final Connection nats;

    public LocalCapacity(Connection nats) {
        this.nats = nats;
    }

    @Override
    public ProvidedNode acquire(String cloud) {
        return node(ask(cloud, "acquire", Map.of()));
    }

    @Override
    public void release(String cloud, String node) {
        ask(cloud, "release", Map.of("node", node));
    }

    @Override
    public List<ProvidedNode> list(String cloud) {
        List<ProvidedNode> nodes = new ArrayList<>();
        ask(cloud, "list", Map.of()).path("nodes").forEach(n -> nodes.add(node(n)));
        return nodes;
    }

    @Override
    public java.time.Instant preempt(String cloud, String node, Duration notice) {
        JsonNode answer = ask(cloud, "preempt", Map.of("node", node, "noticeMs", Long.toString(notice.toMillis())), ErrorCode.CONFLICT);
        return java.time.Instant.parse(answer.path("at").asText());
    }

    private static ProvidedNode node(JsonNode n) {
        return new ProvidedNode(n.get("node").asText(), n.get("cloud").asText(), NodeState.valueOf(n.get("state").asText()));
    }

    private JsonNode ask(String cloud, String op, Map<String, String> body) {
        return ask(cloud, op, body, ErrorCode.UNAVAILABLE);
    }

    /** Asks {@code cloud} to do {@code op}; a refusal is a {@code refused} error, no answer UNAVAILABLE. */
    private JsonNode ask(String cloud, String op, Map<String, String> body, ErrorCode refused) {
        Message reply;
        try {
            reply = nats.request(subject(cloud, op), JSON.writeValueAsBytes(body), WAIT);
        } catch (IOException e) {
            throw new SkyfnException(ErrorCode.UNAVAILABLE, "cloud " + cloud + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SkyfnException(ErrorCode.UNAVAILABLE, "interrupted asking cloud " + cloud);
        }
        if (reply == null || reply.isStatusMessage() || reply.getData() == null || reply.getData().length == 0) {
            throw new SkyfnException(ErrorCode.UNAVAILABLE, "cloud " + cloud + " did not answer " + op + " within " + WAIT.toSeconds()
                    + " s (no emulated cloud serves it: it is one of skyfn dev --topology's)");
        }
        JsonNode answer;
        try {
            answer = JSON.readTree(reply.getData());
        } catch (IOException e) {
            throw new SkyfnException(ErrorCode.UNAVAILABLE, "cloud " + cloud + " answered " + op + " with "
                    + new String(reply.getData(), StandardCharsets.UTF_8));
        }
        if (answer.has("error")) {
            throw new SkyfnException(refused, "cloud " + cloud + " refused to " + op + ": " + answer.get("error").asText());
        }
        return answer;
    }
}
