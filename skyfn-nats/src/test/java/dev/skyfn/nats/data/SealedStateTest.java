package dev.skyfn.nats.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.testing.Disk;
import dev.skyfn.nats.OneServer;
import dev.skyfn.nats.seal.Sealer;
import io.nats.client.KeyValue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What a NATS server, or the disk under it, sees of a tenant's state: ciphertext only. */
@Tag("slow")
class SealedStateTest {

    @RegisterExtension
    static final OneServer server = new OneServer();

    @Test
    void theServersFilesHoldNoValueInClearWhenSealedAndDoWhenNot() throws Exception {
        String sealed = "card-4111-1111-1111-1111";
        String plain = "postcode-SW1A-2AA-in-clear";
        write(OneServer.SEALER, sealed);
        write(Sealer.none(), plain);
        server.engine().connection().flush(Duration.ofSeconds(5));

        assertThat(Disk.holds(server.storeDir(), plain)).as("the scan finds what is stored in clear").isTrue();
        assertThat(Disk.holds(server.storeDir(), sealed)).as("no sealed value, small, large or ephemeral, in the server's files").isFalse();
    }

    @Test
    void aValueAlteredOrMovedToAnotherKeyOrTenantDoesNotOpen() {
        KeyValue bucket = server.engine().bucket(OneServer.freshName("state"), 1, Duration.ZERO);
        var kv = new NatsKeyValue(server.engine(), bucket, server.engine().objectStore(OneServer.freshName("values")), 1 << 20, 1 << 20,
                NatsKeyValue.INLINE_BYTES, OneServer.SEALER);
        kv.put("acme/shop", "a", "one".getBytes(StandardCharsets.UTF_8));
        kv.put("globex/shop", "b", "two".getBytes(StandardCharsets.UTF_8));
        byte[] acmeA = raw(bucket, "acme.shop.YQ");

        put(bucket, "globex.shop.Yg", acmeA);
        assertThatThrownBy(() -> kv.get("globex/shop", "b")).as("moved to another tenant")
                .isInstanceOfSatisfying(SkyfnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNSEAL_FAILED));
        put(bucket, "acme.shop.Yg", acmeA);
        assertThatThrownBy(() -> kv.get("acme/shop", "b")).as("moved to another key")
                .isInstanceOfSatisfying(SkyfnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNSEAL_FAILED));
        acmeA[acmeA.length - 1] ^= 1;
        put(bucket, "acme.shop.YQ", acmeA);
        assertThatThrownBy(() -> kv.get("acme/shop", "a")).as("altered")
                .isInstanceOfSatisfying(SkyfnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNSEAL_FAILED));
        var otherFleet = Sealer.of(java.util.HexFormat.of().parseHex(Sealer.newKey()));
        assertThatThrownBy(() -> otherFleet.open("acme", "acme.shop.YQ", OneServer.SEALER.seal("acme", "acme.shop.YQ", new byte[] {1})))
                .as("another fleet's key").isInstanceOf(SkyfnException.class);
    }

    private static void write(Sealer sealer, String marker) {
        byte[] small = marker.getBytes(StandardCharsets.UTF_8);
        byte[] large = (marker + " ").repeat(40_000).getBytes(StandardCharsets.UTF_8);
        var kv = new NatsKeyValue(server.engine(), server.engine().bucket(OneServer.freshName("state"), 1, Duration.ZERO),
                server.engine().objectStore(OneServer.freshName("values")), 64 << 20, 8 << 20, NatsKeyValue.INLINE_BYTES, sealer);
        kv.put("acme/shop", "small", small);
        kv.put("acme/shop", "large", large);
        var ns = new NatsNamespaces(server.engine(), server.engine().bucket(OneServer.freshName("ephemeral"), 1, Duration.ZERO),
                System::nanoTime, 64 << 20, 1 << 20, sealer);
        ns.open("acme", "/job", Duration.ofMinutes(1));
        ns.put("acme", "/job", "item", small);
        assertThat(kv.get("acme/shop", "small")).hasValue(small);
        assertThat(kv.get("acme/shop", "large")).hasValueSatisfying(v -> assertThat(v).isEqualTo(large));
        assertThat(ns.get("acme", "/job", "item")).hasValue(small);
    }

    private static byte[] raw(KeyValue bucket, String name) {
        try {
            return bucket.get(name).getValue();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void put(KeyValue bucket, String name, byte[] value) {
        try {
            bucket.put(name, value);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
