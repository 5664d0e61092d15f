package dev.skyfn.node.data;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.core.data.KeyValue;
import dev.skyfn.core.data.KeyValueConformance;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurableKeyValueTest extends KeyValueConformance {

    @TempDir
    Path dir;
    private final List<DurableKeyValue> opened = new ArrayList<>();

    @Override
    protected KeyValue store() {
        return open();
    }

    private DurableKeyValue open() {
        var kv = new DurableKeyValue(dir.resolve("global.log"), QUOTA, MAX_VALUE);
        opened.add(kv);
        return kv;
    }

    @AfterEach
    void close() {
        opened.forEach(DurableKeyValue::close);
    }

    @Test
    void keepsEveryChangeAcrossAReopen() {
        var kv = open();
        kv.put("acme/shop", "a", "1".getBytes());
        kv.put("acme/shop", "b", "2".getBytes());
        kv.delete("acme/shop", "a");
        kv.compareAndSet("acme/shop", "c", null, "3".getBytes());
        kv.put("acme/shop", "empty", new byte[0]);
        kv.compareAndSet("acme/shop", "d", null, new byte[0]);
        kv.put("acme/bank", "x", "gone".getBytes());
        kv.clear("acme/bank");
        kv.close();
        var again = open();
        assertThat(again.get("acme/shop", "a")).isEmpty();
        assertThat(again.get("acme/shop", "b")).hasValueSatisfying(v -> assertThat(v).isEqualTo("2".getBytes()));
        assertThat(again.get("acme/shop", "c")).hasValueSatisfying(v -> assertThat(v).isEqualTo("3".getBytes()));
        assertThat(again.get("acme/bank", "x")).isEmpty();
        assertThat(again.get("acme/shop", "empty")).as("an empty value, not an absent key").hasValueSatisfying(v -> assertThat(v).isEmpty());
        assertThat(again.get("acme/shop", "d")).as("an empty value, not an absent key").hasValueSatisfying(v -> assertThat(v).isEmpty());
        assertThat(again.bytes("acme")).isEqualTo(kv.bytes("acme"));
    }

    @Test
    void dropsATornLastRecordAndKeepsTheRest() throws IOException {
        var kv = open();
        kv.put("acme/shop", "kept", "yes".getBytes(StandardCharsets.UTF_8));
        kv.put("acme/shop", "torn", "half".getBytes(StandardCharsets.UTF_8));
        kv.close();
        Path log = dir.resolve("global.log");
        try (FileChannel ch = FileChannel.open(log, StandardOpenOption.WRITE)) {
            ch.truncate(Files.size(log) - 3);
        }
        var again = open();
        assertThat(again.get("acme/shop", "kept")).isPresent();
        assertThat(again.get("acme/shop", "torn")).isEmpty();
        again.put("acme/shop", "after", "ok".getBytes());
        again.close();
        assertThat(open().get("acme/shop", "after")).isPresent();
    }
}
