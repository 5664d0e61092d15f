package dev.skyfn.node.http;

import dev.skyfn.billing.Bill;
import dev.skyfn.billing.Ledger;
import dev.skyfn.billing.PriceTable;
import dev.skyfn.billing.Ledgers;
import dev.skyfn.billing.UsageRecord;
import dev.skyfn.control.api.Api;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.Authenticator;
import dev.skyfn.core.app.Caller;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Bills and the ledger that proves them, over HTTP. A tenant's key sees its own; an admin key
 * every tenant's, or one with {@code tenant=}.
 * <ul>
 *   <li>{@code GET /v1/bills?app=&from=&to=&by=&format=} — usage rated and grouped ({@link Bill}):
 *       {@code by} one of cloud, app, function (default), day, node, tenant; {@code from}/{@code to}
 *       a date ({@code 2026-12-01}, UTC) or an instant, the period {@code [from, to)}, by default the
 *       month so far; JSON, or CSV with {@code format=csv} or {@code Accept: text/csv}. Records
 *       naming a tenant that does not exist are billed to no one: the JSON lists them under
 *       {@code unbilled} (tenant, records, nodes, why), the CSV counts them in the header
 *       {@code Skyfn-Unbilled-Records}</li>
 *   <li>{@code GET /v1/ledger} — every node's ledger: its public key, size and signed heads</li>
 *   <li>{@code GET /v1/bills/records?node=&from=&to=} — a node's usage records with one proof that
 *       its latest signed head holds them (RFC 9162 Merkle tree; {@code pending}: records after it)</li>
 *   <li>{@code GET /v1/ledger/consistency?node=&first=&second=} and
 *       {@code /v1/ledger/inclusion?node=&index=&size=} — RFC 9162 proofs, hashes in hex</li>
 * </ul>
 * {@code node} may be left out where there is one ledger. Errors: {@code BAD_REQUEST} for a
 * malformed parameter, an unknown node or a node with no signed head yet, {@code FORBIDDEN} for
 * another tenant's bill without an admin key, {@code TENANT_NOT_FOUND} for a tenant that does not
 * exist, {@code LEDGER_DAMAGED} for a bill from a ledger that no longer matches its heads.
 */
public final class BillingApi implements HttpService {

    private static final HexFormat HEX = HexFormat.of();
    /** On a bill in CSV: how many records of the period name a tenant that does not exist (not in the bill; the JSON bill lists them). */
    static final HeaderName UNBILLED = HeaderNames.create("Skyfn-Unbilled-Records");

    private final Ledgers ledgers;
    private final Authenticator auth;
    private final PriceTable prices;

    public BillingApi(Ledgers ledgers, Authenticator auth, PriceTable prices) {
        this.ledgers = ledgers;
        this.auth = auth;
        this.prices = prices;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/v1/bills", this::bill)
                .get("/v1/bills/records", this::records)
                .get("/v1/ledger", this::heads)
                .get("/v1/ledger/consistency", this::consistency)
                .get("/v1/ledger/inclusion", this::inclusion);
    }

    private void bill(ServerRequest req, ServerResponse res) {
        String tenant = tenant(req);
        long[] period = period(req, Bill.monthStart(Instant.now()).toEpochMilli());
        Bill.By by = Bill.By.parse(query(req, "by").orElse("function"), m -> new SkyfnException(ErrorCode.BAD_REQUEST, m));
        Optional<String> format = query(req, "format");
        if (format.isPresent() && !format.get().equals("json") && !format.get().equals("csv")) {
            throw new SkyfnException(ErrorCode.BAD_REQUEST, "'format' is json or csv, not '" + format.get() + "'");
        }
        Optional<String> app = query(req, "app");
        List<UsageRecord> records;
        try {
            records = ledgers.records(tenant, period[0], period[1]).stream().filter(r -> app.isEmpty() || r.app().equals(app.get())).toList();
        } catch (IllegalArgumentException | IllegalStateException e) {
            // a bill is whole or not given: an entry that was changed, or that nobody can read, is not skipped
            throw new SkyfnException(ErrorCode.LEDGER_DAMAGED, "no bill from a damaged ledger: " + e.getMessage()
                    + "; GET /v1/ledger lists what is wrong with the ledgers");
        }
        // a record naming a tenant nobody knows (written by a node that lies, or for a name mistyped) is billed to no one, and listed
        Set<String> unknown = records.stream().map(UsageRecord::tenant).distinct().filter(t -> !auth.knows(t))
                .collect(Collectors.toCollection(TreeSet::new));
        List<Unbilled> unbilled = unknown.isEmpty() ? List.of() : unbilled(records, unknown);
        Bill bill = Bill.of(unknown.isEmpty() ? records : records.stream().filter(r -> !unknown.contains(r.tenant())).toList(), by, prices);
        boolean csv = format.map("csv"::equals).orElse(false)
                || req.headers().first(HeaderNames.ACCEPT).map(a -> a.contains("text/csv")).orElse(false);
        if (csv) {
            if (!unbilled.isEmpty()) {
                res.header(UNBILLED, Long.toString(unbilled.stream().mapToLong(Unbilled::records).sum()));
            }
            res.header(HeaderNames.CONTENT_TYPE, "text/csv; charset=utf-8").send(bill.csv().getBytes(StandardCharsets.UTF_8));
            return;
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("tenant", tenant);
        app.ifPresent(a -> answer.put("app", a));
        answer.put("from", Instant.ofEpochMilli(period[0]).toString());
        answer.put("to", period[1] == Long.MAX_VALUE ? null : Instant.ofEpochMilli(period[1]).toString());
        answer.put("currency", "USD");
        answer.put("bill", bill);
        answer.put("unbilled", unbilled);
        Api.json(res, 200, answer);
    }

    /**
     * Records of the period naming a tenant that does not exist: not in the bill, not dropped.
     *
     * @param records how many
     * @param nodes   the nodes that wrote them (and signed them: the operator can show who claimed them)
     */
    record Unbilled(String tenant, long records, List<String> nodes, String why) {
    }

    private static List<Unbilled> unbilled(List<UsageRecord> records, Set<String> unknown) {
        Map<String, List<UsageRecord>> byTenant = records.stream().filter(r -> unknown.contains(r.tenant()))
                .collect(Collectors.groupingBy(UsageRecord::tenant, TreeMap::new, Collectors.toList()));
        List<Unbilled> all = new ArrayList<>();
        byTenant.forEach((tenant, rs) -> all.add(new Unbilled(tenant, rs.size(),
                rs.stream().map(UsageRecord::node).distinct().sorted().toList(), "no tenant " + tenant + " exists: its records are billed to no one")));
        return all;
    }

    private void records(ServerRequest req, ServerResponse res) {
        String tenant = tenant(req);
        String node = node(req);
        long[] period = period(req, 0);
        Ledger.Proven proven;
        try {
            proven = ledgers.entries(node, tenant, period[0], period[1]);
        } catch (IllegalArgumentException e) {
            throw new SkyfnException(ErrorCode.BAD_REQUEST, e.getMessage());
        } catch (IllegalStateException e) {
            throw new SkyfnException(ErrorCode.LEDGER_DAMAGED, e.getMessage());
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("tenant", tenant);
        answer.put("node", node);
        answer.put("head", proven.head());
        answer.put("entries", proven.entries().stream()
                .map(e -> Map.of("index", e.index(), "leaf", new String(e.leaf(), StandardCharsets.UTF_8))).toList());
        answer.put("proof", hex(proven.proof()));
        answer.put("pending", proven.pending());
        answer.put("problems", proven.problems());
        Api.json(res, 200, answer);
    }

    private void heads(ServerRequest req, ServerResponse res) {
        Caller caller = Api.caller(req, auth);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("algorithm", "Ed25519");
        answer.put("nodes", ledgers.views());
        if (caller.admin()) {
            answer.put("problems", ledgers.problems());
        }
        Api.json(res, 200, answer);
    }

    private void consistency(ServerRequest req, ServerResponse res) {
        Api.caller(req, auth);
        String node = node(req);
        long first = number(req, "first");
        long second = number(req, "second");
        Api.json(res, 200, Map.of("node", node, "first", first, "second", second,
                "proof", hex(proof(() -> ledgers.consistency(node, first, second)))));
    }

    private void inclusion(ServerRequest req, ServerResponse res) {
        Api.caller(req, auth);
        String node = node(req);
        long index = number(req, "index");
        long size = number(req, "size");
        Api.json(res, 200, Map.of("node", node, "index", index, "size", size, "proof", hex(proof(() -> ledgers.inclusion(node, index, size)))));
    }

    /** The node a ledger request is about: {@code node=}, or the only one. */
    private String node(ServerRequest req) {
        return query(req, "node").orElseGet(() -> {
            List<Ledgers.View> views = ledgers.views();
            if (views.size() != 1) {
                throw new SkyfnException(ErrorCode.BAD_REQUEST, "'node' is required: the ledgers here are "
                        + views.stream().map(Ledgers.View::node).toList());
            }
            return views.getFirst().node();
        });
    }

    /** The tenant whose records the caller asks for: its own, or any (null: all) for an admin. */
    private String tenant(ServerRequest req) {
        Caller caller = Api.caller(req, auth);
        Optional<String> asked = query(req, "tenant");
        if (asked.isPresent() && !asked.get().equals(caller.tenant()) && !caller.admin()) {
            throw new SkyfnException(ErrorCode.FORBIDDEN, "only an admin key sees another tenant's bill");
        }
        if (asked.isPresent() && !auth.knows(asked.get())) {
            throw new SkyfnException(ErrorCode.TENANT_NOT_FOUND, "no tenant " + asked.get()
                    + " exists; records that name a tenant that does not exist are listed under 'unbilled' in GET /v1/bills");
        }
        return asked.orElse(caller.admin() ? null : caller.tenant());
    }

    private static List<byte[]> proof(java.util.function.Supplier<List<byte[]>> proof) {
        try {
            return proof.get();
        } catch (IllegalArgumentException e) {
            throw new SkyfnException(ErrorCode.BAD_REQUEST, e.getMessage());
        }
    }

    private static List<String> hex(List<byte[]> hashes) {
        return hashes.stream().map(HEX::formatHex).toList();
    }

    private static Optional<String> query(ServerRequest req, String name) {
        return req.query().first(name).filter(v -> !v.isBlank());
    }

    private static long number(ServerRequest req, String name) {
        return Api.queryNumber(req, name).orElseThrow(() -> new SkyfnException(ErrorCode.BAD_REQUEST, "'" + name + "' is required"));
    }

    /** {@code [from, to)} in epoch ms from the query, {@code from} defaulting to {@code defaultFrom}, {@code to} to no end. */
    private static long[] period(ServerRequest req, long defaultFrom) {
        long from = millis(req, "from").orElse(defaultFrom);
        long to = millis(req, "to").orElse(Long.MAX_VALUE);
        if (from > to) {
            throw new SkyfnException(ErrorCode.BAD_REQUEST, query(req, "from").isPresent() ? "'from' is after 'to'"
                    : "'to' (" + Instant.ofEpochMilli(to) + ") is before the default 'from', " + Instant.ofEpochMilli(from)
                    + " (the start of this month): give a 'from' too");
        }
        return new long[]{from, to};
    }

    private static Optional<Long> millis(ServerRequest req, String name) {
        return instant(req, name).map(at -> {
            try {
                return at.toEpochMilli();
            } catch (ArithmeticException e) {
                throw new SkyfnException(ErrorCode.BAD_REQUEST, "'" + name + "' is too far from today: " + at);
            }
        });
    }

    private static Optional<Instant> instant(ServerRequest req, String name) {
        return query(req, name).map(v -> {
            try {
                return v.length() == 10 ? LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant() : Instant.parse(v);
            } catch (DateTimeParseException e) {
                throw new SkyfnException(ErrorCode.BAD_REQUEST, "'" + name + "' is a date (2026-12-01) or an instant (2026-12-01T10:00:00Z), not '"
                        + v + "'");
            }
        });
    }
}
