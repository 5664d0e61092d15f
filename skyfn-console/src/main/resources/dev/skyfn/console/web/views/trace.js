// The latest traces the fleet keeps; and a trace: its spans from every node that still keeps them, drawn as a waterfall, each under its parent.
import { usePoll } from '../api.js';
import { e, ErrorNote, fixed, link, Section, Table, time } from '../ui.js';

/** The spans in the order they are drawn: each after its parent, children by start; with their depth. */
export function ordered(spans) {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map();
  for (const s of spans) {
    const parent = ids.has(s.parentSpanId) ? s.parentSpanId : '';
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(s);
  }
  const rows = [];
  const visit = (parent, depth) => {
    for (const s of (children.get(parent) || []).sort((a, b) => a.startMicros - b.startMicros)) {
      rows.push({ span: s, depth });
      visit(s.spanId, depth + 1);
    }
  };
  visit('', 0);
  return rows;
}

export function Trace({ id }) {
  const trace = usePoll('/v1/traces/' + encodeURIComponent(id), 2000);
  const spans = (trace.data && trace.data.spans) || [];
  const from = Math.min(...spans.map((s) => s.startMicros));
  const to = Math.max(...spans.map((s) => s.startMicros + s.durationMicros));
  const total = Math.max(1, to - from);
  const nodes = [...new Set(spans.map((s) => s.node + ' (' + s.cloud + ')'))];
  return e('div', null,
    e('h1', null, 'Trace ', e('small', null, id)),
    e(ErrorNote, { error: trace.error }),
    spans.length > 0 ? e('p', { class: 'meta', id: 'trace-summary' },
      `${spans.length} spans · ${(total / 1000).toFixed(2)} ms · on ${nodes.join(', ')}`) : null,
    e(Section, { title: 'Spans', id: 'spans' },
      e('table', { id: 'trace-table', class: 'waterfall' },
        e('thead', null, e('tr', null, ['span', 'node', 'cloud', 'ms', ''].map((h) => e('th', null, h)))),
        e('tbody', null, ordered(spans).map(({ span: s, depth }) => e('tr', { class: s.error ? 'failed' : '', 'data-span': s.spanId,
          title: Object.entries(s.attributes || {}).map(([k, v]) => k + '=' + v).join('\n') },
          e('td', { style: { paddingLeft: 8 + depth * 16 + 'px' } }, s.name),
          e('td', null, s.node), e('td', null, s.cloud), e('td', null, fixed(s.durationMicros / 1000, 2)),
          e('td', { class: 'bar' }, e('span', { style: { marginLeft: (100 * (s.startMicros - from)) / total + '%',
            width: Math.max(0.3, (100 * s.durationMicros) / total) + '%' } }))))))));
}

export function Traces() {
  const latest = usePoll('/v1/traces?limit=100', 3000);
  const open = (event) => {
    event.preventDefault();
    location.hash = '#/traces/' + encodeURIComponent(event.target.elements.trace.value.trim().toLowerCase());
  };
  const traces = latest.data && latest.data.traces;
  return e('div', null,
    e('h1', null, 'Traces'),
    e(ErrorNote, { error: latest.error }),
    latest.data && !latest.data.tracing ? e('p', { class: 'meta', id: 'not-tracing' },
      'This node does not trace: start nodes with --tracing to keep their calls\' spans.') : null,
    !latest.data ? e('p', { class: 'meta' }, latest.error ? '' : 'Loading…') : e(Table, {
      id: 'traces-table',
      rows: traces,
      empty: 'No trace kept yet: nodes started with --tracing keep the last spans of the calls they sample.',
      columns: [
        ['trace', (t) => link('#/traces/' + t.traceId, t.name, { 'data-trace': t.traceId })],
        ['started', (t) => time(t.startMicros / 1000)],
        ['apps', (t) => t.apps.join(', ')], ['spans', (t) => t.spans], ['ms', (t) => fixed(t.durationMicros / 1000, 2)],
        ['clouds', (t) => t.clouds.join(', ')], ['nodes', (t) => t.nodes.join(', ')], ['outcome', (t) => (t.error ? 'error' : 'ok')],
      ],
    }),
    latest.data && latest.data.unreachable.length > 0
      ? e('p', { class: 'meta' }, 'Not heard from: ' + latest.data.unreachable.join(', ')) : null,
    e(Section, { title: 'Open a trace', id: 'open-trace' },
      e('form', { onSubmit: open, id: 'trace-form' },
        e('input', { name: 'trace', id: 'trace-id', placeholder: 'trace id: 32 hex digits', size: 40, required: true }),
        e('button', { type: 'submit' }, 'Open'))));
}
