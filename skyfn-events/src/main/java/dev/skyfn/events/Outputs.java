package dev.skyfn.events;

import dev.skyfn.core.app.DeployedApp;
import dev.skyfn.core.manifest.FunctionSpec;
import dev.skyfn.core.trigger.Event;
import dev.skyfn.core.trigger.EventLog;
import dev.skyfn.core.wire.Payload;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** What a topic trigger publishes besides calling its function: a stream function's result, and an event it gives up on. */
final class Outputs {

    static final String RESULT_TYPE = "dev.skyfn.function.v1.result";
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Outputs.class);

    private Outputs() {
    }

    /**
     * Publishes a call's {@code result} to {@code subject} as an event of {@value #RESULT_TYPE}, under
     * the id {@code out:<trigger>:<inputKey>} (so that an input run again publishes no second output)
     * and the partition key of the call's {@code first} input; completes once the log kept it (false: a
     * duplicate), at once for a null result, which publishes nothing.
     */
    static CompletableFuture<Boolean> result(EventLog log, DeployedApp app, FunctionSpec fn, String trigger, String subject, Event first,
                                             String inputKey, Payload result) {
        byte[] data;
        String contentType;
        switch (result) {
            case Payload.Body b -> {
                data = b.bytes();
                contentType = b.contentType();
            }
            case Payload.Response r -> {
                data = r.response().body();
                contentType = r.response().header("content-type");
            }
            default -> {
                return CompletableFuture.completedFuture(true);
            }
        }
        return log.publishAsync(new Event(app.tenant(), subject, "out:" + trigger + ":" + inputKey,
                "/skyfn/" + app.tenant() + "/" + app.name() + "/" + fn.name(), RESULT_TYPE, Instant.now(), contentType, first.partitionKey(),
                Map.of(), data));
    }

    /**
     * {@code e} as it goes to the dead-letter subject {@code subject} after {@code attempts}, failed
     * with {@code code}: under the id {@code dead-letter:<trigger>:<its id>}, with the error in its
     * {@code errorcode} and {@code errormessage} extensions, {@code attempts} (as text) and
     * {@code originalsubject}; empty, and the drop logged, when that id would be longer than an
     * event's id may be ({@value Triggers#MAX_ATTRIBUTE} characters): the event has been
     * dead-lettered again and again already, as triggers whose dead-letter subjects feed each other
     * do, and goes no further.
     */
    static java.util.Optional<Event> deadLetter(Event e, String subject, String trigger, String code, String message, long attempts) {
        String id = "dead-letter:" + trigger + ":" + e.id();
        if (id.length() > Triggers.MAX_ATTRIBUTE) {
            LOG.warn("topic trigger {}: event {} on {} failed {} time(s) ({}) and is dropped: dead-lettered so often already that its"
                    + " id would pass {} characters (dead-letter subjects that feed each other?)", trigger, abbreviated(e.id()), e.subject(),
                    attempts, code, Triggers.MAX_ATTRIBUTE);
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(e.forward(subject, id, Map.of("errorcode", code, "errormessage", message,
                "attempts", Long.toString(attempts), "originalsubject", e.subject())));
    }

    /** An event id to log: its first and last 40 characters when longer than 100. */
    static String abbreviated(String id) {
        return id.length() <= 100 ? id : id.substring(0, 40) + "…" + id.substring(id.length() - 40);
    }
}
