package dev.skyfn.node;

import static dev.skyfn.node.Errors.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.core.testing.JarBuilder;
import dev.skyfn.node.apps.Stateful;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The app's state through ctx.state(): local and global layers, kept apart, durable where promised. */
@Tag("slow")
class StateTest {

    @TempDir
    Path dir;

    private static JarBuilder app(String name) {
        return JarBuilder.app("app: " + name + "\nfunctions:\n  count: {handler: dev.skyfn.node.apps.Stateful$Count}\n"
                + "  keys: {handler: dev.skyfn.node.apps.Stateful$Keys}\n  big: {handler: dev.skyfn.node.apps.Stateful$Big, timeout: 60s}\n")
                .classes(Stateful.class);
    }

    private static String call(TestNode node, String app, String fn, String body) {
        var res = node.send("POST", "/v1/apps/" + app + "/functions/" + fn + ":invoke", body.getBytes());
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        return res.body();
    }

    @Test
    void concurrentCompareAndSetCountsEveryCall() {
        try (TestNode node = TestNode.dev(dir)) {
            node.deploy(app("shop"));
            List<CompletableFuture<String>> calls = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                calls.add(CompletableFuture.supplyAsync(() -> call(node, "shop", "count", "visits")));
            }
            assertThat(calls.stream().map(CompletableFuture::join).map(Long::parseLong).sorted().toList())
                    .isEqualTo(java.util.stream.LongStream.rangeClosed(1, 40).boxed().toList());
        }
    }

    @Test
    void globalStateSurvivesARestartAndLocalStateDoesNot() {
        try (TestNode node = TestNode.dev(dir)) {
            node.deploy(app("shop"));
            assertThat(call(node, "shop", "keys", "global color=blue")).isEqualTo("ok");
            assertThat(call(node, "shop", "keys", "local size=xl")).isEqualTo("ok");
            assertThat(call(node, "shop", "keys", "local size")).isEqualTo("xl");
        }
        try (TestNode node = TestNode.dev(dir)) {
            assertThat(call(node, "shop", "keys", "global color")).isEqualTo("blue");
            assertThat(call(node, "shop", "keys", "local size")).isEqualTo("<none>");
        }
    }

    @Test
    void anEmptyValueIsAValueNotAnAbsentKey() {
        try (TestNode node = TestNode.dev(dir)) {
            node.deploy(app("shop"));
            for (String layer : List.of("local", "global")) {
                assertThat(call(node, "shop", "keys", layer + " note")).as(layer).isEqualTo("<none>");
                assertThat(call(node, "shop", "keys", layer + " note=")).isEqualTo("ok");
                assertThat(call(node, "shop", "keys", layer + " note")).as(layer).isEmpty();
            }
        }
        try (TestNode node = TestNode.dev(dir)) {
            assertThat(call(node, "shop", "keys", "global note")).as("after a restart").isEmpty();
        }
    }

    @Test
    void appsDoNotSeeEachOthersStateAndLoseItWhenRemoved() {
        try (TestNode node = TestNode.dev(dir)) {
            node.deploy(app("shop"));
            node.deploy(app("bank"));
            call(node, "shop", "keys", "global secret=shop's");
            assertThat(call(node, "bank", "keys", "global secret")).isEqualTo("<none>");
            node.send("DELETE", "/v1/apps/shop", null);
            node.deploy(app("shop"));
            assertThat(call(node, "shop", "keys", "global secret")).isEqualTo("<none>");
        }
    }

    @Test
    void holdsLargeValues() {
        try (TestNode node = TestNode.dev(dir)) {
            node.deploy(app("shop"));
            assertThat(call(node, "shop", "big", "50")).isEqualTo("52428800 bytes, last 9");
        }
    }

    @Test
    void aTenantOverItsQuotaGetsAClearError() {
        try (TestNode node = TestNode.start(TestNode.config(dir).stateBytesPerTenant(3 << 20).build(), true)) {
            node.deploy(app("shop"));
            assertError(node.invoke("shop", "big", "4"), 507, "QUOTA_EXCEEDED", "over its quota");
            assertThat(call(node, "shop", "keys", "global small=fits")).isEqualTo("ok");
        }
    }
}
