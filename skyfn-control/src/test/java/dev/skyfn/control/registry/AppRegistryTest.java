package dev.skyfn.control.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skyfn.control.pkg.Fixtures;
import dev.skyfn.control.pkg.PackageInspector;
import dev.skyfn.control.pkg.PackageLimits;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.AppCatalog;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.app.DeployedApp;
import dev.skyfn.core.testing.JarBuilder;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppRegistryTest {

    @TempDir
    Path dir;

    private AppRegistry registry() {
        return new AppRegistry(dir, new PackageInspector(PackageLimits.DEFAULT), Clock.systemUTC());
    }

    private static ByteArrayInputStream jar(String app) {
        return new ByteArrayInputStream(JarBuilder.app("app: " + app + "\nfunctions: {hello: {handler: "
                + Fixtures.Hello.class.getName() + "}}").classes(Fixtures.Hello.class).bytes());
    }

    @Test
    void versionsRedeploymentsAndTellsListenersWhatWasReplaced() {
        AppRegistry registry = registry();
        List<String> events = new ArrayList<>();
        registry.subscribe(new AppCatalog.Listener() {
            @Override
            public void deployed(DeployedApp app, DeployedApp previous) {
                events.add("deployed v" + app.version() + (previous == null ? "" : " over v" + previous.version()));
            }

            @Override
            public void removed(DeployedApp app) {
                events.add("removed v" + app.version());
            }
        });
        registry.deploy("acme", jar("shop"));
        DeployedApp v2 = registry.deploy("acme", jar("shop"));
        assertThat(v2.version()).isEqualTo(2);
        assertThat(Files.exists(v2.jar())).isTrue();
        assertThat(registry.remove(new AppKey("acme", "shop"))).isTrue();
        assertThat(events).containsExactly("deployed v1", "deployed v2 over v1", "removed v2");
        assertThat(registry.find(new AppKey("acme", "shop"))).isEmpty();
    }

    @Test
    void anAppKeepsItsCreationAcrossVersionsAndRestartsAndIsCreatedAnewAfterItsRemoval() {
        Clock clock = new dev.skyfn.core.testing.ManualClock(java.time.Instant.ofEpochMilli(1_000), java.time.Duration.ofSeconds(1));
        AppRegistry registry = new AppRegistry(dir, new PackageInspector(PackageLimits.DEFAULT), clock);
        DeployedApp v1 = registry.deploy("acme", jar("shop"));
        DeployedApp v2 = registry.deploy("acme", jar("shop"));
        assertThat(v1.createdAt()).isEqualTo(v1.deployedAt());
        assertThat(v2.createdAt()).isEqualTo(v1.createdAt()).isBefore(v2.deployedAt());
        DeployedApp restarted = new AppRegistry(dir, new PackageInspector(PackageLimits.DEFAULT), clock)
                .find(new AppKey("acme", "shop")).orElseThrow();
        assertThat(restarted.createdAt()).isEqualTo(v1.createdAt());
        registry.remove(new AppKey("acme", "shop"));
        DeployedApp again = registry.deploy("acme", jar("shop"));
        assertThat(again.version()).isEqualTo(1);
        assertThat(again.createdAt()).isAfter(v2.deployedAt());
    }

    @Test
    void anAppDeployedBeforeItsCreationWasKeptHasNoneAndItsNextVersionNeither() throws Exception {
        registry().deploy("acme", jar("shop"));
        Path current = dir.resolve("acme").resolve("shop").resolve("current.json");
        String json = Files.readString(current);
        assertThat(json).contains("createdAt");
        Files.writeString(current, json.replaceAll(",\\s*\"createdAt\"\\s*:\\s*[^,}]+", ""));
        AppRegistry restarted = registry();
        assertThat(restarted.find(new AppKey("acme", "shop")).orElseThrow().createdAt()).isNull();
        assertThat(restarted.deploy("acme", jar("shop")).createdAt()).as("a trigger's state keeps its name").isNull();
    }

    @Test
    void keepsAppsAcrossRestarts() {
        registry().deploy("acme", jar("shop"));
        registry().deploy("acme", jar("shop"));
        AppRegistry restarted = registry();
        assertThat(restarted.find(new AppKey("acme", "shop"))).get().extracting(DeployedApp::version).isEqualTo(2);
    }

    @Test
    void keepsTenantsApart() {
        AppRegistry registry = registry();
        registry.deploy("acme", jar("shop"));
        registry.deploy("globex", jar("shop"));
        registry.deploy("globex", jar("bank"));
        assertThat(registry.list("acme")).extracting(DeployedApp::name).containsExactly("shop");
        assertThat(registry.list("globex")).extracting(DeployedApp::name).containsExactly("bank", "shop");
        assertThat(registry.find(new AppKey("acme", "bank"))).isEmpty();
        assertThat(registry.find(new AppKey("acme", "shop")).orElseThrow().version()).isEqualTo(1);
    }

    @Test
    void refusesABadPackageWithoutTouchingTheDeployedOne() {
        AppRegistry registry = registry();
        registry.deploy("acme", jar("shop"));
        assertThatThrownBy(() -> registry.deploy("acme", new ByteArrayInputStream("junk".getBytes())))
                .isInstanceOf(SkyfnException.class);
        assertThat(registry.find(new AppKey("acme", "shop")).orElseThrow().version()).isEqualTo(1);
        assertThat(dir.resolve(".incoming")).isEmptyDirectory();
    }
}
