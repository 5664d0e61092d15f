package dev.skyfn.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LocalDataMoveTest {

    @Test
    void entriesTravelWholeKeysValuesAndEmptyValuesAlike() {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("cart/42", "{\"items\": 3}".getBytes(StandardCharsets.UTF_8));
        entries.put("ключ", new byte[0]);
        entries.put("k".repeat(1024), new byte[] {0, 1, 2, (byte) 255});
        Map<String, byte[]> back = LocalDataMove.decode(LocalDataMove.encode(entries));
        assertThat(back.keySet()).containsExactlyElementsOf(entries.keySet());
        entries.forEach((k, v) -> assertThat(back.get(k)).isEqualTo(v));
        assertThat(LocalDataMove.decode(LocalDataMove.encode(Map.of()))).isEmpty();
    }

    @Test
    void bytesThatAreNoSetOfEntriesAreRefusedWithoutAllocatingWhatTheyClaim() {
        byte[] whole = LocalDataMove.encode(Map.of("a", new byte[] {1, 2, 3}));
        assertThatThrownBy(() -> LocalDataMove.decode(java.util.Arrays.copyOf(whole, whole.length - 1)))
                .isInstanceOf(UncheckedIOException.class).hasMessageContaining("not a set of local entries");
        // one entry claiming a value of 2 GiB in a message of a dozen bytes
        byte[] lying = {0, 0, 0, 1, 0, 1, 'a', 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        assertThatThrownBy(() -> LocalDataMove.decode(lying)).isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("a value of 2147483647 bytes");
        assertThatThrownBy(() -> LocalDataMove.decode(new byte[] {1})).isInstanceOf(UncheckedIOException.class);
    }
}
