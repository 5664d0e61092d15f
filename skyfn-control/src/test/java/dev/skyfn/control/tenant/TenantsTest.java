package dev.skyfn.control.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.Caller;
import dev.skyfn.core.cloud.Trust;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TenantsTest {

    @TempDir
    Path dir;

    private Tenants tenants() {
        return new Tenants(dir.resolve("tenants.json"), Clock.systemUTC());
    }

    @Test
    void authenticatesTheKeysItIssued() {
        Tenants tenants = tenants();
        var acme = tenants.create("acme");
        assertThat(tenants.authenticate(acme.apiKey())).contains(new Caller("acme", false));
        assertThat(tenants.authenticate(acme.apiKey() + "x")).isEmpty();
        assertThat(tenants.authenticate("sk_" + acme.keyId() + "_guess")).isEmpty();
        assertThat(tenants.authenticate("nonsense")).isEmpty();
    }

    @Test
    void aKeyIssuedThroughAnotherControlPlaneWorksAtOnce() {
        Tenants here = tenants();
        Tenants there = tenants();
        var acme = there.create("acme");
        assertThat(here.authenticate(acme.apiKey())).as("before any change notice arrives").contains(new Caller("acme", false));
        assertThat(here.knows("acme")).isTrue();
        assertThat(here.knows("ghost")).as("a tenant never created").isFalse();
    }

    @Test
    void storesOnlyDigestsOfKeys() throws Exception {
        var key = tenants().create("acme");
        String stored = Files.readString(dir.resolve("tenants.json"));
        String secret = key.apiKey().substring(("sk_" + key.keyId() + "_").length());
        assertThat(key.apiKey()).startsWith("sk_" + key.keyId() + "_");
        assertThat(stored).contains(key.keyId()).doesNotContain(secret);
    }

    @Test
    void keepsKeysAcrossRestartsAndForgetsRevokedOnes() {
        var acme = tenants().create("acme");
        var second = tenants().issueKey("acme", false);
        assertThat(tenants().revoke("acme", acme.keyId())).isTrue();
        Tenants restarted = tenants();
        assertThat(restarted.authenticate(acme.apiKey())).isEmpty();
        assertThat(restarted.authenticate(second.apiKey())).isPresent();
    }

    @Test
    void keepsEachTenantsTrustPolicyAcrossRestartsAndReadsOldRecordsAsUntrusted() throws Exception {
        tenants().create("acme");
        tenants().create("umbrella", Trust.TRUSTED);
        Tenants restarted = tenants();
        assertThat(restarted.trustOf("acme")).isEqualTo(Trust.UNTRUSTED);
        assertThat(restarted.trustOf("umbrella")).isEqualTo(Trust.TRUSTED);
        assertThat(restarted.trustOf("nobody")).isEqualTo(Trust.UNTRUSTED);
        assertThat(restarted.trustOf(null)).as("a message naming no tenant").isEqualTo(Trust.UNTRUSTED);
        Tenants same = tenants();
        same.create("initech", Trust.TRUSTED);
        assertThat(same.trustOf("initech")).as("a tenant created here is found at once").isEqualTo(Trust.TRUSTED);
        Path file = dir.resolve("tenants.json");
        Files.writeString(file, Files.readString(file).replaceAll(",\\s*\"trust\"\\s*:\\s*\"[A-Z]+\"", ""));
        assertThat(Files.readString(file)).as("a file written before trust policies").doesNotContain("trust");
        assertThat(tenants().trustOf("umbrella")).isEqualTo(Trust.UNTRUSTED);
    }

    @Test
    void bootstrapsOneAdminKeyOnly() {
        Tenants tenants = tenants();
        var admin = tenants.bootstrapAdmin().orElseThrow();
        assertThat(tenants.authenticate(admin.apiKey())).contains(new Caller(Tenants.ADMIN_TENANT, true));
        assertThat(tenants.bootstrapAdmin()).isEmpty();
    }

    @Test
    void refusesBadAndDuplicateNames() {
        Tenants tenants = tenants();
        tenants.create("acme");
        assertThatThrownBy(() -> tenants.create("acme")).isInstanceOf(SkyfnException.class).hasMessageContaining("exists");
        assertThatThrownBy(() -> tenants.create("Bad Name")).isInstanceOf(SkyfnException.class).hasMessageContaining("not a valid tenant name");
    }
}
