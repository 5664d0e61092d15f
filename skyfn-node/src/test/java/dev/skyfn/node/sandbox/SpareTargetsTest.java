package dev.skyfn.node.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SpareTargetsTest {

    /** Heap sizes asked for, oldest first; spares in all; what each size keeps, as size=count. */
    @ParameterizedTest(name = "sizes {0}, {1} spares -> {2}")
    @CsvSource(delimiter = '|', value = {
            "128             | 3 | 128=3",
            "128 256         | 3 | 128=1 256=2",
            "128 256 512     | 3 | 128=1 256=1 512=1",
            "128 256 512 64  | 3 | 256=1 512=1 64=1",
            "128 256         | 4 | 128=2 256=2",
            "128 256 512     | 7 | 128=2 256=2 512=3",
            "128             | 0 | ''",
            "''              | 3 | ''"})
    void sparesAreSharedAmongTheSizesAskedForMostRecently(String sizes, int spares, String expected) {
        var targets = SandboxPool.targets(heapSizes(sizes), spares);

        assertThat(String.join(" ", targets.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList())).isEqualTo(expected);
    }

    /** Heap sizes of the spares ready; the app's heap; whether spares fit any smaller heap; the sizes to try, in order. */
    @ParameterizedTest(name = "ready {0}, app of {1}, any heap {2} -> {3}")
    @CsvSource(delimiter = '|', value = {
            "128 256 512 | 128 | false | 128",
            "256 512     | 128 | false | ''",
            "512 128 256 | 128 | true  | 128 256 512",
            "512 1024    | 256 | true  | 512 1024",
            "128         | 256 | true  | ''",
            "256         | 256 | true  | 256",
            "''          | 128 | true  | ''"})
    void aSpareServesItsOwnHeapOrWhereCgroupsBoundItAnySmallerOneSmallestSpareFirst(String ready, int heapMb, boolean anyHeap,
                                                                                 String expected) {
        var sizes = SandboxPool.sizesFor(new java.util.HashSet<>(heapSizes(ready)), heapMb, anyHeap);

        assertThat(sizes).isEqualTo(heapSizes(expected));
    }

    /** Heap sizes written space-separated, in order ("" for none). */
    static List<Integer> heapSizes(String sizes) {
        return Arrays.stream(sizes.trim().split(" +")).filter(s -> !s.isEmpty()).map(Integer::valueOf).toList();
    }
}
