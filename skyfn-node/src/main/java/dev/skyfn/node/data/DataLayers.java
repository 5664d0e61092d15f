package dev.skyfn.node.data;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.data.KeyValue;
import dev.skyfn.core.data.Namespaces;
import dev.skyfn.core.wire.DataOp;
import dev.skyfn.core.wire.Message;
import dev.skyfn.core.wire.Payload;
import dev.skyfn.events.StateOutbox.Change;
import dev.skyfn.node.NodeScheduler;
import dev.skyfn.node.sandbox.Sandbox;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SAND's two data layers on this node — the local one in memory, the global one durable on disk
 * (or, across clouds, in JetStream) —
 * and Jiffy's ephemeral namespaces. Sandboxes reach them through data operations, scoped to their
 * own app (state) or tenant (namespaces).
 */
public final class DataLayers implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DataLayers.class);

    static final int MAX_KEY_CHARS = 1024;
    private static final byte[] TRUE = {1};
    private static final byte[] FALSE = {0};

    private final MemoryKeyValue local;
    /** Where an app's local entries go when it leaves this node: nowhere on one machine. */
    private volatile java.util.function.BiConsumer<AppKey, java.util.Map<String, byte[]>> leaving = (app, entries) -> { };
    private final KeyValue global;
    private final Namespaces ephemeral;
    private volatile Changes changes = Changes.NONE;
    /** Serialises a watched key's write and the telling of its change, so that its changes are told in the order made. */
    private final java.util.concurrent.locks.ReentrantLock[] stripes = new java.util.concurrent.locks.ReentrantLock[64];
    private final NodeScheduler scheduler;

    public DataLayers(Path dir, long quotaBytesPerTenant, int maxValueBytes, NodeScheduler scheduler) {
        this(new DurableKeyValue(dir.resolve("global.log"), quotaBytesPerTenant, maxValueBytes),
                new EphemeralStore(System::nanoTime, quotaBytesPerTenant, maxValueBytes), quotaBytesPerTenant, maxValueBytes, scheduler);
    }

    /** The layers a fleet's nodes share: the global data layer and the ephemeral namespaces. */
    public record Shared(KeyValue global, Namespaces ephemeral) {
    }

    /** Data layers whose global layer and ephemeral namespaces are kept elsewhere, shared with other nodes. */
    public DataLayers(Shared shared, long quotaBytesPerTenant, int maxValueBytes, NodeScheduler scheduler) {
        this(shared.global(), shared.ephemeral(), quotaBytesPerTenant, maxValueBytes, scheduler);
    }

    private DataLayers(KeyValue global, Namespaces ephemeral, long quotaBytesPerTenant, int maxValueBytes, NodeScheduler scheduler) {
        java.util.Arrays.setAll(stripes, i -> new java.util.concurrent.locks.ReentrantLock());
        this.local = new MemoryKeyValue(quotaBytesPerTenant, maxValueBytes);
        this.global = global;
        this.ephemeral = ephemeral;
        this.scheduler = scheduler;
        scheduler.every(Duration.ofSeconds(1), "expiring ephemeral namespaces", ephemeral::expire);
    }

    /** Who hears of changes to the apps' global layers: the apps with state-change triggers. */
    public interface Changes {
        Changes NONE = new Changes() {
            @Override
            public boolean watched(AppKey app) {
                return false;
            }

            @Override
            public Change changing(AppKey app, String key, byte[] before, byte[] after) {
                return Change.NONE;
            }
        };

        /** Whether anyone listens to {@code app}'s changes (reading the value before a write costs a read). */
        boolean watched(AppKey app);

        /**
         * {@code key} of {@code app}'s global layer is about to go from {@code before} to {@code after}
         * (null: absent): returns what to tell whether it did. Throws {@link SkyfnException} when the
         * change could not be told, and the write must then not be made.
         */
        Change changing(AppKey app, String key, byte[] before, byte[] after);
    }

    /** Tells {@code changes} of every change to a watched app's global layer made through this node: before it, and once made. */
    public void watchChanges(Changes changes) {
        this.changes = changes;
    }

    public KeyValue local() {
        return local;
    }

    public KeyValue global() {
        return global;
    }

    /**
     * Runs a sandbox's data operation for its app and answers it. Local operations are answered at
     * once, on the calling (reader) thread; global ones wait for the disk, on a thread of their own.
     */
    public void handle(AppKey app, Sandbox from, Message.Data op) {
        if (op.op() == DataOp.EPHEMERAL_AWAIT_READY || op.op() == DataOp.EPHEMERAL_AWAIT_ITEMS) {
            await(app.tenant(), from, op);
        } else if (op.op().global()) {
            Thread.ofVirtual().start(() -> from.answer(apply(app, op)));
        } else {
            from.answer(apply(app, op));
        }
    }

    /** Answers when the namespace is ready or full enough, or false when the wait's time is up. */
    private void await(String tenant, Sandbox from, Message.Data op) {
        var answered = new AtomicBoolean();
        try {
            Runnable giveUp = ephemeral.await(tenant, op.path(), op.op() == DataOp.EPHEMERAL_AWAIT_READY ? -1 : op.count(), ok -> {
                if (answered.compareAndSet(false, true)) {
                    from.answer(new Message.Result(op.id(), bool(ok)));
                }
            });
            scheduler.after(Duration.ofMillis(Math.max(0, op.number())), "ending a wait on a namespace", giveUp);
        } catch (SkyfnException e) {
            from.answer(new Message.Failure(op.id(), e.code().name(), e.getMessage(), ""));
        }
    }

    Message apply(AppKey app, Message.Data op) {
        try {
            if (op.op().ephemeral()) {
                return new Message.Result(op.id(), ephemeral(app.tenant(), op));
            }
            checkKey(op.key());
            String scope = KeyValue.scope(app.tenant(), app.app());
            if (op.op().global() && op.op() != DataOp.GLOBAL_GET && changes.watched(app)) {
                return new Message.Result(op.id(), watched(app, scope, op));
            }
            KeyValue layer = op.op().global() ? global : local;
            return new Message.Result(op.id(), switch (op.op()) {
                case LOCAL_GET, GLOBAL_GET -> value(layer.get(scope, op.key()));
                case LOCAL_PUT, GLOBAL_PUT -> {
                    layer.put(scope, op.key(), required(op.value()));
                    yield Payload.EMPTY;
                }
                case LOCAL_DELETE, GLOBAL_DELETE -> bool(layer.delete(scope, op.key()));
                case LOCAL_CAS, GLOBAL_CAS -> bool(layer.compareAndSet(scope, op.key(), op.expected(), op.value()));
                default -> throw new SkyfnException(ErrorCode.INVALID_INPUT, "not a state operation: " + op.op());
            });
        } catch (SkyfnException e) {
            return new Message.Failure(op.id(), e.code().name(), e.getMessage(), "");
        } catch (UncheckedIOException e) {
            return new Message.Failure(op.id(), ErrorCode.UNAVAILABLE.name(), "the data layer did not answer: " + e.getMessage(), "");
        } catch (RuntimeException e) {
            // out of reach is UNAVAILABLE already (a SkyfnException); anything else is a fault of the layer, not an outage
            LOG.error("a state operation {} failed", op.op(), e);
            return new Message.Failure(op.id(), ErrorCode.INTERNAL.name(), "the data layer failed: " + e.getMessage(), "");
        }
    }

    /**
     * A write to a watched app's global layer, under the key's lock: the value before it read, the
     * change announced, the write made, the change told made, not made, or perhaps made.
     */
    private Payload watched(AppKey app, String scope, Message.Data op) {
        var lock = stripes[Math.floorMod((scope + "/" + op.key()).hashCode(), stripes.length)];
        lock.lock();
        try {
            // a compare-and-set that succeeds found what it expected: no read needed, and none another node could race
            byte[] before = op.op() == DataOp.GLOBAL_CAS ? op.expected() : global.get(scope, op.key()).orElse(null);
            byte[] after = switch (op.op()) {
                case GLOBAL_PUT -> required(op.value());
                case GLOBAL_DELETE -> null;
                case GLOBAL_CAS -> op.value();
                default -> throw new SkyfnException(ErrorCode.INVALID_INPUT, "not a write: " + op.op());
            };
            Change change = op.op() == DataOp.GLOBAL_CAS && before == null && after == null ? Change.NONE
                    : changes.changing(app, op.key(), before, after);
            Payload answer;
            try {
                answer = switch (op.op()) {
                    case GLOBAL_PUT -> {
                        global.put(scope, op.key(), after);
                        yield Payload.EMPTY;
                    }
                    case GLOBAL_DELETE -> bool(global.delete(scope, op.key()));
                    default -> bool(global.compareAndSet(scope, op.key(), op.expected(), op.value()));
                };
            } catch (SkyfnException e) {
                // refused (over quota, too large) is not made; out of reach may have been
                if (e.code() == ErrorCode.UNAVAILABLE) {
                    change.maybeMade();
                } else {
                    change.notMade();
                }
                throw e;
            } catch (RuntimeException e) {
                change.maybeMade();
                throw e;
            }
            boolean changed = op.op() == DataOp.GLOBAL_PUT || answer instanceof Payload.Body b && b.bytes()[0] == 1;
            if (changed) {
                change.made();
            } else {
                change.notMade();
            }
            return answer;
        } finally {
            lock.unlock();
        }
    }

    private Payload ephemeral(String tenant, Message.Data op) {
        String path = op.path();
        return switch (op.op()) {
            case EPHEMERAL_OPEN -> new Payload.Body("", ephemeral.open(tenant, path, lease(op)).getBytes(StandardCharsets.UTF_8));
            case EPHEMERAL_GET -> value(ephemeral.get(tenant, path, key(op)));
            case EPHEMERAL_PUT -> {
                ephemeral.put(tenant, path, key(op), required(op.value()));
                yield Payload.EMPTY;
            }
            case EPHEMERAL_DELETE -> bool(ephemeral.delete(tenant, path, key(op)));
            case EPHEMERAL_KEYS -> new Payload.Body("", String.join("\n", ephemeral.keys(tenant, path)).getBytes(StandardCharsets.UTF_8));
            case EPHEMERAL_SIZE -> new Payload.Body("", ByteBuffer.allocate(4).putInt(ephemeral.size(tenant, path)).array());
            case EPHEMERAL_RENEW -> {
                ephemeral.renew(tenant, path, lease(op));
                yield Payload.EMPTY;
            }
            case EPHEMERAL_READY -> {
                ephemeral.markReady(tenant, path);
                yield Payload.EMPTY;
            }
            case EPHEMERAL_REMOVE -> bool(ephemeral.remove(tenant, path));
            default -> throw new SkyfnException(ErrorCode.INVALID_INPUT, "not an ephemeral operation: " + op.op());
        };
    }

    private static Duration lease(Message.Data op) {
        return op.number() > 0 ? Duration.ofMillis(op.number()) : Namespaces.DEFAULT_LEASE;
    }

    private static String key(Message.Data op) {
        checkKey(op.key());
        return op.key();
    }

    /**
     * Forgets an app's state on this node, as when the app is removed or moves away; its local
     * entries, if any, go {@linkplain #onLeaving where the node sends them} first. A global layer
     * shared with other nodes is not this node's to clear: the control plane clears it when the app
     * is removed from the fleet.
     */
    public void clear(AppKey app) {
        String scope = KeyValue.scope(app.tenant(), app.app());
        java.util.Map<String, byte[]> entries = local.copy(scope);
        local.clear(scope);
        if (!entries.isEmpty()) {
            leaving.accept(app, entries);
        }
        if (global instanceof DurableKeyValue) {
            global.clear(scope);
        }
    }

    /** Where the local entries of an app that leaves this node go (in a fleet: to the nodes that serve it on). */
    public void onLeaving(java.util.function.BiConsumer<AppKey, java.util.Map<String, byte[]>> whereTo) {
        this.leaving = whereTo;
    }

    /**
     * Adds the local entries another node held for {@code app} that this node has not: a key this
     * node holds keeps its own value. Stops at the tenant's quota. Returns how many were added.
     */
    public int adoptLocal(AppKey app, java.util.Map<String, byte[]> entries) {
        String scope = KeyValue.scope(app.tenant(), app.app());
        int added = 0;
        for (var e : entries.entrySet()) {
            try {
                if (local.compareAndSet(scope, e.getKey(), null, e.getValue())) {
                    added++;
                }
            } catch (SkyfnException full) {
                LOG.warn("the local entries of {} handed to this node reach its tenant's quota; the rest are dropped: {}", app, full.getMessage());
                break;
            }
        }
        return added;
    }

    private static void checkKey(String key) {
        if (key.isEmpty() || key.length() > MAX_KEY_CHARS) {
            throw new SkyfnException(ErrorCode.INVALID_INPUT, "a key is 1 to " + MAX_KEY_CHARS + " characters");
        }
    }

    private static byte[] required(byte[] value) {
        if (value == null) {
            throw new SkyfnException(ErrorCode.INVALID_INPUT, "a put needs a value");
        }
        return value;
    }

    private static Payload value(Optional<byte[]> value) {
        return value.<Payload>map(v -> new Payload.Body("", v)).orElse(Payload.EMPTY);
    }

    private static Payload bool(boolean b) {
        return new Payload.Body("", b ? TRUE : FALSE);
    }

    @Override
    public void close() {
        if (global instanceof DurableKeyValue durable) {
            durable.close();
        }
    }
}
