package dev.skyfn.nats.servers;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Free loopback ports for servers started here, taken below the kernel's ephemeral range: a port
 * the kernel handed out for a moment ({@code new ServerSocket(0)}) can be handed again to an
 * outgoing connection — a gateway dialling another cloud — before the server that was meant to
 * listen on it starts.
 */
public final class LoopbackPorts {

    private static final int LOWEST = 10_000;
    private static final AtomicInteger NEXT = new AtomicInteger(LOWEST + ThreadLocalRandom.current().nextInt(0, span()));

    private LoopbackPorts() {
    }

    /** A port nothing listens on now, not handed out before by this process. */
    public static int take() {
        for (int tries = 0; tries < span(); tries++) {
            int port = LOWEST + Math.floorMod(NEXT.getAndIncrement() - LOWEST, span());
            if (free(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free loopback port between " + LOWEST + " and " + (LOWEST + span()));
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** How many ports lie between {@link #LOWEST} and the start of the ephemeral range. */
    private static int span() {
        int ephemeralStart = 32_768;
        try {
            String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
            ephemeralStart = Integer.parseInt(range.split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            // not Linux, or unreadable: the usual Linux default
        }
        return Math.max(1_000, ephemeralStart - LOWEST);
    }
}
