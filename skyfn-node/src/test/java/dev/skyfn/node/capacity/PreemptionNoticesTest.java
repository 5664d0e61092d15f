package dev.skyfn.node.capacity;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PreemptionNoticesTest {

    /** A notice in EC2's instance-action shape names when the machine goes; anything else is no notice. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "{\"action\": \"terminate\", \"time\": \"2026-11-30T17:22:00Z\"} | 2026-11-30T17:22:00Z",
            "{\"action\": \"stop\", \"time\": \"2026-11-30T17:22:00Z\"}      | ''",
            "{\"action\": \"terminate\", \"time\": \"in a minute\"}          | ''",
            "{\"action\": \"terminate\", \"time\": 1764523320}               | ''",
            "{\"action\": \"terminate\"}                                     | ''",
            "not json                                                        | ''",
            "[]                                                              | ''"})
    void aNoticeNamesWhenTheMachineGoes(String body, String at) {
        assertThat(PreemptionNotices.read(body.getBytes(StandardCharsets.UTF_8)).map(Instant::toString).orElse("")).isEqualTo(at);
    }

    @org.junit.jupiter.api.Test
    void aNoticeAsTheEmulatedCloudsPublishItReadsBack() {
        Instant at = Instant.parse("2026-11-30T17:22:00.250Z");

        assertThat(PreemptionNotices.read(PreemptionNotices.notice(at))).contains(at);
    }
}
