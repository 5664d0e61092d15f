package dev.skyfn.node.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's audit log, {@code <data>/audit.log}: one JSON object a line, appended and forced to
 * disk, for what an operator must be able to show later — results two providers' nodes disagreed
 * on. Each line: {@code at} (ISO-8601 UTC), {@code event}, then the event's fields.
 */
final class AuditLog {

    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Clock clock;

    AuditLog(Path file, Clock clock) {
        this.file = file;
        this.clock = clock;
    }

    /** One node's answer to a call, as the audit log names it. */
    record Answer(String node, String cloud, String provider, String digest) {
    }

    /** Records that {@code answers} to one call of {@code tenant/app/function} disagreed. */
    void mismatch(String tenant, String app, String function, String invocationId, List<Answer> answers) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("at", clock.instant().toString());
        entry.put("event", "RESULT_MISMATCH");
        entry.put("tenant", tenant);
        entry.put("app", app);
        entry.put("function", function);
        entry.put("invocationId", invocationId);
        entry.put("answers", answers);
        LOG.warn("RESULT_MISMATCH for {}/{}/{} ({}): {}", tenant, app, function, invocationId, answers);
        append(entry);
    }

    private synchronized void append(Map<String, Object> entry) {
        try {
            byte[] line = (JSON.writeValueAsString(entry) + "\n").getBytes(StandardCharsets.UTF_8);
            try (var channel = java.nio.channels.FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE)) {
                channel.write(java.nio.ByteBuffer.wrap(line));
                channel.force(false);
            }
        } catch (IOException e) {
            LOG.error("could not write the audit log {}: {}", file, e.getMessage());
        }
    }
}
