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

    @Test
    void theKernelsOwnIPv6PacketsAreTakenOffWithTheirEthernetHeaders() {
        // a new namespace's first 11 s, measured: 7 router solicitations and multicast reports, 586 bytes on tap0
        String snmp6 = "Ip6InReceives                   \t0\nIp6OutRequests                  \t7\nIp6OutOctets                    \t488\n";
        assertThat(Outbound.ipv6Bytes(snmp6)).isEqualTo(586);
        assertThat(Outbound.ipv6Bytes("Ip6InReceives 3\n")).as("no counters").isEqualTo(-1);
    }
}
