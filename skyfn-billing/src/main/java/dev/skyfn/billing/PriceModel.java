package dev.skyfn.billing;

import java.util.List;

/**
 * A serverless provider's published pay-as-you-go price model, in US dollars.
 *
 * @param id            how bills name it ({@code aws-lambda})
 * @param name          how people name it
 * @param source        where the prices come from
 * @param request       per call
 * @param gbSecond      per GiB of memory per second
 * @param vcpuSecond    per vCPU-second (0 where memory's price includes the CPU)
 * @param granularityMs a call's duration is rounded up to a multiple of this
 * @param minimumMs     and billed at least this
 * @param memoryStepMb  memory is rounded up to a multiple of this (1: as configured)
 * @param maxMemoryMb   memory is billed at most this (0: no cap)
 * @param vcpuByMemory  the vCPUs allocated with memory: {@code [memoryMb, vcpu]} rows, ascending;
 *                      a function gets the first row at or above its memory
 * @param vcpuPerGb     or vCPUs per GiB of memory, when there are no rows
 * @param freeTier      what each month gives free
 */
public record PriceModel(String id, String name, String source, double request, double gbSecond, double vcpuSecond,
                         long granularityMs, long minimumMs, int memoryStepMb, int maxMemoryMb, List<double[]> vcpuByMemory,
                         double vcpuPerGb, FreeTier freeTier) {

    /** A month's free usage. */
    public record FreeTier(long requests, double gbSeconds, double vcpuSeconds) {
        public static final FreeTier NONE = new FreeTier(0, 0, 0);
    }

    /** Milliseconds billed for a call of {@code billedMs}. */
    public long durationMs(long billedMs) {
        long rounded = (billedMs + granularityMs - 1) / granularityMs * granularityMs;
        return Math.max(minimumMs, rounded);
    }

    /** Memory billed for a function of {@code memoryMb}. */
    public int memoryMb(int memoryMb) {
        int rounded = (memoryMb + memoryStepMb - 1) / memoryStepMb * memoryStepMb;
        return maxMemoryMb > 0 ? Math.min(rounded, maxMemoryMb) : rounded;
    }

    /** vCPUs allocated with {@code memoryMb}. */
    public double vcpus(int memoryMb) {
        if (vcpuByMemory.isEmpty()) {
            return vcpuPerGb * memoryMb / 1024.0;
        }
        for (double[] row : vcpuByMemory) {
            if (row[0] >= memoryMb) {
                return row[1];
            }
        }
        return vcpuByMemory.getLast()[1];
    }

    /** What one record's call would use under this model; nothing for bytes sent out, which these models leave to data-transfer prices. */
    public Usage usage(UsageRecord r) {
        if (!r.kind().call()) {
            return Usage.NONE;
        }
        double seconds = durationMs(r.billedMs()) / 1000.0;
        int memory = memoryMb(r.memoryMb());
        return new Usage(1, memory / 1024.0 * seconds, vcpus(memory) * seconds);
    }

    /** What {@code usage} costs, less {@code free}. */
    public double cost(Usage usage, FreeTier free) {
        return Math.max(0, usage.requests() - free.requests()) * request
                + Math.max(0, usage.gbSeconds() - free.gbSeconds()) * gbSecond
                + Math.max(0, usage.vcpuSeconds() - free.vcpuSeconds()) * vcpuSecond;
    }

    /** Calls, GiB-seconds and vCPU-seconds as a model bills them; adds up. */
    public record Usage(long requests, double gbSeconds, double vcpuSeconds) {
        public static final Usage NONE = new Usage(0, 0, 0);

        public Usage plus(Usage o) {
            return new Usage(requests + o.requests, gbSeconds + o.gbSeconds, vcpuSeconds + o.vcpuSeconds);
        }
    }
}
