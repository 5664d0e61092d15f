package dev.skyfn.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.core.testing.JarBuilder;
import dev.skyfn.node.apps.Misbehaving;
import dev.skyfn.node.apps.Shared;
import dev.skyfn.node.apps.Stateful;
import dev.skyfn.node.sandbox.SandboxLauncher;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Help rather than recycle: in a burst of cold starts, a new app takes a seat in a warm sandbox
 * of another of its tenant's apps instead of waiting for a boot — never one of another tenant,
 * never an app that opted out — and each app in a shared sandbox keeps its own state and logs.
 */
@Tag("slow")
class SharedSandboxTest {

    private static final int APPS_PER_TENANT = 6;

    @TempDir
    Path dir;

    @Test
    void aBurstSharesWarmSandboxesWithinATenantOnly() throws Exception {
        try (TestNode anonymous = TestNode.start(TestNode.config(dir).build(), false)) {
            TestNode admin = anonymous.as(Files.readString(dir.resolve("admin.key")).trim());
            Map<String, TestNode> tenants = Map.of("acme", admin.tenant("acme"), "globex", admin.tenant("globex"));
            List<Call> calls = new ArrayList<>();
            for (var tenant : tenants.entrySet()) {
                for (int i = 0; i < APPS_PER_TENANT; i++) {
                    deploy(tenant.getValue(), "app" + i, true);
                    calls.add(new Call(tenant.getKey(), "app" + i));
                }
                deploy(tenant.getValue(), "alone", false);
                calls.add(new Call(tenant.getKey(), "alone"));
                // each tenant has a warm sandbox before the burst: what a cold app may share
                assertThat(jvm(tenant.getValue().invoke("app0", "which", "warm"))).isNotBlank();
            }

            List<CompletableFuture<HttpResponse<String>>> answers = calls.stream()
                    .map(c -> CompletableFuture.supplyAsync(() -> tenants.get(c.tenant()).invoke(c.app(), "which", "burst"),
                            Thread.ofVirtual()::start))
                    .toList();
            Map<String, Set<Call>> byJvm = new HashMap<>();
            for (int i = 0; i < calls.size(); i++) {
                HttpResponse<String> res = answers.get(i).join();
                assertThat(res.statusCode()).as(calls.get(i) + ": " + res.body()).isEqualTo(200);
                byJvm.computeIfAbsent(jvm(res), k -> new HashSet<>()).add(calls.get(i));
            }

            for (Set<Call> together : byJvm.values()) {
                assertThat(together.stream().map(Call::tenant).distinct()).as("one sandbox, one tenant: " + together).hasSize(1);
                if (together.stream().anyMatch(c -> c.app().equals("alone"))) {
                    assertThat(together).as("an app that opted out shares with nobody").hasSize(1);
                }
            }
            assertThat(byJvm.values()).as("some apps took a seat in a warm sandbox: " + byJvm).anyMatch(s -> s.size() > 1);
            assertThat(byJvm.size()).as("fewer sandboxes than apps").isLessThan(calls.size());
            var view = Errors.json(admin.get("/v1/node")).get("sandboxes");
            assertThat(view.get("appsServing").asInt()).as(view.toString()).isEqualTo(calls.size());
            assertThat(view.get("active").asInt()).as(view.toString()).isEqualTo(byJvm.size());

            TestNode acme = tenants.get("acme");
            for (int i = 0; i < APPS_PER_TENANT; i++) {
                HttpResponse<String> again = acme.invoke("app" + i, "which", "again");
                // app0 was called three times in all, the others twice: each counts in its own state
                assertThat(again.body()).as("app" + i).endsWith(" " + (i == 0 ? 3 : 2));
                String logs = acme.get("/v1/apps/app" + i + "/logs").body();
                assertThat(logs).contains("served by app" + i);
                for (int j = 0; j < APPS_PER_TENANT; j++) {
                    if (j != i) {
                        assertThat(logs).as("app%d's logs", i).doesNotContain("served by app" + j);
                    }
                }
            }
        }
    }

    @Test
    void aFunctionThatEndsASharedSandboxCostsEveryAppInItOneColdStartAndNoMore() {
        // boots take three seconds and there is no spare: apps called while both boot turns are taken share instead
        System.setProperty(SandboxLauncher.SLOW_BOOT_PROPERTY, "3000ms");
        try (TestNode node = TestNode.start(TestNode.config(dir).spareSandboxes(0).build(), true)) {
            deploy(node, "host", true);
            String hostJvm = jvm(node.invoke("host", "which", "warm"));
            List<String> guests = List.of("g0", "g1", "g2", "g3");
            guests.forEach(g -> deploy(node, g, true));
            List<CompletableFuture<HttpResponse<String>>> burst = guests.stream()
                    .map(g -> CompletableFuture.supplyAsync(() -> node.invoke(g, "which", "burst"), Thread.ofVirtual()::start))
                    .toList();
            List<String> sharing = new ArrayList<>();
            for (int i = 0; i < guests.size(); i++) {
                if (jvm(burst.get(i).join()).equals(hostJvm)) {
                    sharing.add(guests.get(i));
                }
            }
            // at most a spare and two boots for four apps: at least one took a seat in host's sandbox
            assertThat(sharing).as("apps sharing host's sandbox").isNotEmpty();

            HttpResponse<String> exited = node.invoke(sharing.getFirst(), "exit", "");
            assertThat(exited.body()).as(exited.body()).contains("FUNCTION_EXITED");

            for (String app : concat("host", sharing)) {
                HttpResponse<String> again = node.invoke(app, "which", "after");
                assertThat(jvm(again)).as(app + " answers from another sandbox").isNotEqualTo(hostJvm);
                assertThat(again.headers().firstValue("X-Skyfn-Cold-Start")).as(app).contains("true");
                HttpResponse<String> warm = node.invoke(app, "which", "warm again");
                assertThat(warm.headers().firstValue("X-Skyfn-Cold-Start")).as(app + ": one cold start, no more").isEmpty();
            }
        } finally {
            System.clearProperty(SandboxLauncher.SLOW_BOOT_PROPERTY);
        }
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(rest);
        return all;
    }

    private record Call(String tenant, String app) {
    }

    private static String jvm(HttpResponse<String> res) {
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        return res.body().replace("\"", "").split(" ")[0];
    }

    private static void deploy(TestNode tenant, String app, boolean share) {
        var deployed = tenant.deploy(JarBuilder.app("app: " + app + "\nshareSandbox: " + share
                + "\nfunctions:\n  which: {handler: dev.skyfn.node.apps.Shared$Which, memory: 128, timeout: 60s}\n"
                + "  exit: {handler: dev.skyfn.node.apps.Misbehaving$Exits, memory: 128}\n")
                .classes(Shared.class, Stateful.class, Misbehaving.class));
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
    }
}
