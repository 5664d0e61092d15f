package dev.skyfn.node.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OutboundTest {

    private static final String NET_DEV = """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                lo:     240       4    0    0    0     0          0         0      240       4    0    0    0     0       0          0
              tap0: 1234567    1001    0    0    0     0          0         0 104200312   99871    0    0    0     0       0          0
            """;

    @Test
    void theBytesSentAreTheTransmitCounterOfTheInterface() {
        assertThat(Outbound.transmitted(NET_DEV, "tap0")).isEqualTo(104_200_312L);
        assertThat(Outbound.transmitted(NET_DEV, "lo")).isEqualTo(240L);
        assertThat(Outbound.transmitted(NET_DEV, "eth0")).as("no such interface").isEqualTo(-1L);
    }
}
