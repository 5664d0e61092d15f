package dev.skyfn.billing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class UsageRecordTest {

    @Test
    void theCanonicalFormIsAsciiJsonThatReadsBackAsTheSameRecord() {
        var record = new UsageRecord("acme", "shop", "pay\\é\n", UsageRecord.Kind.step, "a\"b", "n", "spot-eu",
                1_764_590_000_123L, 17, 256, 5, 6, 7, true, "FUNCTION_ERROR", 9_876L, 12_345L, new UsageRecord.UnitPrices(1.66667E-5, 0, 2.0E-7, 0.09));
        byte[] bytes = record.canonical();
        String text = new String(bytes, StandardCharsets.US_ASCII);
        assertThat(text).startsWith("{\"tenant\":\"acme\",\"app\":\"shop\",\"function\":\"pay\\\\\\u00e9\\u000a\"")
                .endsWith(",\"prices\":{\"gbSecond\":1.66667E-5,\"vcpuSecond\":0.0,\"request\":2.0E-7,\"egressGb\":0.09}}");
        assertThat(UsageRecord.parse(bytes)).isEqualTo(record);
        assertThat(UsageRecord.tenantOf(bytes)).isEqualTo("acme");
        assertThat(UsageRecord.startOf(bytes)).isEqualTo(1_764_590_000_123L);
        assertThat(record.id()).as("derived, not written").isEqualTo("step:n:a\"b@1764590000123");
        assertThat(text).doesNotContain("\"id\"");
        assertThat(UsageRecord.isCanonical(bytes)).isTrue();
    }

    @Test
    void aRecordWrittenWithItsIdFirstAsBeforeReadsAndIsTakenAsItIs() {
        var record = new UsageRecord("acme", "shop", "pay", UsageRecord.Kind.invocation, "inv-7", "n-1", "spot-eu",
                1_764_590_000_123L, 17, 256, 5, 6, 7, false, "ok", 21L, null, new UsageRecord.UnitPrices(1.66667E-5, 0, 2.0E-7, 0.09));
        String now = new String(record.canonical(), StandardCharsets.US_ASCII);
        byte[] before = ("{\"id\":\"invocation:n-1:inv-7@1764590000123\"," + now.substring(1)).getBytes(StandardCharsets.US_ASCII);
        assertThat(UsageRecord.parse(before)).isEqualTo(record);
        assertThat(UsageRecord.tenantOf(before)).isEqualTo("acme");
        assertThat(UsageRecord.startOf(before)).isEqualTo(1_764_590_000_123L);
        assertThat(UsageRecord.idOf(before)).isEqualTo("invocation:n-1:inv-7@1764590000123");
        assertThat(UsageRecord.isCanonical(before)).isTrue();
        // an id is taken as written (an egress record's could be a millisecond off its start); bytes spliced or padded are not a record
        byte[] offByOne = ("{\"id\":\"invocation:n-1:inv-7@1764590000122\"," + now.substring(1)).getBytes(StandardCharsets.US_ASCII);
        assertThat(UsageRecord.isCanonical(offByOne)).isTrue();
        assertThat(UsageRecord.idOf(offByOne)).isEqualTo("invocation:n-1:inv-7@1764590000122");
        assertThat(UsageRecord.isCanonical("{\"id\":\"x\"".getBytes(StandardCharsets.US_ASCII))).isFalse();
        assertThat(UsageRecord.isCanonical((now.substring(0, now.length() - 1) + " }").getBytes(StandardCharsets.US_ASCII))).isFalse();
        assertThat(UsageRecord.isCanonical(("{\"id\":\"invocation:n-1:inv-7@1764590000123\", " + now.substring(1))
                .getBytes(StandardCharsets.US_ASCII))).isFalse();
    }

    @Test
    void eachRecordCarriesItsOwnPricesWhenPricesChangeBackAndForth() {
        var dear = new UsageRecord.UnitPrices(2.0E-5, 0, 2.0E-7, 0.09);
        var cheap = new UsageRecord.UnitPrices(1.0E-5, 0, 2.0E-7, 0.09);
        for (var prices : java.util.List.of(dear, cheap, cheap, dear, new UsageRecord.UnitPrices(2.0E-5, 0, 2.0E-7, 0.09), cheap)) {
            var record = new UsageRecord("acme", "shop", "pay", UsageRecord.Kind.invocation, "a", "n", "spot-eu",
                    1_764_590_000_123L, 17, 256, 5, 6, 7, false, "ok", null, null, prices);
            assertThat(UsageRecord.parse(record.canonical()).prices()).isEqualTo(prices);
        }
    }

    @Test
    void numbersAreWrittenAsTheirDecimalDigitsOnBothSidesOfEveryPowerOfTen() {
        List<Long> values = new ArrayList<>(List.of(0L, Long.MAX_VALUE));
        for (long p = 10; ; p *= 10) {
            values.addAll(List.of(p - 1, p, p + 1));
            if (p > Long.MAX_VALUE / 10) {
                break;
            }
        }
        for (long v : values) {
            var written = new CanonicalRecord.Ascii(4).number(v);
            assertThat(new String(written.array(), 0, written.size(), StandardCharsets.US_ASCII)).isEqualTo(Long.toString(v));
        }
        // a count of blocks just below 10^15 reads back as itself: no leading zero
        var record = new UsageRecord("t", "a", "f", UsageRecord.Kind.invocation, "i", "n", "c", 0, 1, 128, 0, 0, 0, false,
                "ok", 999_999_999_999_999L, 9_999_999_999_999_999L, UsageRecord.UnitPrices.FREE);
        assertThat(UsageRecord.parse(record.canonical())).isEqualTo(record);
    }

    @Test
    void whatIsNotARecordIsRefusedSayingWhy() {
        assertThatThrownBy(() -> UsageRecord.parse("{\"id\":\"x\"}".getBytes())).hasMessageStartingWith("not a usage record:");
        assertThatThrownBy(() -> UsageRecord.tenantOf("{\"app\":\"x\",\"tenant\":\"x\"}".getBytes())).hasMessage("no tenant first");
        assertThatThrownBy(() -> UsageRecord.tenantOf("{\"id\":\"x\",\"app\":\"x\"}".getBytes())).hasMessage("no tenant first");
        assertThatThrownBy(() -> UsageRecord.startOf("{\"tenant\":\"t\"}".getBytes())).hasMessage("no start");
        assertThatThrownBy(() -> new UsageRecord("t", "a", "f", UsageRecord.Kind.invocation, "i", "n", "c", 0, 0, 128, 0, 0, 0, false,
                "ok", null, null, UsageRecord.UnitPrices.FREE)).hasMessageContaining("duration and memory are positive");
        assertThatThrownBy(() -> new UsageRecord("t", "a", "f", UsageRecord.Kind.invocation, "i", "n", "c", 0, 1, 128, 0, 0, 0, false,
                "ok", -1L, null, UsageRecord.UnitPrices.FREE)).hasMessageContaining("CPU time and blocks not negative");
        // bytes sent out have no duration and no memory; a call has both
        var egress = new UsageRecord("t", "a", "(network)", UsageRecord.Kind.egress, "s.1", "n", "c", 0, 0, 0, 0, 9, 9,
                false, "ok", null, null, UsageRecord.UnitPrices.FREE);
        assertThat(UsageRecord.parse(egress.canonical())).isEqualTo(egress);
    }

    @Test
    void recordsWrittenInTurnThroughOneBufferEachReadBackAsThemselves() {
        // more functions than the buffer keeps stencils of, names equal but not the same strings, and each field told apart
        var prices = new UsageRecord.UnitPrices(1.66667E-5, 0, 2.0E-7, 0.09);
        List<UsageRecord> records = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String f = new String("fn" + i % 11);
            records.add(new UsageRecord(i % 3 == 0 ? "acme" : "glo\"bex", new String("shop"), f,
                    i % 5 == 0 ? UsageRecord.Kind.step : UsageRecord.Kind.invocation, "inv-" + i, i % 7 == 0 ? "n2" : "n",
                    i % 2 == 0 ? "spot-eu" : "onprem", 1_764_590_000_000L + i, 1 + i, 128 << (i % 4), i, 2L * i, i % 4, i % 6 == 0,
                    i % 9 == 0 ? "FUNCTION_ERROR" : "ok", i % 8 == 0 ? null : (long) i * 3, null, prices));
        }
        var buffer = new CanonicalRecord.Ascii(CanonicalRecord.SIZE);
        for (var record : records) {
            CanonicalRecord.write(record, buffer);
            byte[] written = java.util.Arrays.copyOf(buffer.array(), buffer.size());
            assertThat(written).isEqualTo(record.canonical());
            assertThat(UsageRecord.parse(written)).isEqualTo(record);
        }
    }
}
