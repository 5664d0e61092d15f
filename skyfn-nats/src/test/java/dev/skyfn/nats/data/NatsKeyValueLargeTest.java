package dev.skyfn.nats.data;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.core.data.KeyValue;
import dev.skyfn.core.data.KeyValueConformance;
import dev.skyfn.nats.OneServer;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The same tests with every value but the smallest kept in the object store, and a value larger than any NATS message. */
class NatsKeyValueLargeTest extends KeyValueConformance {

    @Test
    void aValueLargerThanAnyMessageComesBackWhole() {
        var kv = NatsKeyValue.open(server.engine(), 64 << 20, 32 << 20, OneServer.SEALER);
        byte[] big = new byte[10 << 20];
        new Random(3).nextBytes(big);
        kv.put("acme/shop", "photo", big);
        assertThat(kv.get("acme/shop", "photo")).hasValueSatisfying(v -> assertThat(v).isEqualTo(big));
        assertThat(kv.compareAndSet("acme/shop", "photo", big, "small".getBytes())).isTrue();
        assertThat(kv.get("acme/shop", "photo")).hasValueSatisfying(v -> assertThat(v).isEqualTo("small".getBytes()));
        assertThat(kv.bytes("acme")).isLessThan(1024);
    }

    @RegisterExtension
    static final OneServer server = new OneServer();

    @Override
    protected KeyValue store() {
        return new NatsKeyValue(server.engine(), server.engine().bucket(OneServer.freshName("state"), 1, Duration.ZERO),
                server.engine().objectStore(OneServer.freshName("values")), QUOTA, MAX_VALUE, 4, OneServer.SEALER);
    }
}
