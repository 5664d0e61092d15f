package dev.skyfn.nats.nodes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeReportTest {

    @Test
    void aHeartbeatCarriesEverythingTheNodeSaysOfItself() throws Exception {
        var report = new NodeReport("run-eu-1", "run-eu", "http://127.0.0.1:8080", 1024, 0.5, List.of("dev/app@1"),
                Map.of("dev/app", 2.5), Map.of("spot-eu-1", 3), "2026-12-02T10:00:00Z", Map.of("dev/app", Map.of("eu", 7L)), 12_345);
        NodeReport read = new ObjectMapper().readValue(NodeDirectory.json(report), NodeReport.class);
        assertThat(read).isEqualTo(report);
        assertThat(read.busyMs()).isEqualTo(12_345);
    }
}
