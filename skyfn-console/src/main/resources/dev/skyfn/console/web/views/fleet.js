// The fleet: its clouds with price, trust and place; its nodes; what each node runs now.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, usePoll } from '../api.js';
import { e, ErrorNote, fixed, ms, Section, Table, time } from '../ui.js';
import { windowOf } from '../stats.js';

/** Samples /v1/stats every ms; the window between the last two. */
export function useWindow(ms) {
  const [view, setView] = useState(null);
  const [error, setError] = useState(null);
  const last = useRef(null);
  useEffect(() => {
    let live = true;
    let timer = null;
    const tick = async () => {
      try {
        const now = (await api('GET', '/v1/stats')).json;
        const at = performance.now();
        if (live && last.current) setView(windowOf(last.current.stats, now, (at - last.current.at) / 1000));
        last.current = { stats: now, at };
        setError(null);
      } catch (err) {
        if (live) setError(err);
      }
      if (live) timer = setTimeout(tick, ms);
    };
    tick();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [ms]);
  return { view, error };
}

const rate = (r) => (r ? fixed(r.rate, 1) : '-');

/** The mean load of live nodes, '-' when none is alive. */
const meanLoad = (nodes) => (nodes.length ? fixed(nodes.reduce((sum, n) => sum + n.load, 0) / nodes.length, 2) : '-');

/** From each user region and each cloud (rows) to each cloud (columns), as the topology gives them. */
function LatencyMatrix({ latency }) {
  if (!latency) return null;
  const clouds = Object.keys(latency.between);
  const rows = [
    ...Object.entries(latency.users).map(([region, row]) => ({ from: 'users in ' + region, row })),
    ...Object.entries(latency.between).map(([cloud, row]) => ({ from: cloud, row })),
  ];
  return e(Table, {
    id: 'latency-table',
    rows,
    columns: [['from', (r) => r.from], ...clouds.map((c) => [c, (r) => String(r.row[c])])],
  });
}

export function Fleet() {
  const clouds = usePoll('/v1/clouds', 10000);
  const nodes = usePoll('/v1/nodes', 2000);
  const { view, error } = useWindow(2000);
  const byNode = new Map(((view && view.nodes) || []).map((r) => [r.name, r]));
  const ofCloud = (cloud) => ((nodes.data && nodes.data.nodes) || []).filter((n) => n.cloud === cloud);
  const alive = (cloud) => ofCloud(cloud).filter((n) => n.alive);
  return e('div', null,
    e('h1', null, 'Fleet'),
    e(Section, { title: 'Clouds', id: 'clouds' },
      e(ErrorNote, { error: clouds.error }),
      e(Table, {
        id: 'clouds-table',
        rows: clouds.data && clouds.data.clouds,
        columns: [
          ['cloud', (c) => c.name], ['provider', (c) => c.provider], ['region', (c) => c.region],
          ['pricing', (c) => c.pricing.model + (c.pricing.gbSecond ? ' $' + c.pricing.gbSecond + '/GB-s' : '')],
          ['trust', (c) => c.trust], ['edge', (c) => (c.edge ? 'yes' : '')], ['hardware', (c) => c.hardware.join(', ')],
          ['nodes', (c) => c.nodes.join(', ')],
          ['alive', (c) => alive(c.name).length + '/' + ofCloud(c.name).length],
          ['load', (c) => meanLoad(alive(c.name))],
        ],
      })),
    e(Section, { title: 'Round trips (ms)', id: 'latency' },
      e(LatencyMatrix, { latency: clouds.data && clouds.data.latency })),
    e(Section, { title: 'Nodes', id: 'nodes' },
      e(ErrorNote, { error: nodes.error || error }),
      e(Table, {
        id: 'nodes-table',
        rows: nodes.data && nodes.data.nodes,
        columns: [
          ['node', (n) => n.name], ['cloud', (n) => n.cloud], ['state', (n) => (n.alive ? 'alive' : 'dead')],
          ['free memory (MiB)', (n) => n.freeMemoryMb], ['load', (n) => fixed(n.load, 2)],
          ['calls/s', (n) => rate(byNode.get(n.name))], ['errors/s', (n) => (byNode.get(n.name) ? fixed(byNode.get(n.name).errorRate, 1) : '-')],
          ['p99 ms', (n) => ms(byNode.get(n.name) && byNode.get(n.name).p99)], ['running', (n) => (byNode.get(n.name) ? byNode.get(n.name).inFlight : '-')],
          ['cost so far $', (n) => (byNode.get(n.name) ? fixed(byNode.get(n.name).cost, 6) : '-')],
        ],
      }),
      view && view.unreachable.length > 0 ? e('p', { class: 'error' }, 'No answer from ' + view.unreachable.join(', ')) : null,
      nodes.data && nodes.data.elastic && nodes.data.elastic.length > 0
        ? e(Section, { title: 'Elastic nodes', id: 'elastic' }, e(Table, {
          id: 'elastic-table',
          rows: nodes.data.elastic,
          // each node asked of a cloud, through its lifecycle: requested, booting, ready, draining, released
          columns: [
            ['node', (n) => n.node], ['cloud', (n) => n.cloud], ['state', (n) => n.state],
            ['requested', (n) => time(n.requestedAt)], ['ready', (n) => time(n.readyAt)], ['released', (n) => time(n.releasedAt)],
            ['$/hour', (n) => fixed(n.pricePerHour, 4)], ['billed', (n) => n.billed], ['busy s', (n) => fixed(n.busyMs / 1000, 1)],
            ['cost $', (n) => fixed(n.costUsd, 6)], ['why', (n) => n.why],
          ],
        }))
        : null));
}
