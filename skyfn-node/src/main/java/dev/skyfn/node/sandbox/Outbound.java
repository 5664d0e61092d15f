package dev.skyfn.node.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A confined sandbox's way out to the network: a user-mode network stack (slirp4netns) attached to
 * the sandbox's own network namespace. The sandbox reaches the outside world as the node's host
 * would (10.0.2.0/24 inside, NAT to the host's addresses; DNS at 10.0.2.3), but not the host's
 * loopback: not the node's ports, other sandboxes' or a local NATS server. Without it, the
 * namespace has only its own loopback.
 *
 * <p>slirp4netns reads its end-of-life from its standard input ({@code --exit-fd=0}): it exits as
 * soon as the node closes that pipe or the node dies, even by {@code kill -9}.
 */
final class Outbound implements AutoCloseable {

    /** Where a sandbox with outbound network finds its name server: slirp4netns's own, which asks the host's. */
    static final String RESOLV_CONF = "nameserver 10.0.2.3\n";

    /** The interface slirp4netns gives the namespace. */
    private static final String INTERFACE = "tap0";

    private final Process process;
    /** A process inside the namespace: its {@code /proc/<pid>/net/dev} counts the namespace's interfaces. */
    private final ProcessHandle inside;

    private Outbound(Process process, ProcessHandle inside) {
        this.process = process;
        this.inside = inside;
    }

    /**
     * Attaches a network stack to the network namespace of {@code sandbox} (the bubblewrap process:
     * its child is inside the namespace) and waits until the namespace's interface is up.
     *
     * @throws IOException if it cannot start or is not ready within {@code timeout}
     */
    static Outbound attach(Path slirp4netns, ProcessHandle sandbox, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        ProcessHandle inside = insideOf(sandbox, deadline)
                .orElseThrow(() -> new IOException("the sandbox has no process inside its namespaces to attach a network to"));
        Process p = new ProcessBuilder(List.of(slirp4netns.toString(), "--configure", "--mtu=65520", "--disable-host-loopback",
                "--enable-sandbox", "--exit-fd=0", "--ready-fd=1", "--netns-type=path",
                "/proc/" + inside.pid() + "/ns/net", "tap0"))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            String ready = CompletableFuture.supplyAsync(() -> readyByte(p.getInputStream()), Thread.ofVirtual()::start)
                    .get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (!"1".equals(ready)) {
                throw new IOException(slirp4netns + " exited before the sandbox's network was up (status "
                        + (p.waitFor(1, TimeUnit.SECONDS) ? p.exitValue() : -1) + ")");
            }
            return new Outbound(p, inside);
        } catch (ExecutionException | TimeoutException | InterruptedException e) {
            p.destroyForcibly();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IOException(slirp4netns + " did not bring the sandbox's network up within " + timeout.toMillis() + " ms");
        } catch (IOException e) {
            p.destroyForcibly();
            throw e;
        }
    }

    /**
     * The bytes the sandbox has sent out of its node so far, or -1 once they cannot be read (the
     * namespace is gone): what its interface transmitted, Ethernet headers included, less its
     * IPv6 packets — the kernel's own (router solicitations, multicast reports) as much as any
     * other, since slirp4netns, without IPv6, lets none of them out.
     */
    long sentBytes() {
        Path proc = Path.of("/proc", Long.toString(inside.pid()), "net");
        try {
            long transmitted = transmitted(Files.readString(proc.resolve("dev")), INTERFACE);
            long ipv6 = ipv6Bytes(Files.readString(proc.resolve("dev_snmp6").resolve(INTERFACE)));
            return transmitted < 0 || ipv6 < 0 ? -1 : Math.max(0, transmitted - ipv6);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * The transmit byte counter of {@code name} in the text of a {@code /proc/net/dev}: after
     * the interface's name and colon, eight receive counters, then the bytes sent; -1 without it.
     */
    static long transmitted(String netDev, String name) {
        for (String line : netDev.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equals(name)) {
                String[] fields = line.substring(colon + 1).trim().split("\\s+");
                return fields.length > 8 ? Long.parseLong(fields[8]) : -1;
            }
        }
        return -1;
    }

    /**
     * The bytes of the IPv6 packets an interface sent, as its interface counts them, from the text
     * of its {@code /proc/net/dev_snmp6/<name>}: their octets and an Ethernet header (14 bytes)
     * each; -1 without the counters.
     */
    static long ipv6Bytes(String snmp6) {
        long octets = -1;
        long packets = -1;
        for (String line : snmp6.split("\n")) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length == 2 && fields[0].equals("Ip6OutOctets")) {
                octets = Long.parseLong(fields[1]);
            } else if (fields.length == 2 && fields[0].equals("Ip6OutRequests")) {
                packets = Long.parseLong(fields[1]);
            }
        }
        return octets < 0 || packets < 0 ? -1 : octets + ETHERNET_HEADER * packets;
    }

    private static final int ETHERNET_HEADER = 14;

    /** The sandbox's network is gone once this returns: its interface goes with the process holding it. */
    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Optional<ProcessHandle> insideOf(ProcessHandle sandbox, long deadline) {
        while (System.nanoTime() < deadline && sandbox.isAlive()) {
            Optional<ProcessHandle> child = sandbox.children().findFirst();
            if (child.isPresent()) {
                return child;
            }
            Thread.onSpinWait();
        }
        return Optional.empty();
    }

    private static String readyByte(InputStream in) {
        try {
            byte[] one = in.readNBytes(1);
            return new String(one, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return "";
        }
    }
}
