package dev.skyfn.node.invoke;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SharingTest {

    /** Candidates as "name:apps:inFlight", space-separated; the one picked, or "-" for none. */
    @ParameterizedTest(name = "[{0}] -> {1}")
    @CsvSource({
            "'', -",
            "a:1:0, a",
            "a:8:0, -",
            "a:8:0 b:7:5, b",
            "a:1:3 b:4:0, b",
            "a:3:0 b:1:0, b",
            "a:2:1 b:2:1, a",
            "a:7:0 b:8:0 c:9:0, a",
    })
    void picksTheLeastBusySandboxWithRoom(String candidates, String expected) {
        List<Sharing.Candidate<String>> list = candidates.isBlank() ? List.of() : Arrays.stream(candidates.split(" "))
                .map(c -> c.split(":"))
                .map(p -> new Sharing.Candidate<>(p[0], Integer.parseInt(p[1]), Integer.parseInt(p[2])))
                .toList();
        assertThat(Sharing.pick(list).map(Sharing.Candidate::sandbox).orElse("-")).isEqualTo(expected);
    }
}
