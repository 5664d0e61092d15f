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
