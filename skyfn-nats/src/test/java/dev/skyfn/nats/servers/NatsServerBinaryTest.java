package dev.skyfn.nats.servers;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NatsServerBinaryTest {

    @ParameterizedTest
    @CsvSource({
            "'nats-server: v2.9.10', false",
            "'nats-server: v2.11.9', false",
            "'nats-server: v2.12.0', true",
            "'nats-server: v2.15.1', true",
            "'nats-server: v3.0.0', true",
            "'nats-server: v2.12.0-RC.1', true",
            "'no version here', false"})
    void onlyServersFrom2_12OnPromoteAMirror(String version, boolean promotes) {
        assertThat(NatsServerBinary.promotes(version)).isEqualTo(promotes);
    }
}
