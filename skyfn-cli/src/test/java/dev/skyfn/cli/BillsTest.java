package dev.skyfn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.billing.Ledger;
import dev.skyfn.billing.SigningKey;
import dev.skyfn.billing.UsageRecord;
import dev.skyfn.core.testing.JarBuilder;
import dev.skyfn.node.NodeConfig;
import dev.skyfn.node.SingleNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bills and their verification as tenants see them, through the CLI, against a real node with keys. */
@Tag("slow")
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class BillsTest {

    @TempDir
    static Path dir;
    static SingleNode node;
    static String url;
    static String admin;
    static String acme;
    static String globex;
    static String initech;
    static String umbrella;

    /** A function that always fails. */
    public static class Fails implements dev.skyfn.api.Handler<String, String> {
        @Override
        public String handle(String input, dev.skyfn.api.Context ctx) {
            throw new IllegalStateException("no " + input);
        }
    }

    /** Calls echo, another function of its app: the call stays in the sandbox. */
    public static class CallsEcho implements dev.skyfn.api.Handler<String, String> {
        @Override
        public String handle(String input, dev.skyfn.api.Context ctx) {
            return ctx.invoke("echo", input, String.class);
        }
    }

    /** Adds 0 … n-1 in a loop: work that grows with n. */
    public static class Loops implements dev.skyfn.api.Handler<Integer, Long> {
        @Override
        public Long handle(Integer n, dev.skyfn.api.Context ctx) {
            long sum = 0;
            for (int i = 0; i < n; i++) {
                sum += i;
            }
            return sum;
        }
    }

    /** Works the CPU for {@code n} turns of a xorshift: CPU time that grows with n, whatever else the machine runs. */
    public static class Spins implements dev.skyfn.api.Handler<Long, Long> {
        @Override
        public Long handle(Long n, dev.skyfn.api.Context ctx) {
            long x = 88_172_645_463_325_252L;
            for (long i = 0; i < n; i++) {
                x ^= x << 13;
                x ^= x >>> 7;
                x ^= x << 17;
            }
            return x;
        }
    }

    /** Sleeps {@code ms}: time billed, hardly any CPU used. */
    public static class Naps implements dev.skyfn.api.Handler<Long, Long> {
        @Override
        public Long handle(Long ms, dev.skyfn.api.Context ctx) throws InterruptedException {
            Thread.sleep(ms);
            return ms;
        }
    }

    @BeforeAll
    static void start() throws Exception {
        // before it starts, the node's ledger holds (signed with its key) a call of a tenant that does not exist
        Path billing = dir.resolve("data").resolve("billing");
        Files.createDirectories(billing);
        try (Ledger ledger = Ledger.open(billing, SigningKey.loadOrCreate(billing.resolve("node.key")), java.time.Clock.systemUTC())) {
            long now = System.currentTimeMillis();
            ledger.append(new UsageRecord("ghost", "shop", "echo",
                    UsageRecord.Kind.invocation, "ghost-1", "skyfn", "local", now, 1000, 2048, 0, 0, 0, false, "ok", null, null,
                    UsageRecord.UnitPrices.FREE));
            ledger.signHead();
        }
        node = SingleNode.start(NodeConfig.builder(dir.resolve("data")).port(0).spareSandboxes(1).aotCache(false)
                .ledgerHeadInterval(Duration.ofMillis(200)).build(), false);
        url = "http://127.0.0.1:" + node.port();
        admin = Files.readString(dir.resolve("data").resolve("admin.key")).trim();
        acme = tenant("acme");
        globex = tenant("globex");
        byte[] jar = JarBuilder.app("""
                app: shop
                functions:
                  echo: {handler: dev.skyfn.cli.Echo}
                  fails: {handler: dev.skyfn.cli.BillsTest$Fails, memory: 512}
                  calls: {handler: dev.skyfn.cli.BillsTest$CallsEcho}
                workflows:
                  twice:
                    StartAt: One
                    States:
                      One: {Type: Task, Resource: echo, Next: Two}
                      Two: {Type: Task, Resource: echo, End: true}
                """).classes(Echo.class, Fails.class, CallsEcho.class).bytes();
        assertThat(send(acme, "POST", "/v1/apps", jar).statusCode()).isEqualTo(201);
        assertThat(send(globex, "POST", "/v1/apps", jar).statusCode()).isEqualTo(201);
        for (int i = 0; i < 5; i++) {
            assertThat(send(acme, "POST", "/v1/apps/shop/functions/echo:invoke", "\"x\"".getBytes()).statusCode()).isEqualTo(200);
        }
        for (int i = 0; i < 2; i++) {
            assertThat(send(acme, "POST", "/v1/apps/shop/functions/fails:invoke", "\"y\"".getBytes()).statusCode()).isEqualTo(500);
        }
        for (int i = 0; i < 3; i++) {
            assertThat(send(globex, "POST", "/v1/apps/shop/functions/echo:invoke", "\"z\"".getBytes()).statusCode()).isEqualTo(200);
        }
        // globex: a call that calls another function of its app (2 records), a workflow of two Tasks (2 steps)
        assertThat(send(globex, "POST", "/v1/apps/shop/functions/calls:invoke", "\"w\"".getBytes()).statusCode()).isEqualTo(200);
        var run = send(globex, "POST", "/v1/apps/shop/workflows/twice/executions", "\"v\"".getBytes());
        assertThat(run.statusCode()).as(run.body()).isEqualTo(200);
        // initech meters useful work: the blocks of its code each call executed
        initech = tenant("initech");
        assertThat(send(initech, "POST", "/v1/apps", JarBuilder.app(
                "app: counted\nmetering: useful-work\nfunctions: {loops: {handler: dev.skyfn.cli.BillsTest$Loops}}\n")
                .classes(Loops.class).bytes()).statusCode()).isEqualTo(201);
        for (int n : new int[] {10, 10_000}) {
            var summed = send(initech, "POST", "/v1/apps/counted/functions/loops:invoke", Integer.toString(n).getBytes());
            assertThat(summed.body()).isEqualTo(Long.toString((long) n * (n - 1) / 2));
        }
        // umbrella: a call that works the CPU, one that sleeps
        umbrella = tenant("umbrella");
        assertThat(send(umbrella, "POST", "/v1/apps", JarBuilder.app(
                "app: burns\nfunctions: {spins: {handler: dev.skyfn.cli.BillsTest$Spins}, naps: {handler: dev.skyfn.cli.BillsTest$Naps}}\n")
                .classes(Spins.class, Naps.class).bytes()).statusCode()).isEqualTo(201);
        assertThat(send(umbrella, "POST", "/v1/apps/burns/functions/spins:invoke", "200000000".getBytes()).statusCode()).isEqualTo(200);
        assertThat(send(umbrella, "POST", "/v1/apps/burns/functions/naps:invoke", "300".getBytes()).statusCode()).isEqualTo(200);
        // every call is in a signed head: the ledger signs one every 200 ms
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            JsonNode ledger = Client.parse(send(admin, "GET", "/v1/ledger", null).body().getBytes(StandardCharsets.UTF_8)).get("nodes").get(0);
            JsonNode heads = ledger.get("heads");
            return ledger.get("size").asLong() == 19 && !heads.isEmpty() && heads.get(heads.size() - 1).get("size").asLong() == 19;
        });
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void eachTenantIsBilledItsOwnCallsAndTheOperatorEveryones() {
        JsonNode mine = Client.parse(CliRun.skyfn("bills", "--url", url, "--key", acme, "--format", "json").out().getBytes(StandardCharsets.UTF_8));
        JsonNode total = mine.get("bill").get("total");
        assertThat(total.get("calls").asLong()).isEqualTo(7);
        assertThat(total.get("errors").asLong()).isEqualTo(2);
        assertThat(mine.get("bill").get("lines")).extracting(l -> l.get("key").asText() + "=" + l.get("calls").asLong())
                .containsExactly("shop/echo=5", "shop/fails=2");
        assertThat(mine.get("bill").get("elsewhere")).extracting(e -> e.get("model").asText())
                .containsExactly("aws-lambda", "azure-functions", "cloud-run-functions", "alibaba-function-compute");
        // a failing function of 512 MB billed at least its 1 ms: 0.5 GB-ms each
        JsonNode fails = mine.get("bill").get("lines").get(1);
        assertThat(fails.get("gbSeconds").asDouble()).isGreaterThanOrEqualTo(2 * 0.5 * 0.001);

        CliRun theirs = CliRun.skyfn("bills", "--url", url, "--key", globex);
        assertThat(theirs.out()).contains("shop/echo").contains("shop/calls").doesNotContain("shop/fails").contains("AWS Lambda");
        JsonNode their = Client.parse(CliRun.skyfn("bills", "--url", url, "--key", globex, "--format", "json").out().getBytes(StandardCharsets.UTF_8));
        // echo: 3 invocations, 1 call from calls, 2 workflow Tasks
        assertThat(their.get("bill").get("lines")).extracting(l -> l.get("key").asText() + "=" + l.get("calls").asLong())
                .containsExactly("shop/calls=1", "shop/echo=6");
        JsonNode records = Client.parse(send(globex, "GET", "/v1/bills/records", null).body().getBytes(StandardCharsets.UTF_8));
        List<String> kinds = new ArrayList<>();
        records.get("entries").forEach(e -> kinds.add(Client.parse(e.get("leaf").asText().getBytes(StandardCharsets.UTF_8)).get("kind").asText()));
        assertThat(kinds).containsOnly("invocation", "step").filteredOn("step"::equals).hasSize(2);
        CliRun refused = CliRun.skyfn("bills", "--url", url, "--key", globex, "--tenant", "acme");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("FORBIDDEN").contains("only an admin key");

        // the ghost's record is in no bill, and the operator is told which node claimed it
        JsonNode all = Client.parse(send(admin, "GET", "/v1/bills?by=tenant", null).body().getBytes(StandardCharsets.UTF_8));
        assertThat(all.get("bill").get("lines")).extracting(l -> l.get("key").asText()).doesNotContain("ghost");
        assertThat(all.get("unbilled")).hasSize(1);
        assertThat(all.get("unbilled").get(0).get("tenant").asText()).isEqualTo("ghost");
        assertThat(all.get("unbilled").get(0).get("records").asLong()).isEqualTo(1);
        assertThat(all.get("unbilled").get(0).get("nodes").get(0).asText()).isEqualTo("skyfn");
        assertThat(mine.get("unbilled")).isEmpty();
        CliRun table = CliRun.skyfn("bills", "--url", url, "--key", admin, "--by", "tenant");
        assertThat(table.err()).contains("1 record(s) written by skyfn name tenant ghost, which does not exist: they are in no bill");
        assertThat(table.out()).doesNotContain("ghost");

        CliRun everyone = CliRun.skyfn("bills", "--url", url, "--key", admin, "--by", "tenant", "--format", "csv");
        assertThat(everyone.err()).contains("warning: 1 record(s) name a tenant that does not exist");
        assertThat(everyone.out().split("\r\n")).hasSize(6);
        assertThat(everyone.out()).startsWith("tenant,calls,errors,coldStarts,billedMs,gbSeconds,cpuMicros,bytesIn,bytesOut,egressBytes,blocks,cost,aws-lambda,")
                .contains("\r\nacme,7,2,").contains("\r\nglobex,7,0,").contains("\r\ninitech,2,0,").contains("\r\numbrella,2,0,")
                .contains("\r\ntotal,18,2,");
    }

    @Test
    void anAppMeteringUsefulWorkIsBilledTheBlocksItsCodeExecuted() {
        JsonNode records = Client.parse(send(initech, "GET", "/v1/bills/records", null).body().getBytes(StandardCharsets.UTF_8));
        List<Long> blocks = new ArrayList<>();
        records.get("entries").forEach(e -> blocks.add(Client.parse(e.get("leaf").asText().getBytes(StandardCharsets.UTF_8)).get("blocks").asLong()));
        assertThat(blocks).hasSize(2);
        // the same blocks for each of the 9,990 more turns of the loop
        assertThat(blocks.get(1)).as("a loop of 10,000 turns").isGreaterThan(10_000);
        assertThat((blocks.get(1) - blocks.get(0)) % 9_990).as("blocks per turn, against a loop of 10").isZero();
        JsonNode bill = Client.parse(send(initech, "GET", "/v1/bills", null).body().getBytes(StandardCharsets.UTF_8)).get("bill");
        assertThat(bill.get("total").get("blocks").asLong()).isEqualTo(blocks.get(0) + blocks.get(1));
        JsonNode acmes = Client.parse(send(acme, "GET", "/v1/bills/records", null).body().getBytes(StandardCharsets.UTF_8));
        acmes.get("entries").forEach(e -> assertThat(e.get("leaf").asText()).doesNotContain("\"blocks\""));
    }

    @Test
    void eachCallIsBilledTheCpuTimeItsThreadUsedNotItsWaits() {
        JsonNode records = Client.parse(send(umbrella, "GET", "/v1/bills/records", null).body().getBytes(StandardCharsets.UTF_8));
        java.util.Map<String, JsonNode> byFunction = new java.util.HashMap<>();
        records.get("entries").forEach(e -> {
            JsonNode r = Client.parse(e.get("leaf").asText().getBytes(StandardCharsets.UTF_8));
            byFunction.put(r.get("function").asText(), r);
        });
        JsonNode spins = byFunction.get("spins");
        JsonNode naps = byFunction.get("naps");
        // 200 million turns take well over 20 ms of CPU on any machine this runs on, and one thread uses no more CPU than time
        assertThat(spins.get("cpuMicros").asLong()).isGreaterThan(20_000).isLessThanOrEqualTo(spins.get("billedMs").asLong() * 1000);
        // asleep, a call uses (almost) no CPU, however long it is billed for
        assertThat(naps.get("billedMs").asLong()).isGreaterThanOrEqualTo(300);
        assertThat(naps.get("cpuMicros").asLong()).isBetween(1L, 30_000L);
        JsonNode bill = Client.parse(send(umbrella, "GET", "/v1/bills", null).body().getBytes(StandardCharsets.UTF_8)).get("bill");
        assertThat(bill.get("total").get("cpuMicros").asLong()).isEqualTo(spins.get("cpuMicros").asLong() + naps.get("cpuMicros").asLong());
    }

    @Test
    void badParametersAreRefusedWithTheReason() {
        CliRun by = CliRun.skyfn("bills", "--url", url, "--key", acme, "--by", "month");
        assertThat(by.exit()).isEqualTo(1);
        assertThat(by.err()).contains("BAD_REQUEST").contains("'by' is one of cloud, app, function, day, node, tenant; not 'month'");
        CliRun from = CliRun.skyfn("bills", "--url", url, "--key", acme, "--from", "yesterday");
        assertThat(from.err()).contains("'from' is a date (2026-12-01) or an instant (2026-12-01T10:00:00Z), not 'yesterday'");
        assertThat(send(acme, "GET", "/v1/bills?from=2026-12-02&to=2026-12-01", null).body()).contains("BAD_REQUEST")
                .contains("'from' is after 'to'");
        assertThat(send(acme, "GET", "/v1/bills?to=2026-01-01", null).body()).contains("BAD_REQUEST")
                .contains("'to' (2026-01-01T00:00:00Z) is before the default 'from'").contains("give a 'from' too");
        assertThat(send(acme, "GET", "/v1/bills?from=%2B1000000000-12-31T23:59:59Z", null).body()).contains("BAD_REQUEST")
                .contains("'from' is too far from today");
        assertThat(send(acme, "GET", "/v1/bills?format=xml", null).body()).contains("BAD_REQUEST").contains("'format' is json or csv");
        assertThat(send(acme, "GET", "/v1/ledger/consistency?first=9&second=2", null).body()).contains("BAD_REQUEST")
                .contains("no consistency proof from 9 to 2");
        assertThat(send(null, "GET", "/v1/bills", null).statusCode()).isEqualTo(401);
        CliRun keyless = CliRun.skyfn("bills", "--url", url);
        assertThat(keyless.exit()).isEqualTo(1);
        assertThat(keyless.err()).contains("UNAUTHENTICATED").contains("(this command sends the key given with --key or in SKYFN_API_KEY)");
        CliRun nobody = CliRun.skyfn("bills", "--url", url, "--key", admin, "--tenant", "nosuch");
        assertThat(nobody.exit()).isEqualTo(1);
        assertThat(nobody.err()).contains("TENANT_NOT_FOUND").contains("no tenant nosuch exists");
    }

    @Test
    @org.junit.jupiter.api.Order(Integer.MAX_VALUE) // it damages the ledger: the other tests' bills come first
    void aTenantVerifiesItsBillAndSeesARecordChangedOnTheNodesDisk() throws IOException {
        Path state = dir.resolve("acme-ledger.json");
        JsonNode ledger = Client.parse(send(acme, "GET", "/v1/ledger", null).body().getBytes(StandardCharsets.UTF_8)).get("nodes").get(0);
        String key = ledger.get("key").asText();
        String node = ledger.get("node").asText();
        CliRun verified = CliRun.skyfn("bills", "verify", "--url", url, "--key", acme, "--log-key", key, "--state", state.toString());
        assertThat(verified.exit()).as(verified.out() + verified.err()).isZero();
        assertThat(verified.out()).contains("7 record(s) of acme in the head of 19 entries");

        CliRun forged = CliRun.skyfn("bills", "verify", "--url", url, "--key", acme, "--log-key", SigningKey.generate().publicKey(),
                "--state", dir.resolve("other.json").toString());
        assertThat(forged.exit()).isEqualTo(1);
        java.nio.file.Path keys = java.nio.file.Files.writeString(dir.resolve("keys.txt"), "elsewhere=" + key + "\n");
        CliRun unnamed = CliRun.skyfn("bills", "verify", "--url", url, "--key", acme, "--log-key", "@" + keys,
                "--state", dir.resolve("other.json").toString());
        assertThat(unnamed.exit()).isEqualTo(1);
        assertThat(unnamed.out()).contains("FAILED: " + node + ": --log-key gives no key for it");
        CliRun missing = CliRun.skyfn("bills", "verify", "--url", url, "--key", acme, "--log-key", "@" + dir.resolve("none.txt"));
        assertThat(missing.err()).contains("cannot read the --log-key file");
        java.nio.file.Path torn = java.nio.file.Files.writeString(dir.resolve("torn-state.json"), "{\"nodes\": {");
        CliRun unreadable = CliRun.skyfn("bills", "verify", "--url", url, "--key", acme, "--state", torn.toString());
        assertThat(unreadable.exit()).isNotZero();
        assertThat(unreadable.err()).contains("cannot read what was verified last time from " + torn).doesNotContain("\tat ");
        assertThat(forged.out()).contains("FAILED: " + node + ": the head of 19 entries").contains("does not carry the ledger's signature");

        String changed = changeOneOfAcmesRecords(dir.resolve("data").resolve("billing").resolve("entries.log"));
        CliRun caught = CliRun.skyfn("bills", "verify", "--url", url, "--key", acme, "--state", state.toString());
        assertThat(caught.exit()).isEqualTo(1);
        assertThat(caught.out()).contains("FAILED: " + node + ": entry").contains("(" + changed + ") has changed since it was verified");
        // the node finds it too: no bill is made from it, and no head is signed over it
        CliRun refused = CliRun.skyfn("bills", "--url", url, "--key", acme);
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("LEDGER_DAMAGED").contains("changed in the file since it was written");
        CliRun theirsToo = CliRun.skyfn("bills", "--url", url, "--key", globex);
        assertThat(theirsToo.exit()).as("another tenant's bill, from the same damaged ledger").isEqualTo(1);
        assertThat(theirsToo.err()).contains("LEDGER_DAMAGED");
        JsonNode problems = Client.parse(send(admin, "GET", "/v1/ledger", null).body().getBytes(StandardCharsets.UTF_8)).get("problems");
        assertThat(problems.toString()).contains("changed in the file since it was written");
    }

    /** Rewrites, in place and at the same length, the bytes in of acme's first record; returns its id. */
    private static String changeOneOfAcmesRecords(Path entries) throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(entries, StandardCharsets.UTF_8));
        Pattern bytesIn = Pattern.compile("\"bytesIn\":(\\d)");
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains("\"tenant\":\"acme\"")) {
                Matcher m = bytesIn.matcher(lines.get(i));
                assertThat(m.find()).isTrue();
                int digit = Integer.parseInt(m.group(1));
                lines.set(i, m.replaceFirst("\"bytesIn\":" + (digit == 9 ? 8 : digit + 1)));
                Files.write(entries, lines, StandardCharsets.UTF_8);
                return UsageRecord.idOf(lines.get(i).getBytes(StandardCharsets.UTF_8));
            }
        }
        throw new AssertionError("no record of acme");
    }

    private static String tenant(String name) throws Exception {
        var created = send(admin, "POST", "/v1/tenants", ("{\"name\":\"" + name + "\"}").getBytes(StandardCharsets.UTF_8));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return Client.parse(created.body().getBytes(StandardCharsets.UTF_8)).get("apiKey").asText();
    }

    private static HttpResponse<String> send(String key, String method, String path, byte[] body) {
        var b = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        if (body != null) {
            b.header("Content-Type", path.equals("/v1/apps") ? "application/java-archive" : "application/json");
        }
        try {
            return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
