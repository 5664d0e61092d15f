package dev.skyfn.node.invoke;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IdsTest {

    @Test
    void idsAre28HexDigitsLedByTheMillisecondsSoTheySortByTimeAndNeverRepeat() {
        long before = System.currentTimeMillis();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            ids.add(Ids.next());
        }
        long after = System.currentTimeMillis();
        assertThat(ids).hasSize(10_000).allSatisfy(id -> {
            assertThat(id).matches("[0-9a-f]{28}");
            long millis = Long.parseLong(id.substring(0, 12), 16);
            assertThat(millis).isBetween(before & 0xFFFF_FFFF_FFFFL, after & 0xFFFF_FFFF_FFFFL);
        });
    }
}
