// Two samples of GET /v1/stats made into rates over the window between them, as `skyfn top` does:
// counts are cumulative since each node started; a node whose counts went back restarted.

function errors(f) {
  return Object.values(f.errors || {}).reduce((a, b) => a + b, 0);
}

function callsWithin(durations, le) {
  let n = 0;
  for (const b of durations || []) if (b.leMicros <= le) n = b.calls;
  return n;
}

/** Calls per bucket (upper bound µs) that f ran since old. */
function increments(f, old) {
  const bounds = [...new Set([...(f.durations || []), ...((old && old.durations) || [])].map((b) => b.leMicros))].sort((a, b) => a - b);
  const out = new Map();
  let below = 0;
  for (const le of bounds) {
    const within = callsWithin(f.durations, le) - (old ? callsWithin(old.durations, le) : 0);
    out.set(le, within - below);
    below = within;
  }
  return out;
}

/** The q quantile (ms) of calls by bucket, interpolated within its bucket; NaN when there were none. */
export function quantile(buckets, q) {
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((a, [, n]) => a + n, 0);
  if (total <= 0) return NaN;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [le, n] of sorted) {
    if (below + n >= rank && n > 0) return (lower + ((le - lower) * (rank - below)) / n) / 1000;
    lower = le;
    below += n;
  }
  return sorted[sorted.length - 1][0] / 1000;
}

/** Per node and per app: calls/s, errors/s, p50 and p99 (ms), calls running now, cost so far (US dollars, as the bills rate it). */
export function windowOf(before, now, seconds) {
  const key = (node, f) => node + '\n' + f.tenant + '\n' + f.app + '\n' + f.function;
  const was = new Map();
  for (const n of (before && before.nodes) || []) for (const f of n.functions) was.set(key(n.node, f), f);
  const rows = { nodes: new Map(), apps: new Map() };
  const row = (map, name) => {
    if (!map.has(name)) map.set(name, { name, calls: 0, errors: 0, buckets: new Map(), inFlight: 0, cost: 0 });
    return map.get(name);
  };
  for (const n of (now && now.nodes) || []) {
    const node = row(rows.nodes, n.node);
    node.cloud = n.cloud;
    const running = new Map();
    for (const f of n.functions) {
      let old = was.get(key(n.node, f));
      if (old && old.calls > f.calls) old = null;
      const app = row(rows.apps, f.app);
      for (const r of [node, app]) {
        r.calls += f.calls - (old ? old.calls : 0);
        r.errors += errors(f) - (old ? errors(old) : 0);
        for (const [le, c] of increments(f, old)) r.buckets.set(le, (r.buckets.get(le) || 0) + c);
      }
      running.set(f.app, f.inFlight);
    }
    for (const a of n.apps || []) {
      row(rows.apps, a.app).cost += a.costUsd;
      node.cost += a.costUsd;
    }
    for (const [app, c] of running) {
      row(rows.apps, app).inFlight += c;
      node.inFlight += c;
    }
  }
  const finish = (r) => ({ ...r, rate: r.calls / seconds, errorRate: r.errors / seconds, p50: quantile(r.buckets, 0.5), p99: quantile(r.buckets, 0.99) });
  return { nodes: [...rows.nodes.values()].map(finish), apps: [...rows.apps.values()].map(finish), unreachable: (now && now.unreachable) || [] };
}
