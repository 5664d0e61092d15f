package dev.skyfn.core.wire;

import dev.skyfn.core.workflow.StepRecord;
import java.util.List;
import java.util.Map;

/**
 * The messages between a node and its sandboxes (see docs/sandbox-protocol.md). Requests carry
 * an id that their answer repeats.
 */
public sealed interface Message {

    /**
     * Sandbox → node, once, when the sandbox is ready to load an app. {@code token} is the secret the
     * node gave only to the process it started (on its standard input): whoever else connects to
     * the socket first cannot present it.
     */
    record Hello(int protocol, long pid, String token) implements Message {

        /** Whether this Hello presents {@code expected}, compared in constant time: a peer learns nothing of a token from how fast it is refused. */
        public boolean presents(String expected) {
            return java.security.MessageDigest.isEqual(expected.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                    token.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
    }

    /**
     * Node → sandbox: load an app's jar and make its functions callable. Answered by Result or
     * Failure. A sandbox may host several apps of one tenant, each in a {@code slot} of its own
     * (its own class loader); every later message about that app names its slot.
     *
     * @param region the region of the cloud the node is in (what Lambda handlers read as {@code AWS_REGION})
     * @param env    the environment variables the app's code sees outside any one function's call
     * @param countsWork whether the app's classes count the basic blocks each call executes ({@code metering: useful-work})
     * @param heapMb     the heap the app may hold, MiB (its manifest's {@code memory}); 0 for all the
     *                   sandbox JVM's. Below the JVM's own maximum (a spare booted with a larger heap),
     *                   the sandbox enforces it after each collection
     */
    record Load(long id, int slot, String app, int version, String jarPath, int maxResultBytes,
                List<HandlerRef> functions, List<WorkflowRef> workflows, String region, Map<String, String> env,
                boolean countsWork, int heapMb) implements Message {
        public Load {
            functions = List.copyOf(functions);
            workflows = List.copyOf(workflows);
            env = Map.copyOf(env);
        }
    }

    /** One workflow of a Load: its definition as JSON text. */
    record WorkflowRef(String workflow, String json) {
    }

    /**
     * One function of a Load, with its timeout (calls between functions in the sandbox need it) and
     * its configured memory in MiB (what a Lambda handler's context says it has), and the
     * environment variables its code sees (the app's, its own and the cloud's overrides, merged).
     */
    record HandlerRef(String function, String handlerClass, long timeoutMillis, int memoryMb, Map<String, String> env) {
        public HandlerRef {
            env = Map.copyOf(env);
        }
    }

    /**
     * Node → sandbox: run one invocation. Answered by Result or Failure.
     *
     * @param traceparent the W3C Trace Context {@code traceparent} of the span the call runs in
     *                    (version 00: {@code 00-<trace id>-<span id>-<flags>}), or empty when not traced
     */
    record Invoke(long id, int slot, String function, String invocationId, long timeoutMillis, Payload payload, String traceparent)
            implements Message {
        public Invoke(long id, int slot, String function, String invocationId, long timeoutMillis, Payload payload) {
            this(id, slot, function, invocationId, timeoutMillis, payload, "");
        }
    }

    /**
     * Node → sandbox: run many invocations of one function at once, each as if it came in an
     * {@link Invoke} of its own id — each answered by its own Result or Failure, cancelled by its
     * own Cancel — so that a stream of events crosses to the sandbox in one frame, not one each.
     *
     * @param timeoutMillis each invocation's timeout, ms
     */
    record InvokeEach(int slot, String function, long timeoutMillis, List<Item> items) implements Message {
        public InvokeEach {
            items = List.copyOf(items);
        }
    }

    /** One invocation of an {@link InvokeEach}: its request id, invocation id, payload and traceparent (or empty). */
    record Item(long id, String invocationId, Payload payload, String traceparent) {
    }

    /**
     * Node → sandbox: run (or resume) a workflow execution. Answered by Result (the output as JSON,
     * or a payload of type {@link StepRecord#BLOB_TYPE} naming the blob that holds it) or Failure
     * (code EXECUTION_FAILED with the States Language error name as type and its cause as message).
     *
     * @param input the execution's input as JSON
     * @param memo  the settled steps an earlier run recorded, which this one does not run again
     */
    record Run(long id, int slot, String workflow, String executionId, long timeoutMillis, byte[] input, List<StepRecord> memo)
            implements Message {
        public Run {
            memo = List.copyOf(memo);
        }
    }

    /** Sandbox → node: a step of a running execution, to be backed up and kept in its history. */
    record Progress(int slot, String executionId, StepRecord step) implements Message {
    }

    /**
     * Sandbox → node: a function of the app in {@code slot} calls a function of another app of the
     * same tenant. Answered by Result or Failure with the same id (ids of calls each way are separate).
     *
     * @param traceparent the calling invocation's {@code traceparent} (as its Invoke carried it), or empty
     */
    record Call(long id, int slot, String app, String function, String invocationId, long timeoutMillis, Payload payload,
                String traceparent) implements Message {
        public Call(long id, int slot, String app, String function, String invocationId, long timeoutMillis, Payload payload) {
            this(id, slot, app, function, invocationId, timeoutMillis, payload, "");
        }
    }

    /**
     * Sandbox → node: an operation on the state of the app in {@code slot} ({@link DataOp}). The
     * node scopes it to that app, which must be one the sandbox hosts. Answered by Result (the value, or a boolean as one byte) or Failure.
     *
     * @param value    the value to write, or null
     * @param expected for compare-and-set, the value expected now, or null for "absent"
     * @param number   a duration the operation needs (milliseconds), else 0
     * @param count    a count the operation needs, else 0
     */
    record Data(long id, int slot, DataOp op, String path, String key, byte[] value, byte[] expected, long number, int count)
            implements Message {
    }

    /**
     * Sandbox → node: a function of the app in {@code slot} ran here without the node — called by
     * another of the app's functions, or as a workflow's Task ({@code step}), or straight from
     * another sandbox of the tenant ({@code direct}, see Admit) — for {@code nanos},
     * ending {@code ok} or with the error {@code outcome}, having {@code spent} what it measured:
     * what the node meters it by; {@code traceparent}: the calling invocation's (W3C; empty: none),
     * under which a tracing node records the call as a span; {@code bytesIn} and {@code bytesOut}:
     * the body of a direct call's request and of its answer (bytes), serialized between two apps
     * (in two sandboxes, or two sharing one) — 0 for a call between an app's own functions or a
     * Task, whose objects are not serialized.
     */
    record Usage(int slot, String function, String invocationId, boolean step, long nanos, String outcome, Spent spent,
                 String traceparent, boolean direct, long bytesIn, long bytesOut) implements Message {
        /** Not a direct call: a call between the app's own functions, or a workflow's Task. */
        public Usage(int slot, String function, String invocationId, boolean step, long nanos, String outcome, Spent spent,
                     String traceparent) {
            this(slot, function, invocationId, step, nanos, outcome, spent, traceparent, false, 0, 0);
        }

        /** Outside any trace. */
        public Usage(int slot, String function, String invocationId, boolean step, long nanos, String outcome, Spent spent) {
            this(slot, function, invocationId, step, nanos, outcome, spent, "");
        }
    }

    /**
     * The request {@code id} succeeded (sandbox → node for Load and Invoke, node → sandbox for Call);
     * {@code spent}: what an Invoke spent in the sandbox ({@link Spent#UNKNOWN} for any other request).
     */
    record Result(long id, Payload payload, Spent spent) implements Message {
        public Result(long id, Payload payload) {
            this(id, payload, Spent.UNKNOWN);
        }
    }

    /** The request {@code id} failed with a stable error code (either way, like Result; {@code spent} as there). */
    record Failure(long id, String code, String message, String type, Spent spent) implements Message {
        public Failure(long id, String code, String message, String type) {
            this(id, code, message, type, Spent.UNKNOWN);
        }
    }

    /** Node → sandbox: stop the invocation {@code id} (its caller has given up). */
    record Cancel(long id) implements Message {
    }

    /** Sandbox → node: log lines of the app in {@code slot}, batched. */
    record Logs(int slot, List<LogLine> lines) implements Message {
        public Logs {
            lines = List.copyOf(lines);
        }
    }

    /** Node → sandbox: the app in {@code slot} leaves; its calls in flight finish, nothing new reaches it. */
    record Unload(int slot) implements Message {
    }

    /** Sandbox → node: this sandbox should be replaced (it ran out of memory, leaked threads, ...). */
    record Retire(String code, String reason) implements Message {
    }

    /**
     * The code of a Failure a sandbox answers a direct call with when it will not run it (its door
     * is closed by Revoke, or the slot holds no app): nothing ran, and the caller sends the call
     * through its node instead. Never an error a function sees.
     */
    String REROUTE = "REROUTE";

    /**
     * Node → sandbox: sandboxes that present {@code token} in their Hello on this sandbox's own
     * socket ({@code peer.sock}) may call the apps it hosts directly, until Revoke. Answered by Result.
     */
    record Admit(long id, String token) implements Message {
    }

    /**
     * Node → sandbox: calls to app {@code app} of the tenant may go straight to the sandbox whose
     * socket the node linked as {@code link} in this sandbox's peers directory, as Invokes of its
     * slot {@code slot}, after a Hello presenting {@code token}; at most {@code maxInFlight} at
     * once (more go through the node). Replaces an earlier route to that app. Not answered.
     */
    record Route(String app, String link, String token, int slot, int maxInFlight) implements Message {
    }

    /**
     * Node → sandbox: take no more direct calls (answer them {@link #REROUTE}); answered by Result
     * once the direct calls in flight have ended. Also sandbox → caller on a direct channel, with id
     * 0: the door is closed, calls unanswered when the channel ends were not run.
     */
    record Revoke(long id) implements Message {
    }

    /**
     * Sandbox → node: how many direct calls (see Route) each of its slots is running now — sent
     * when a count changed, at most every 50 ms — which the node counts among those apps' calls in
     * flight (what its autoscaler scales on), each at most what the routes it gave to that slot
     * allow. A slot not named keeps its last count. Not answered.
     */
    record Concurrency(List<SlotCalls> slots) implements Message {
        public Concurrency {
            slots = List.copyOf(slots);
        }

        /** The direct calls {@code slot} is running, 0 or more. */
        public record SlotCalls(int slot, int inFlight) {
        }
    }
}
