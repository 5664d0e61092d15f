package dev.skyfn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skyfn.billing.Ledger;
import dev.skyfn.billing.MerkleTree;
import dev.skyfn.billing.SigningKey;
import dev.skyfn.billing.TreeHead;
import dev.skyfn.billing.Verifier;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code skyfn bills}: usage rated and grouped; {@code skyfn bills verify}: the ledger's proof of it. */
@Command(name = "bills", mixinStandardHelpOptions = true, subcommands = BillsCommand.Verify.class,
        description = {"What your calls cost on the clouds that ran them, and what they would cost on AWS Lambda, Azure Functions,",
                "Cloud Run functions and Function Compute. An admin key sees every tenant's, or one with --tenant."})
final class BillsCommand implements Callable<Integer> {

    private static final HexFormat HEX = HexFormat.of();

    @Mixin
    ClientOptions api;

    @Option(names = "--app", description = "only this app's calls")
    String app;

    @Option(names = "--tenant", description = "this tenant's bill (admin key)")
    String tenant;

    @Option(names = "--from", description = "from this date (2026-12-01, UTC) or instant; default: the start of this month")
    String from;

    @Option(names = "--to", description = "up to (not including) this date or instant")
    String to;

    @Option(names = "--by", description = "group lines by cloud, app, function, day, node or tenant (default ${DEFAULT-VALUE})",
            defaultValue = "function")
    String by;

    @Option(names = "--format", description = "table, json or csv (default ${DEFAULT-VALUE})", defaultValue = "table")
    String format;

    @Override
    public Integer call() {
        if (!List.of("table", "json", "csv").contains(format)) {
            throw new CliException("--format is table, json or csv, not '" + format + "'");
        }
        String path = "/v1/bills" + query("app", app, "tenant", tenant, "from", from, "to", to, "by", by,
                "format", format.equals("csv") ? "csv" : null);
        Client.Response res = api.client().send("GET", path, null, null);
        if (!format.equals("table")) {
            String body = new String(res.body(), StandardCharsets.UTF_8);
            System.out.print(body.endsWith("\n") ? body : body + System.lineSeparator());
            return 0;
        }
        JsonNode answer = Client.parse(res.body());
        JsonNode bill = answer.get("bill");
        String key = bill.get("by").asText().toUpperCase(java.util.Locale.ROOT);
        System.out.printf("%-28s %8s %7s %6s %12s %12s %14s%n", key, "CALLS", "ERRORS", "COLD", "BILLED MS", "GB-S", "COST $");
        for (JsonNode line : bill.get("lines")) {
            line(line);
        }
        line(bill.get("total"));
        System.out.printf("%nthe same calls elsewhere (price table %s; free tiers per calendar month):%n", bill.get("priceTable").asText());
        System.out.printf("%-36s %16s %16s %16s%n", "PLATFORM", "LIST PRICE $", "FREE TIER $", "TO PAY $");
        for (JsonNode e : bill.get("elsewhere")) {
            System.out.printf("%-36s %16.9f %16.9f %16.9f%n", e.get("name").asText(), e.get("listCost").asDouble(), e.get("freeTier").asDouble(),
                    e.get("cost").asDouble());
        }
        return 0;
    }

    private static void line(JsonNode l) {
        System.out.printf("%-28s %8d %7d %6d %12d %12.6f %14.9f%n", l.get("key").asText(), l.get("calls").asLong(), l.get("errors").asLong(),
                l.get("coldStarts").asLong(), l.get("billedMs").asLong(), l.get("gbSeconds").asDouble(), l.get("cost").asDouble());
    }

    /** A query string of the pairs given whose values are not null: {@code ?name=value&…}, encoded. */
    static String query(String... pairs) {
        StringBuilder q = new StringBuilder();
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i + 1] != null) {
                q.append(q.isEmpty() ? '?' : '&').append(pairs[i]).append('=').append(URLEncoder.encode(pairs[i + 1], StandardCharsets.UTF_8));
            }
        }
        return q.toString();
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Check your bill against the ledger with nothing but the ledger's public key: every signed head, each",
                    "extending the one before and the one verified last time (kept in --state), and every record of yours in the latest",
                    "head (RFC 9162 proofs). Names the head or record that fails; exits 1 then."})
    static final class Verify implements Callable<Integer> {

        @Mixin
        ClientOptions api;

        @Option(names = "--tenant", description = "verify this tenant's records (admin key); an admin key alone verifies every tenant's")
        String tenant;

        @Option(names = "--log-key", description = "the ledger's public key (base64), or @FILE holding it, as the operator gives it; "
                + "default: the one pinned in --state, else the one the node shows, trusted on first use")
        String logKey;

        @Option(names = "--state", description = "where the head and records verified last time are kept (default ~/.skyfn/ledger/<url>.json)")
        Path state;

        @Override
        public Integer call() throws IOException {
            Client client = api.client();
            JsonNode ledger = client.json("GET", "/v1/ledger", null);
            Path stateFile = state != null ? state : Path.of(System.getProperty("user.home"), ".skyfn", "ledger",
                    api.url.replaceAll("[^A-Za-z0-9]+", "_") + (tenant == null ? "" : "-" + tenant) + ".json");
            Pinned pinned = Pinned.read(stateFile);
            String keyText = logKey != null ? (logKey.startsWith("@") ? Files.readString(Path.of(logKey.substring(1))).strip() : logKey)
                    : pinned.key().orElse(null);
            if (keyText == null) {
                keyText = ledger.get("key").asText();
                System.out.println("trusting the ledger key node " + ledger.get("node").asText() + " shows, on first use: " + keyText);
                System.out.println("(pass --log-key with the key your operator published to check it)");
            } else if (!keyText.equals(ledger.get("key").asText())) {
                System.out.println("the node shows another key than the one you trust: " + ledger.get("key").asText());
            }
            PublicKey key;
            try {
                key = SigningKey.publicKey(keyText);
            } catch (IllegalArgumentException e) {
                throw new CliException("--log-key: " + e.getMessage());
            }
            List<TreeHead> heads = new ArrayList<>();
            for (JsonNode h : ledger.get("heads")) {
                heads.add(new TreeHead(h.get("size").asLong(), h.get("timestamp").asLong(), h.get("root").asText(), h.get("signature").asText()));
            }
            Ledger.Proven proven = null;
            String whose = tenant;
            if (!heads.isEmpty()) {
                JsonNode records = client.json("GET", "/v1/bills/records" + query("tenant", tenant), null);
                whose = records.get("tenant").isNull() ? null : records.get("tenant").asText();
                JsonNode h = records.get("head");
                List<Ledger.Entry> entries = new ArrayList<>();
                for (JsonNode e : records.get("entries")) {
                    entries.add(new Ledger.Entry(e.get("index").asLong(), e.get("leaf").asText().getBytes(StandardCharsets.UTF_8)));
                }
                proven = new Ledger.Proven(new TreeHead(h.get("size").asLong(), h.get("timestamp").asLong(), h.get("root").asText(),
                        h.get("signature").asText()), entries, hashes(records.get("proof")), records.get("pending").asLong());
            }
            Verifier.Report report = Verifier.verify(key, whose, heads, pinned.head(), proven, proofs(client), pinned.known());
            if (!report.ok()) {
                report.failures().forEach(f -> System.out.println("FAILED: " + f));
                return 1;
            }
            if (report.latest().isEmpty()) {
                System.out.println("the ledger has no signed head yet: nothing to verify");
                return 0;
            }
            TreeHead latest = report.latest().get();
            System.out.printf("verified: %d signed heads, each extending the last%s; %d record(s)%s in the head of %d entries signed at %s%s%n",
                    heads.size(), pinned.head().map(p -> " and the one verified before (" + p.size() + " entries)").orElse(""),
                    report.records(), whose == null ? " of every tenant" : " of " + whose, latest.size(),
                    Instant.ofEpochMilli(latest.timestamp()), report.pending() > 0 ? "; " + report.pending() + " newer, proven at the next head" : "");
            Pinned.write(stateFile, keyText, latest, proven);
            return 0;
        }

        private static Verifier.Proofs proofs(Client client) {
            return new Verifier.Proofs() {
                @Override
                public List<byte[]> consistency(long first, long second) {
                    return hashes(client.json("GET", "/v1/ledger/consistency?first=" + first + "&second=" + second, null).get("proof"));
                }

                @Override
                public List<byte[]> inclusion(long index, long size) {
                    return hashes(client.json("GET", "/v1/ledger/inclusion?index=" + index + "&size=" + size, null).get("proof"));
                }
            };
        }

        private static List<byte[]> hashes(JsonNode hex) {
            List<byte[]> out = new ArrayList<>();
            for (JsonNode h : hex) {
                out.add(HEX.parseHex(h.asText()));
            }
            return out;
        }
    }

    /** What a tenant verified last time: the key it trusted, the latest head, and its records' leaf hashes by index. */
    private record Pinned(Optional<String> key, Optional<TreeHead> head, Map<Long, byte[]> known) {

        static Pinned read(Path file) throws IOException {
            if (!Files.exists(file)) {
                return new Pinned(Optional.empty(), Optional.empty(), Map.of());
            }
            JsonNode s = Client.JSON.readTree(Files.readAllBytes(file));
            JsonNode h = s.path("head");
            Optional<TreeHead> head = h.isObject() ? Optional.of(new TreeHead(h.get("size").asLong(), h.get("timestamp").asLong(),
                    h.get("root").asText(), h.get("signature").asText())) : Optional.empty();
            Map<Long, byte[]> known = new HashMap<>();
            s.path("known").properties().forEach(e -> known.put(Long.parseLong(e.getKey()), HEX.parseHex(e.getValue().asText())));
            return new Pinned(Optional.ofNullable(s.path("key").textValue()), head, known);
        }

        static void write(Path file, String key, TreeHead head, Ledger.Proven proven) throws IOException {
            ObjectNode s = Client.JSON.createObjectNode();
            s.put("key", key);
            s.set("head", Client.JSON.valueToTree(head));
            Map<String, String> known = new LinkedHashMap<>();
            if (proven != null) {
                proven.entries().forEach(e -> known.put(Long.toString(e.index()), HEX.formatHex(MerkleTree.leafHash(e.leaf()))));
            }
            s.set("known", Client.JSON.valueToTree(known));
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, Client.JSON.writeValueAsBytes(s));
        }
    }
}
