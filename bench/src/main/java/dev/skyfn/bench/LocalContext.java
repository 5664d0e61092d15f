package dev.skyfn.bench;

import dev.skyfn.api.Context;
import dev.skyfn.api.Log;
import dev.skyfn.api.State;
import dev.skyfn.api.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A context for calling handlers directly, in this JVM: silent log, state in a map. The baseline of no platform. */
final class LocalContext implements Context, Log, State, Store {

    private final Map<String, byte[]> values = new ConcurrentHashMap<>();

    @Override
    public String invocationId() {
        return "local";
    }

    @Override
    public String app() {
        return "local";
    }

    @Override
    public String function() {
        return "local";
    }

    @Override
    public Instant deadline() {
        return Instant.now().plus(remainingTime());
    }

    @Override
    public Duration remainingTime() {
        return Duration.ofMinutes(1);
    }

    @Override
    public Log log() {
        return this;
    }

    @Override
    public State state() {
        return this;
    }

    @Override
    public Store local() {
        return this;
    }

    @Override
    public Store global() {
        return this;
    }

    @Override
    public Optional<byte[]> get(String key) {
        return Optional.ofNullable(values.get(key));
    }

    @Override
    public void put(String key, byte[] value) {
        values.put(key, value);
    }

    @Override
    public boolean delete(String key) {
        return values.remove(key) != null;
    }

    @Override
    public boolean compareAndSet(String key, byte[] expected, byte[] value) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void debug(String message) {
    }

    @Override
    public void info(String message) {
    }

    @Override
    public void warn(String message) {
    }

    @Override
    public void error(String message) {
    }

    @Override
    public void error(String message, Throwable error) {
    }
}
