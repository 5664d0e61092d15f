package dev.skyfn.core.cloud;

import java.time.Duration;

/**
 * What running on a cloud costs, in US dollars, the way serverless providers price it.
 *
 * @param model            on demand, spot (cheap, but taken back at short notice), owned, or a
 *                         serverless pool: nodes billed only for the time they serve calls
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

    /**
     * How a cloud bills its nodes. {@code SERVERLESS} is a container pool billed per use, as Cloud
     * Run's request-based billing and Knative on a pay-per-use cluster are: a node costs its
     * GiB-seconds and vCPU-seconds only while it has a call in flight, nothing while idle; the
     * others bill a node for every second it is held.
     */
    public enum Model { ON_DEMAND, SPOT, OWNED, SERVERLESS }

    /** A spot market's cool-down when the topology gives none. */
    public static final Duration DEFAULT_COOL_DOWN = Duration.ofMinutes(10);

    /** Whether it is spot capacity: a market that may take a node back, after its {@code preemptionNotice}. */
    public boolean spot() {
        return model == Model.SPOT;
    }

    /** Whether a node is billed only for the time it serves calls (a serverless pool), not for the time it is held. */
    public boolean perUse() {
        return model == Model.SERVERLESS;
    }

    /** These prices per GiB-second and vCPU-second, the rest as they are (a price feed's update). */
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
     * fully used, as providers bill instances). For a serverless pool, what it costs per hour it
     * has calls in flight.
     */
    public double perNodeHour(int cpus, int memoryMb) {
        return (gbSecond * memoryMb / 1024.0 + vcpuSecond * cpus) * 3600;
    }

    /** What one invocation of {@code memoryMb} running {@code seconds} on one vCPU costs. */
    public double invocation(int memoryMb, double seconds) {
        return perBusySecond(memoryMb) * seconds + request;
    }
}
