package dev.skyfn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.core.testing.JarBuilder;
import dev.skyfn.node.NodeConfig;
import dev.skyfn.node.SingleNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The web console in a real headless Chromium against a real node with API keys: a tenant logs in,
 * deploys a jar, invokes a function, sees its log line, runs a workflow to its end on its state
 * machine, and sees the fleet and its bill; another tenant sees none of it. Screenshots of the main
 * pages go to {@code target/console-screenshots}.
 */
@Tag("slow")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleTest {

    private static final Path SHOTS = Path.of("target", "console-screenshots");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dir;
    static SingleNode node;
    static String url;
    static String acme;
    static String globex;
    static String admin;
    static Browser browser;

    @BeforeAll
    static void start() throws Exception {
        node = SingleNode.start(NodeConfig.builder(dir.resolve("data")).port(0).spareSandboxes(1).aotCache(false)
                .tracing(dev.skyfn.node.tracing.Tracing.Export.kept(1.0)).build(), false);
        url = "http://127.0.0.1:" + node.port();
        admin = Files.readString(dir.resolve("data").resolve("admin.key")).strip();
        acme = tenant("acme", admin);
        globex = tenant("globex", admin);
        browser = new Browser();
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (node != null) {
            node.close();
        }
    }

    private static String tenant(String name, String admin) throws Exception {
        HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/v1/tenants"))
                .header("Authorization", "Bearer " + admin).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + name + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
        return FleetCalls.json(res.body()).get("apiKey").asText();
    }

    private static void logIn(String key) {
        browser.open(url + "/console/");
        browser.shown(By.id("api-key")).sendKeys(key);
        browser.driver.findElement(By.cssSelector("#login button")).click();
    }

    @Test
    @Order(1)
    void aWrongKeyIsRefusedWithItsErrorAndTheRightOneLogsIn() throws Exception {
        logIn("not-a-key");
        assertThat(browser.awaitText(By.cssSelector("[role=alert]"), "UNAUTHENTICATED")).contains("unknown or revoked");
        browser.driver.findElement(By.id("api-key")).clear();
        browser.driver.findElement(By.id("api-key")).sendKeys(acme);
        browser.driver.findElement(By.cssSelector("#login button")).click();
        browser.shown(By.id("logout"));
        assertThat(browser.awaitText(By.id("clouds-table"), "local")).contains("owned").contains("trusted");
        assertThat(browser.awaitText(By.id("nodes-table"), "skyfn")).contains("alive").contains("COST SO FAR $");
    }

    @Test
    @Order(2)
    void aTenantDeploysAJarInvokesAFunctionAndSeesItsLogLineWithTheNodeThatRanIt() throws Exception {
        Path jar = JarBuilder.app("""
                app: flow
                functions: {echo: {handler: dev.skyfn.cli.Echo}}
                workflows:
                  twice:
                    StartAt: First
                    States:
                      First: {Type: Task, Resource: echo, Next: Second}
                      Second: {Type: Task, Resource: echo, End: true}
                """).classes(Echo.class).writeTo(dir.resolve("flow.jar"));
        browser.open(url + "/console/#/apps");
        browser.shown(By.id("deploy-jar")).sendKeys(jar.toAbsolutePath().toString());
        browser.driver.findElement(By.id("deploy-button")).click();
        assertThat(browser.awaitText(By.id("deployed"), "flow")).contains("version 1");
        browser.awaitText(By.id("apps-table"), "flow");
        browser.screenshot(SHOTS.resolve("apps.png"));

        browser.driver.findElement(By.linkText("flow")).click();
        browser.shown(By.id("invoke-input")).sendKeys("ping");
        browser.driver.findElement(By.id("invoke-button")).click();
        assertThat(browser.awaitText(By.id("invoke-result"), "echo")).isEqualTo("echo: ping");
        assertThat(browser.awaitText(By.cssSelector("#invoke-answer .meta"), "ran on the node called")).contains("invocation");
        assertThat(browser.awaitText(By.id("log-lines"), "echoing ping")).contains("skyfn");
        assertThat(browser.awaitText(By.id("placement-table"), "skyfn")).contains("alive");
        String why = browser.await(d -> {
            String text = d.findElement(By.id("explain-table")).getDomProperty("textContent");
            return text.contains("local") ? text : null;
        });
        assertThat(why).as("the scheduler's reasons, folded away").contains("yes");

        // the call made from the console is traced: its trace, span under span
        browser.driver.findElement(By.id("invoke-trace")).click();
        String spans = browser.awaitText(By.id("trace-table"), "invoke flow/echo");
        assertThat(spans).contains("POST /v1/apps/{app}/functions/{function}:invoke").contains("skyfn");
        assertThat(browser.awaitText(By.id("trace-summary"), "spans")).contains("on skyfn (");
        browser.screenshot(SHOTS.resolve("trace.png"));

        // and it is listed among the latest traces, named by its call, which open it
        browser.driver.findElement(By.id("nav-traces")).click();
        assertThat(browser.awaitText(By.id("traces-table"), "invoke flow/echo")).contains("flow").contains("local").contains("skyfn");
        browser.screenshot(SHOTS.resolve("traces.png"));
        browser.driver.findElements(By.linkText("invoke flow/echo")).getFirst().click();
        assertThat(browser.awaitText(By.id("trace-table"), "invoke flow/echo")).contains("POST /v1/apps/{app}/functions/{function}:invoke");
    }

    @Test
    @Order(3)
    void aCallRunningNowIsListedOnItsAppsPageUntilItEnds() throws Exception {
        byte[] jar = JarBuilder.app("app: slow\nfunctions: {hold: {handler: dev.skyfn.cli.Fleetwide$Hold}}").classes(Fleetwide.class).bytes();
        assertThat(send("POST", "/v1/apps", jar, acme).statusCode()).isEqualTo(201);
        var held = java.util.concurrent.CompletableFuture.supplyAsync(() -> send("POST", "/v1/apps/slow/functions/hold:invoke",
                "4000".getBytes(java.nio.charset.StandardCharsets.UTF_8), acme));
        browser.open(url + "/console/#/apps/slow");
        String row = browser.await(d -> d.findElements(By.cssSelector("#running-table tbody tr")).stream().map(WebElement::getText)
                .filter(r -> r.contains("hold")).findFirst().orElse(null));
        assertThat(row).contains("skyfn");
        HttpResponse<String> done = held.join();
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        assertThat(row).startsWith(done.headers().firstValue("X-Skyfn-Invocation-Id").orElseThrow());
        assertThat(browser.awaitText(By.id("running"), "No call running")).doesNotContain("hold");
    }

    private static HttpResponse<String> send(String method, String path, byte[] body, String key) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url + path)).header("Authorization", "Bearer " + key)
                    .header("Content-Type", "text/plain").method(method, HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    @Order(3)
    void aWorkflowStartedFromTheConsoleRunsToItsEndOnItsStateMachine() throws Exception {
        browser.open(url + "/console/#/apps/flow");
        browser.shown(By.cssSelector("[data-workflow=twice] .workflow-input")).sendKeys("\"go\"");
        browser.driver.findElement(By.cssSelector("[data-workflow=twice] .workflow-start")).click();
        assertThat(browser.awaitText(By.id("execution-status"), "SUCCEEDED")).isEqualTo("SUCCEEDED");
        Integer succeeded = browser.await(d -> {
            int n = d.findElements(By.cssSelector("#machine [data-status=succeeded]")).size();
            return n == 2 ? n : null;
        });
        assertThat(succeeded).as("both states drawn as succeeded").isEqualTo(2);
        assertThat(browser.driver.findElements(By.cssSelector("#steps-table tbody tr"))).hasSize(2);
        assertThat(browser.awaitText(By.id("execution-output"), "echo")).contains("echo: echo: go");
        browser.screenshot(SHOTS.resolve("execution.png"));
        browser.open(url + "/console/#/apps/flow");
        browser.awaitText(By.id("executions-table"), "SUCCEEDED");
        // the rate of the last seconds and what the app's usage cost so far (nothing on an owned cloud)
        assertThat(browser.awaitText(By.id("app-now"), "calls/s")).contains("$0.000000 so far");
        browser.screenshot(SHOTS.resolve("app.png"));
    }

    @Test
    @Order(4)
    void theBillShowsTheCallsAndWhatTheyWouldCostElsewhere() throws Exception {
        browser.open(url + "/console/#/bills");
        // the calls above, once the ledger has them
        String total = browser.await(d -> {
            String text = d.findElement(By.id("bill-total")).getText();
            return text.matches(".* [1-9][0-9]* calls .*") ? text : null;
        });
        assertThat(total).contains("GB-s");
        assertThat(browser.awaitText(By.id("bill-elsewhere"), "AWS Lambda")).contains("Azure Functions");
        browser.screenshot(SHOTS.resolve("bills.png"));
        browser.open(url + "/console/#/fleet");
        browser.awaitText(By.id("nodes-table"), "skyfn");
        browser.screenshot(SHOTS.resolve("fleet.png"));
    }

    @Test
    @Order(5)
    void anotherTenantSeesNoneOfItAndLogsOut() {
        browser.shown(By.id("logout")).click();
        logIn(globex);
        browser.shown(By.id("logout"));
        browser.open(url + "/console/#/apps");
        assertThat(browser.awaitText(By.id("apps-table"), "No apps")).doesNotContain("flow");
        browser.shown(By.cssSelector("nav[data-role=tenant]"));
        assertThat(browser.driver.findElements(By.id("all-apps-table"))).as("every tenant's apps are the operator's to see").isEmpty();
        assertThat(browser.driver.findElements(By.id("operator"))).isEmpty();
        browser.open(url + "/console/#/apps/flow");
        assertThat(browser.awaitText(By.cssSelector("[role=alert]"), "APP_NOT_FOUND")).contains("no app flow");
        browser.open(url + "/console/#/traces");
        assertThat(browser.awaitText(By.id("traces-table"), "No trace kept")).doesNotContain("flow");
    }

    @Test
    @Order(6)
    void theOperatorLogsInAndSeesEveryTenantsAppsTracesAndBill() {
        browser.shown(By.id("logout")).click();
        logIn(admin);
        browser.shown(By.id("operator"));
        assertThat(browser.awaitText(By.id("nodes-table"), "skyfn")).contains("alive");
        browser.driver.findElement(By.id("nav-apps")).click();
        assertThat(browser.awaitText(By.id("all-apps-table"), "flow")).contains("acme");
        assertThat(browser.awaitText(By.id("apps-table"), "No apps")).as("the operator's own tenant has none").doesNotContain("flow");
        browser.open(url + "/console/#/traces");
        assertThat(browser.awaitText(By.id("traces-table"), "invoke flow/echo")).contains("flow");
        browser.open(url + "/console/#/bills");
        assertThat(browser.awaitText(By.id("bill-lines"), "flow")).contains("echo");
        browser.shown(By.id("logout")).click();
        browser.shown(By.id("api-key"));
    }

    @Test
    @Order(7)
    void theConsoleIsServedWithAStrictContentSecurityPolicyAndNothingOutsideItsFiles() throws Exception {
        HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/console/")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow())
                .contains("default-src 'none'", "script-src 'self' 'sha256-", "connect-src 'self'", "frame-ancestors 'none'");
        for (String path : java.util.List.of("/console/../v1/apps", "/console/%2e%2e/admin.key", "/console/lib/preact/package.json",
                "/console/index.html", "/console/main.JS", "/console/nothing.js")) {
            HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create(url + path)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(res.statusCode()).as(path).isIn(401, 404);
            assertThat(res.body()).as(path).doesNotContain("apiKey");
        }
        HttpResponse<byte[]> preact = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/console/lib/preact/dist/preact.module.js")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(preact.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        assertThat(new String(preact.body(), StandardCharsets.UTF_8)).contains("export");
    }
}
