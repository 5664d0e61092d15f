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
        description = {"What your calls cost on the clouds that ran them, and on AWS Lambda, Azure Functions, Cloud Run, Function Compute.",
                "An admin key sees every tenant's, or one with --tenant."})
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
        if (format.equals("csv")) {
            res.header("Skyfn-Unbilled-Records").ifPresent(n -> System.err.println("warning: " + n
                    + " record(s) name a tenant that does not exist and are in no bill; --format json lists them"));
        }
        if (!format.equals("table")) {
            String body = new String(res.body(), StandardCharsets.UTF_8);
            System.out.print(body.endsWith("\n") ? body : body + System.lineSeparator());
            return 0;
        }
        JsonNode answer = Client.parse(res.body());
        for (JsonNode u : answer.path("unbilled")) {
            String nodes = u.get("nodes").valueStream().map(JsonNode::asText).collect(java.util.stream.Collectors.joining(", "));
            System.err.printf("warning: %d record(s) written by %s name tenant %s, which does not exist: they are in no bill%n",
                    u.get("records").asLong(), nodes, u.get("tenant").asText());
        }
        JsonNode bill = answer.get("bill");
        String key = bill.get("by").asText().toUpperCase(java.util.Locale.ROOT);
        System.out.printf("%-28s %8s %7s %6s %12s %12s %12s %14s %14s %14s%n", key, "CALLS", "ERRORS", "COLD", "BILLED MS", "CPU MS", "GB-S",
                "EGRESS BYTES", "BLOCKS", "COST $");
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
        System.out.printf("%-28s %8d %7d %6d %12d %12.3f %12.6f %14d %14d %14.9f%n", l.get("key").asText(), l.get("calls").asLong(),
                l.get("errors").asLong(), l.get("coldStarts").asLong(), l.get("billedMs").asLong(), l.get("cpuMicros").asLong() / 1000.0,
                l.get("gbSeconds").asDouble(), l.get("egressBytes").asLong(), l.get("blocks").asLong(), l.get("cost").asDouble());
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
            description = {"Check your bill against the ledgers with nothing but their public keys: on each node, every signed head,",
                    "each extending the one before and the one verified last time (kept in --state), and every record of yours in the",
                    "latest head (RFC 9162 proofs). Names the node and the head or record that fails; exits 1 then."})
    static final class Verify implements Callable<Integer> {

        @Mixin
        ClientOptions api;

        @Option(names = "--tenant", description = "verify this tenant's records (admin key); an admin key alone verifies every tenant's")
        String tenant;

        @Option(names = "--log-key", description = "the ledgers' public keys as the operator publishes them: a base64 key (one node), "
                + "or @FILE of lines NODE=KEY; default: those pinned in --state, else those the nodes show, trusted on first use")
        String logKey;

        @Option(names = "--state", description = "where the heads and records verified last time are kept "
                + "(default $HOME/.skyfn/ledger/<url>-<key digest>.json)")
        Path state;

        @Override
        public Integer call() throws IOException {
            Client client = api.client();
            JsonNode ledgers = client.json("GET", "/v1/ledger", null);
            Path stateFile = state != null ? state : defaultState();
            Map<String, Pinned> pinned = Pinned.read(stateFile);
            Map<String, String> given = given(ledgers);
            Map<String, Pinned> next = new LinkedHashMap<>(pinned);
            int failed = 0;
            for (JsonNode view : ledgers.get("nodes")) {
                String node = view.get("node").asText();
                Pinned before = pinned.getOrDefault(node, Pinned.NONE);
                if (logKey != null && !given.containsKey(node)) {
                    System.out.println("FAILED: " + node + ": --log-key gives no key for it");
                    failed++;
                    continue;
                }
                String trusted = given.getOrDefault(node, before.key().orElse(null));
                String keyText = trusted == null ? view.get("key").asText() : trusted;
                PublicKey key;
                try {
                    key = SigningKey.publicKey(keyText);
                } catch (IllegalArgumentException e) {
                    throw new CliException("--log-key of " + node + ": " + e.getMessage());
                }
                if (trusted == null) {
                    System.out.println(node + ": trusting the key it shows, on first use: " + keyText
                            + " (pass --log-key with the keys your operator published to check them)");
                } else if (!keyText.equals(view.get("key").asText())) {
                    System.out.println(node + ": shows another key than the one you trust: " + view.get("key").asText());
                }
                Verified v;
                try {
                    v = verify(client, node, key, heads(view.get("heads")), before);
                } catch (CliException e) {
                    System.out.println("FAILED: " + node + ": " + e.getMessage());
                    failed++;
                    continue;
                }
                if (!v.report().ok()) {
                    v.report().failures().forEach(f -> System.out.println("FAILED: " + node + ": " + f));
                    failed++;
                    continue;
                }
                print(node, v, before);
                v.report().latest().ifPresent(h -> next.put(node, new Pinned(Optional.of(v.key()), Optional.of(h), known(v.proven()))));
            }
            if (failed > 0) {
                return 1;
            }
            Pinned.write(stateFile, next);
            return 0;
        }

        private record Verified(String key, Verifier.Report report, Ledger.Proven proven, String whose) {
        }

        /**
         * Where the heads and records verified last time are kept by default: per skyfn URL and per
         * API key (a digest of it, never the key), under {@code $HOME/.skyfn/ledger/}.
         */
        private Path defaultState() {
            String home = System.getenv().getOrDefault("HOME", System.getProperty("user.home"));
            String who = api.key == null || api.key.isBlank() ? "no-key" : sha256(api.key).substring(0, 16);
            return Path.of(home, ".skyfn", "ledger", api.url.replaceAll("[^A-Za-z0-9]+", "_") + "-" + who
                    + (tenant == null ? "" : "-" + tenant) + ".json");
        }

        private static String sha256(String text) {
            return HEX.formatHex(dev.skyfn.core.Sha256.of(text.getBytes(StandardCharsets.UTF_8)));
        }

        private Verified verify(Client client, String node, PublicKey key, List<TreeHead> heads, Pinned before) {
            Ledger.Proven proven = null;
            String whose = tenant;
            if (!heads.isEmpty()) {
                JsonNode records = client.json("GET", "/v1/bills/records" + query("node", node, "tenant", tenant), null);
                whose = records.get("tenant").isNull() ? null : records.get("tenant").asText();
                List<Ledger.Entry> entries = new ArrayList<>();
                for (JsonNode e : records.get("entries")) {
                    entries.add(new Ledger.Entry(e.get("index").asLong(), e.get("leaf").asText().getBytes(StandardCharsets.UTF_8)));
                }
                List<String> problems = new ArrayList<>();
                records.path("problems").forEach(p -> problems.add(p.asText()));
                proven = new Ledger.Proven(head(records.get("head")), entries, hashes(records.get("proof")), records.get("pending").asLong(),
                        problems);
            }
            Verifier.Report report = Verifier.verify(key, whose, heads, before.head(), proven, proofs(client, node), before.known());
            return new Verified(Base64Key.of(key), report, proven, whose);
        }

        private static void print(String node, Verified v, Pinned before) {
            if (v.report().latest().isEmpty()) {
                System.out.println(node + ": no signed head yet, nothing to verify");
                return;
            }
            TreeHead latest = v.report().latest().get();
            System.out.printf("%s: verified: signed heads each extending the last%s; %d record(s)%s in the head of %d entries signed at %s%s%n",
                    node, before.head().map(p -> " and the one verified before (" + p.size() + " entries)").orElse(""),
                    v.report().records(), v.whose() == null ? " of every tenant" : " of " + v.whose(), latest.size(),
                    latest.signedAt(),
                    v.report().pending() > 0 ? "; " + v.report().pending() + " newer, proven at the next head" : "");
        }

        /** The keys given with --log-key, by node; one key alone stands for every node. */
        private Map<String, String> given(JsonNode ledgers) throws IOException {
            Map<String, String> keys = new HashMap<>();
            if (logKey == null) {
                return keys;
            }
            String text;
            try {
                text = logKey.startsWith("@") ? Files.readString(Path.of(logKey.substring(1))) : logKey;
            } catch (IOException e) {
                throw new CliException("cannot read the --log-key file " + logKey.substring(1) + ": " + e);
            }
            for (String line : text.strip().split("\\R")) {
                String l = line.strip();
                int eq = l.indexOf('=');
                boolean pair = eq > 0 && !l.substring(eq + 1).chars().allMatch(c -> c == '='); // a key's padding is '='s at its end
                if (pair) {
                    keys.put(l.substring(0, eq).strip(), l.substring(eq + 1).strip());
                } else {
                    ledgers.get("nodes").forEach(view -> keys.put(view.get("node").asText(), l));
                }
            }
            return keys;
        }

        private static Map<Long, byte[]> known(Ledger.Proven proven) {
            Map<Long, byte[]> known = new HashMap<>();
            if (proven != null) {
                proven.entries().forEach(e -> known.put(e.index(), MerkleTree.leafHash(e.leaf())));
            }
            return known;
        }

        private static Verifier.Proofs proofs(Client client, String node) {
            return new Verifier.Proofs() {
                @Override
                public List<byte[]> consistency(long first, long second) {
                    return hashes(client.json("GET", "/v1/ledger/consistency" + query("node", node, "first", Long.toString(first), "second",
                            Long.toString(second)), null).get("proof"));
                }

                @Override
                public List<byte[]> inclusion(long index, long size) {
                    return hashes(client.json("GET", "/v1/ledger/inclusion" + query("node", node, "index", Long.toString(index), "size",
                            Long.toString(size)), null).get("proof"));
                }
            };
        }

        private static List<TreeHead> heads(JsonNode heads) {
            List<TreeHead> out = new ArrayList<>();
            heads.forEach(h -> out.add(head(h)));
            return out;
        }

        private static TreeHead head(JsonNode h) {
            try {
                return TreeHead.parse(h.toString());
            } catch (IllegalArgumentException e) {
                throw new CliException("a signed head that is not one: " + e.getMessage());
            }
        }

        private static List<byte[]> hashes(JsonNode hex) {
            List<byte[]> out = new ArrayList<>();
            for (JsonNode h : hex) {
                out.add(HEX.parseHex(h.asText()));
            }
            return out;
        }
    }

    /** A public key's base64 form. */
    private static final class Base64Key {
        static String of(PublicKey key) {
            return java.util.Base64.getEncoder().encodeToString(key.getEncoded());
        }
    }

    /** What a tenant verified last time on one node: the key it trusted, the latest head, and its records' leaf hashes by index. */
    private record Pinned(Optional<String> key, Optional<TreeHead> head, Map<Long, byte[]> known) {

        static final Pinned NONE = new Pinned(Optional.empty(), Optional.empty(), Map.of());

        /** What {@code file} pinned (nothing when it does not exist); CliException saying why when it cannot be read. */
        static Map<String, Pinned> read(Path file) {
            Map<String, Pinned> all = new LinkedHashMap<>();
            if (!Files.exists(file)) {
                return all;
            }
            try {
                JsonNode nodes = Client.JSON.readTree(Files.readAllBytes(file)).path("nodes");
                nodes.properties().forEach(n -> {
                    JsonNode s = n.getValue();
                    JsonNode h = s.path("head");
                    Optional<TreeHead> head = h.isObject() ? Optional.of(Verify.head(h)) : Optional.empty();
                    Map<Long, byte[]> known = new HashMap<>();
                    s.path("known").properties().forEach(e -> known.put(Long.parseLong(e.getKey()), HEX.parseHex(e.getValue().asText())));
                    all.put(n.getKey(), new Pinned(Optional.ofNullable(s.path("key").textValue()), head, known));
                });
            } catch (IOException | RuntimeException e) {
                String why = e instanceof com.fasterxml.jackson.core.JacksonException j ? dev.skyfn.core.Documents.why(j) : String.valueOf(e.getMessage());
                throw new CliException("cannot read what was verified last time from " + file + " (" + why
                        + "): move it away to verify afresh, trusting the heads the nodes show now");
            }
            return all;
        }

        static void write(Path file, Map<String, Pinned> all) throws IOException {
            ObjectNode nodes = Client.JSON.createObjectNode();
            all.forEach((node, p) -> {
                ObjectNode s = nodes.putObject(node);
                p.key().ifPresent(k -> s.put("key", k));
                p.head().ifPresent(h -> s.set("head", Client.JSON.valueToTree(h)));
                ObjectNode known = s.putObject("known");
                p.known().forEach((i, h) -> known.put(Long.toString(i), HEX.formatHex(h)));
            });
            ObjectNode root = Client.JSON.createObjectNode();
            root.set("nodes", nodes);
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, Client.JSON.writeValueAsBytes(root));
        }
    }
}
