package dev.skyfn.billing;

/** Usage records for tests. */
final class Records {

    private Records() {
    }

    static UsageRecord of(String tenant, String invocation, long start, long billedMs, int memoryMb) {
        return new UsageRecord(tenant, "app", "fn",
                UsageRecord.Kind.invocation, invocation, "n-1", "local", start, billedMs, memoryMb, 10, 20, 0, false, "ok", null, null,
                UsageRecord.UnitPrices.FREE);
    }
}
