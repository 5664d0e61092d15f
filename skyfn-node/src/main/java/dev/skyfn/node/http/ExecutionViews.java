package dev.skyfn.node.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.control.Json;
import dev.skyfn.control.api.Api;
import dev.skyfn.control.api.Paths;
import dev.skyfn.core.workflow.StepRecord;
import dev.skyfn.node.workflow.Execution;
import dev.skyfn.node.workflow.Executions;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Executions as JSON: a summary, the whole history, and the output, streamed when it is large. */
final class ExecutionViews {

    private ExecutionViews() {
    }

    static Map<String, Object> summary(Execution e) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("executionId", e.id());
        view.put("app", e.app().app());
        view.put("workflow", e.workflow());
        view.put("status", e.status().name());
        view.put("startedAt", e.started());
        Execution.End end = e.end();
        if (end != null) {
            view.put("stoppedAt", end.at());
            view.put("durationMs", Duration.between(e.started(), end.at()).toNanos() / 1e6);
            if (!end.error().isEmpty() || !end.cause().isEmpty()) {
                view.put("error", end.error());
                view.put("cause", end.cause());
            }
        }
        view.put("url", Paths.execution(e.id()));
        return view;
    }

    /** The summary with the input and every step: when it began and settled, how long it took, its data. */
    static Map<String, Object> history(Execution e, Executions executions) {
        Map<String, Object> view = summary(e);
        view.put("input", json(e.input()));
        view.put("steps", steps(e, executions));
        return view;
    }

    private static List<Map<String, Object>> steps(Execution e, Executions executions) {
        Map<String, Map<String, Object>> byKey = new LinkedHashMap<>();
        Map<String, Long> began = new LinkedHashMap<>();
        for (StepRecord r : e.steps()) {
            Map<String, Object> step = byKey.computeIfAbsent(r.key(), k -> {
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("key", k);
                s.put("state", r.state());
                s.put("type", r.type());
                s.put("startedAt", instant(r.atMicros()));
                began.put(k, r.atMicros());
                return s;
            });
            step.put("status", r.phase().name());
            if (r.attempt() > 0) {
                step.put("attempts", r.attempt());
            }
            switch (r.phase()) {
                case ENTERED -> data(step, "input", r, e, executions);
                case WAITING -> data(step, "waitingUntil", r, e, executions);
                case RETRYING -> {
                    step.put("lastError", r.error());
                    step.put("lastCause", r.cause());
                }
                case SUCCEEDED, FAILED -> {
                    step.put("durationMicros", r.atMicros() - began.get(r.key()));
                    data(step, "output", r, e, executions);
                    if (!r.error().isEmpty()) {
                        step.put("error", r.error());
                        step.put("cause", r.cause());
                    }
                }
            }
        }
        return new ArrayList<>(byKey.values());
    }

    /** A step's data: the JSON itself, or its size when it is held in a blob. */
    private static void data(Map<String, Object> step, String field, StepRecord r, Execution e, Executions executions) {
        if (r.inBlob()) {
            step.put(field + "Bytes", executions.valueBytes(e, r.blob()));
        } else if (r.data() != null) {
            step.put(field, json(r.data()));
        }
    }

    /**
     * Sends {@code view} with the execution's output added, as raw JSON from where it is kept (a
     * blob is streamed, never loaded whole).
     */
    static void sendWithOutput(ServerResponse res, int status, Map<String, Object> view, Execution e, Executions executions) {
        Execution.End end = e.end();
        boolean hasOutput = end != null && (end.output() != null || !end.outputBlob().isEmpty());
        if (!hasOutput) {
            Api.json(res, status, view);
            return;
        }
        try {
            byte[] head = Json.MAPPER.writeValueAsBytes(view);
            byte[] field = ",\"output\":".getBytes(StandardCharsets.UTF_8);
            res.status(status).header(HeaderNames.CONTENT_TYPE, Api.JSON);
            if (end.output() != null) {
                var whole = new ByteArrayOutputStream(head.length + field.length + end.output().length);
                whole.write(head, 0, head.length - 1);
                whole.write(field);
                whole.write(end.output());
                whole.write('}');
                res.send(whole.toByteArray());
                return;
            }
            try (OutputStream out = res.outputStream(); InputStream blob = executions.openValue(e, end.outputBlob())) {
                out.write(head, 0, head.length - 1);
                out.write(field);
                blob.transferTo(out);
                out.write('}');
            }
        } catch (IOException failure) {
            throw new UncheckedIOException(failure);
        }
    }

    /** Sends a succeeded execution's output alone, as JSON. */
    static void sendOutput(ServerResponse res, Execution e, Executions executions) {
        Execution.End end = e.end();
        res.status(200).header(HeaderNames.CONTENT_TYPE, Api.JSON);
        if (end.output() != null) {
            res.send(end.output());
            return;
        }
        try (OutputStream out = res.outputStream(); InputStream blob = executions.openValue(e, end.outputBlob())) {
            blob.transferTo(out);
        } catch (IOException failure) {
            throw new UncheckedIOException(failure);
        }
    }

    private static JsonNode json(byte[] bytes) {
        try {
            return Json.MAPPER.readTree(bytes);
        } catch (IOException e) {
            return Json.MAPPER.getNodeFactory().textNode(new String(bytes, StandardCharsets.UTF_8));
        }
    }

    private static Instant instant(long micros) {
        return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
    }
}
