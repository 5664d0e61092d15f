package dev.skyfn.nats.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.nats.OneServer;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The fleet's schedule ticks in a JetStream bucket: moved on by compare-and-set, forgotten with their app. */
@Tag("slow")
class KvTickLedgerTest {

    @RegisterExtension
    static final OneServer server = new OneServer();

    private final KvTickLedger ledger = KvTickLedger.open(server.engine());

    @Test
    void onlyTheNodeThatReadTheLastTickMovesItOn() {
        String trigger = OneServer.freshName("acme") + ".shop.f.0.1000";
        Instant first = Instant.ofEpochSecond(60);
        assertThat(ledger.advance(trigger, Optional.empty(), first)).isTrue();
        assertThat(ledger.advance(trigger, Optional.empty(), first)).as("a node that had not seen the first tick").isFalse();
        assertThat(ledger.advance(trigger, Optional.of(first), Instant.ofEpochSecond(120))).isTrue();
        assertThat(ledger.last(trigger)).contains(Instant.ofEpochSecond(120));
    }

    @Test
    void aForgottenTriggerHasNoLastTickAndStartsAgainFromNone() {
        String trigger = OneServer.freshName("acme") + ".shop.f.0.1000";
        ledger.advance(trigger, Optional.empty(), Instant.ofEpochSecond(60));
        ledger.forget(trigger);
        assertThat(ledger.last(trigger)).isEmpty();
        assertThat(ledger.advance(trigger, Optional.empty(), Instant.ofEpochSecond(180))).isTrue();
        assertThat(ledger.last(trigger)).contains(Instant.ofEpochSecond(180));
        ledger.forget("never-fired.shop.f.0");
        assertThat(ledger.last("never-fired.shop.f.0")).isEmpty();
    }
}
