package dev.skyfn.core.cloud;

import java.time.Duration;

/**
 * What running on a cloud costs, in US dollars, the way serverless providers price it.
 *
 * @param model            on demand, spot (cheap, but taken back at short notice) or owned
 * @param gbSecond         per GiB of memory per second an invocation runs
 * @param vcpuSecond       per vCPU-second an invocation runs
 * @param request          per invocation
 * @param egressGb         per GiB leaving the cloud
 * @param preemptionNotice for spot capacity, how long before it is taken back the cloud warns
 * @param coolDown         for spot capacity, how long after one of its nodes is taken back the
 *                         fleet asks this market for nodes only when no other has room (SkyPilot's
 *                         move to the "next region" on a preemption)
 */
public record Pricing(Model model, double gbSecond, double vcpuSecond, double request, double egressGb,
                      Duration preemptionNotice, Duration coolDown) {

    public enum Model { ON_DEMAND, SPOT, OWNED }

    /** A spot market's cool-down when the topology gives none. */
    public static final Duration DEFAULT_COOL_DOWN = Duration.ofMinutes(10);

    /** These prices per GiB-second and vCPU-second, the rest as they are (a price feed's update). */
    /** Whether it is spot capacity: a market that may take a node back, after its {@code preemptionNotice}. */
    public boolean spot() {
        return model == Model.SPOT;
    }

    public Pricing at(double gbSecond, double vcpuSecond) {
        return new Pricing(model, gbSecond, vcpuSecond, request, egressGb, preemptionNotice, coolDown);
    }

    /** What one replica of {@code memoryMb} costs per second it is busy, on one vCPU. */
    public double perBusySecond(int memoryMb) {
        return gbSecond * memoryMb / 1024.0 + vcpuSecond;
    }

    /**
     * What a whole node of {@code cpus} vCPUs and {@code memoryMb} MiB costs per hour it is held,
     * in US dollars: its memory and vCPUs at the cloud's per-second prices (a VM billed as if
     * fully used, as providers bill instances).
     */
    public double perNodeHour(int cpus, int memoryMb) {
        return (gbSecond * memoryMb / 1024.0 + vcpuSecond * cpus) * 3600;
    }

    /** What one invocation of {@code memoryMb} running {@code seconds} on one vCPU costs. */
    public double invocation(int memoryMb, double seconds) {
        return perBusySecond(memoryMb) * seconds + request;
    }
}
