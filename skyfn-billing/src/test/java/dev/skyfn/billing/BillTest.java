package dev.skyfn.billing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class BillTest {

    private static final PriceTable TABLE = PriceTable.standard();
    private static final long DEC_1 = Instant.parse("2026-12-01T10:00:00Z").toEpochMilli();

    /** One call under each published model, by hand from the providers' pages. */
    @ParameterizedTest(name = "{0}: {1} MB for {2} ms costs ${3}")
    @CsvSource({
            // Lambda: 1 ms granularity, GB-s at $0.0000166667, $0.20 per million
            "aws-lambda,               128,    1, 0.000000202083",
            "aws-lambda,              1536,  250, 0.000006450013",
            // Azure: at least 100 ms, memory up to the next 128 MB and at most 1,536 MB
            "azure-functions,          128,    1, 0.000000400000",
            "azure-functions,          200,  150, 0.000000800000",
            "azure-functions,         3008, 1000, 0.000024200000",
            // Cloud Run functions: 100 ms granularity, 0.083 vCPU at 128 MB, $0.40 per million
            "cloud-run-functions,      128,    1, 0.000000630450",
            "cloud-run-functions,     2048,  301, 0.000000400000 + 0.4 * 2 * 0.0000025 + 0.4 * 1 * 0.000024",
            // Function Compute: 1 ms, CU-based; 1 vCPU per 2 GB
            "alibaba-function-compute, 128,    1, 0.000000151625",
    })
    void oneCallCostsWhatTheProviderPublishes(String model, int memoryMb, long billedMs, String expected) {
        var record = Records.of("t", "i", DEC_1, billedMs, memoryMb);
        Bill bill = Bill.of(List.of(record), Bill.By.function, TABLE);
        assertThat(bill.total().elsewhere().get(model)).isCloseTo(sum(expected), within(1e-12));
    }

    @Test
    void freeTiersApplyPerCalendarMonthToTheWholeBill() {
        List<UsageRecord> records = new ArrayList<>();
        long jan = Instant.parse("2026-01-15T00:00:00Z").toEpochMilli();
        long feb = Instant.parse("2026-02-15T00:00:00Z").toEpochMilli();
        for (int i = 0; i < 50; i++) {
            records.add(Records.of("t", "j" + i, jan, 900_000, 10_240)); // 9,000 GB-s each
        }
        for (int i = 0; i < 10; i++) {
            records.add(Records.of("t", "f" + i, feb, 900_000, 10_240));
        }
        Bill bill = Bill.of(records, Bill.By.day, TABLE);
        Bill.Elsewhere lambda = bill.elsewhere().getFirst();
        assertThat(lambda.model()).isEqualTo("aws-lambda");
        // January's 450,000 GB-s are 50,000 over the free 400,000; February's 90,000 are free, and all 60 calls are
        // within the free million
        assertThat(lambda.listCost()).isCloseTo(60 * 9_000 * 0.0000166667 + 60 * 0.0000002, within(1e-9));
        assertThat(lambda.cost()).isCloseTo(50_000 * 0.0000166667, within(1e-9));
        assertThat(lambda.freeTier()).isCloseTo(lambda.listCost() - lambda.cost(), within(1e-12));
        assertThat(bill.lines()).extracting(Bill.Line::key).containsExactly("2026-01-15", "2026-02-15");
    }

    @Test
    void bytesASandboxSentOutAreRatedAsEgressAloneAndAreNoCall() {
        var prices = new UsageRecord.UnitPrices(0.00001, 0.00002, 0.0000001, 0.09);
        var sent = new UsageRecord("t", "shop", "(network)", UsageRecord.Kind.egress, "sandbox-3.1", "n",
                "spot-eu", DEC_1, 0, 0, 0, 3L << 29, 3L << 29, false, "ok", null, null, prices);
        assertThat(Bill.cost(sent)).as("1.5 GiB at $0.09/GiB, no request").isCloseTo(1.5 * 0.09, within(1e-12));
        Bill bill = Bill.of(List.of(sent), Bill.By.function, TABLE);
        assertThat(bill.total().calls()).isZero();
        assertThat(bill.total().egressBytes()).isEqualTo(3L << 29);
        assertThat(bill.elsewhere()).allSatisfy(e -> assertThat(e.listCost()).as(e.model()).isZero());
    }

    @Test
    void ownCloudCostIsTheRecordsUnitPricesAndLinesAddUpToTheTotal() {
        var prices = new UsageRecord.UnitPrices(0.00001, 0.00002, 0.0000001, 0.09);
        var a = new UsageRecord("t", "shop", "pay", UsageRecord.Kind.invocation, "1", "n", "spot-eu", DEC_1, 500,
                2048, 100, 200, 1L << 30, true, "ok", 412_000L, 900L, prices);
        var b = new UsageRecord("t", "shop", "list", UsageRecord.Kind.invocation, "2", "n", "ondemand-us", DEC_1, 1,
                128, 1, 2, 0, false, "FUNCTION_ERROR", 350L, null, UsageRecord.UnitPrices.FREE);
        Bill bill = Bill.of(List.of(a, b), Bill.By.cloud, TABLE);
        assertThat(Bill.cost(a)).isCloseTo(2 * 0.5 * 0.00001 + 0.5 * 0.00002 + 0.0000001 + 0.09, within(1e-12));
        assertThat(bill.lines()).extracting(Bill.Line::key).containsExactly("ondemand-us", "spot-eu");
        assertThat(bill.total().calls()).isEqualTo(2);
        assertThat(bill.total().errors()).isEqualTo(1);
        assertThat(bill.total().coldStarts()).isEqualTo(1);
        assertThat(bill.total().cpuMicros()).isEqualTo(412_350);
        assertThat(bill.total().cost()).isCloseTo(Bill.cost(a), within(1e-12));
        String csv = bill.csv();
        assertThat(csv.split("\r\n")).hasSize(4);
        assertThat(csv).startsWith("cloud,calls,errors,coldStarts,billedMs,gbSeconds,cpuMicros,bytesIn,bytesOut,egressBytes,blocks,cost,aws-lambda,");
        assertThat(csv).contains("\r\ntotal,2,1,1,501,");
        assertThat(bill.total().blocks()).as("blocks of the record that counts them").isEqualTo(900);
    }

    @Test
    void aMalformedPriceTableIsRefusedNamingTheModelAndField() {
        assertThatThrownBy(() -> read("version: x\nmodels:\n  m:\n    name: M\n    source: s\n    gbSecond: 1\n    granularityMs: 1\n"))
                .hasMessage("t.yaml: model 'm' has no 'request'");
        assertThatThrownBy(() -> read("version: x\nmodels:\n  m: {name: M, source: s, request: 1, gbSecond: 1, granularityMs: 1, gbsecond: 2}\n"))
                .hasMessage("t.yaml: model 'm' has an unknown field 'gbsecond'");
        assertThatThrownBy(() -> read("version: x\nmodels:\n  m: {name: M, source: s, request: -1, gbSecond: 1, granularityMs: 1}\n"))
                .hasMessage("t.yaml: model 'm': request is a number, 0 or more, not -1");
        assertThatThrownBy(() -> read("version: x\nmodels:\n  m: {name: M, source: s, request: 1, gbSecond: 1, granularityMs: 1, vcpuByMemory: [[512, 1], [256, 2]]}\n"))
                .hasMessage("t.yaml: model 'm': vcpuByMemory rows are [memoryMb, vcpu], memory ascending");
        assertThatThrownBy(() -> read("models: {}\n"))
                .hasMessage("t.yaml: a price table has a version and at least one model under models");
        assertThatThrownBy(() -> Bill.By.parse("month")).hasMessage("'by' is one of cloud, app, function, day, node, tenant; not 'month'");
    }

    private static PriceTable read(String yaml) {
        return PriceTable.read(yaml.getBytes(StandardCharsets.UTF_8), "t.yaml");
    }

    private static double sum(String expression) {
        double total = 0;
        for (String term : expression.split("\\+")) {
            double product = 1;
            for (String factor : term.split("\\*")) {
                product *= Double.parseDouble(factor.strip());
            }
            total += product;
        }
        return total;
    }
}
