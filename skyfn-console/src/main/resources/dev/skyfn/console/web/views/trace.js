// A trace: its spans from every node that still keeps them, drawn as a waterfall, each under its parent.
import { usePoll } from '../api.js';
import { e, ErrorNote, fixed, Section } from '../ui.js';

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
  const open = (event) => {
    event.preventDefault();
    location.hash = '#/traces/' + encodeURIComponent(event.target.elements.trace.value.trim().toLowerCase());
  };
  return e('div', null,
    e('h1', null, 'Traces'),
    e('p', { class: 'meta' }, 'A call invoked from an app\'s page links to its trace. Nodes started with --tracing keep their last spans.'),
    e('form', { onSubmit: open, id: 'trace-form' },
      e('input', { name: 'trace', id: 'trace-id', placeholder: 'trace id: 32 hex digits', size: 40, required: true }),
      e('button', { type: 'submit' }, 'Open')));
}
