package dev.skyfn.nats;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class LiveKeysTest {

    @RegisterExtension
    static final OneServer server = new OneServer();

    @Test
    void listsTheKeysUnderTheFilterThatHoldAValueNowAndTheirLatestValues() throws Exception {
        var bucket = server.engine().bucket(OneServer.freshName("claims"), 1, Duration.ZERO);
        for (String key : new String[] {"adopted.n1.a", "adopted.n1.b", "adopted.n1.c", "adopted.n1.d", "adopted.n2.a", "adopted.n10.a"}) {
            bucket.put(key, key.getBytes(StandardCharsets.UTF_8));
        }
        bucket.delete("adopted.n1.b");
        bucket.purge("adopted.n1.c");
        bucket.put("adopted.n1.d", "again".getBytes(StandardCharsets.UTF_8));

        assertThat(server.engine().liveKeys(bucket, "adopted.n1.>")).containsExactlyInAnyOrder("adopted.n1.a", "adopted.n1.d");
        assertThat(server.engine().liveKeys(bucket, "adopted.n3.>")).isEmpty();
        assertThat(server.engine().liveKeys(bucket, "gone.n1")).isEmpty();
        // every entry, with its latest value
        assertThat(server.engine().liveEntries(bucket, ">")).extracting(e -> e.getKey() + "=" + e.getValueAsString())
                .containsExactlyInAnyOrder("adopted.n1.a=adopted.n1.a", "adopted.n1.d=again", "adopted.n2.a=adopted.n2.a",
                        "adopted.n10.a=adopted.n10.a");
    }
}
