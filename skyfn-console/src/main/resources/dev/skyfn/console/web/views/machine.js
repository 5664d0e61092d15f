// A workflow drawn as its state machine (Amazon States Language): states in rows by their distance
// from StartAt, an arrow for each transition, each state coloured by the status of its latest step.
import { e } from '../ui.js';

/** The states a state moves to: Next, a Choice's choices and Default, its Catchers. */
function targets(state) {
  const out = [];
  if (state.Next) out.push(state.Next);
  for (const c of state.Choices || []) if (c.Next) out.push(c.Next);
  if (state.Default) out.push(state.Default);
  for (const c of state.Catch || []) if (c.Next) out.push(c.Next);
  return out;
}

/** Rows of state names, by breadth-first distance from StartAt; states not reached go last. */
export function layers(definition) {
  const states = definition.States || {};
  const depth = new Map([[definition.StartAt, 0]]);
  const queue = [definition.StartAt];
  while (queue.length) {
    const name = queue.shift();
    for (const next of targets(states[name] || {})) {
      if (states[next] && !depth.has(next)) {
        depth.set(next, depth.get(name) + 1);
        queue.push(next);
      }
    }
  }
  const deepest = Math.max(0, ...depth.values());
  for (const name of Object.keys(states)) if (!depth.has(name)) depth.set(name, deepest + 1);
  const rows = [];
  for (const [name, d] of depth) if (states[name]) (rows[d] = rows[d] || []).push(name);
  return rows.filter(Boolean);
}

const W = 150;
const H = 36;
const GAP_X = 30;
const GAP_Y = 34;

/** The diagram; status maps a state's name to the status of its latest step (RUNNING, SUCCEEDED, FAILED, …). */
export function Machine({ definition, status = {} }) {
  if (!definition || !definition.States) return null;
  const rows = layers(definition);
  const widest = Math.max(...rows.map((r) => r.length));
  const width = widest * (W + GAP_X) + GAP_X;
  const at = new Map();
  rows.forEach((row, y) => row.forEach((name, x) => {
    const offset = (width - row.length * (W + GAP_X) + GAP_X) / 2;
    at.set(name, { x: offset + x * (W + GAP_X), y: GAP_Y / 2 + y * (H + GAP_Y) });
  }));
  const arrows = [];
  for (const [name, p] of at) {
    for (const next of targets(definition.States[name])) {
      const q = at.get(next);
      if (q) arrows.push(e('line', { x1: p.x + W / 2, y1: p.y + H, x2: q.x + W / 2, y2: q.y, 'marker-end': 'url(#arrow)' }));
    }
  }
  const boxes = [...at].map(([name, p]) => {
    const state = definition.States[name];
    const s = (status[name] || 'not-run').toLowerCase();
    return e('g', { class: 'state ' + s, 'data-state': name, 'data-status': s },
      e('rect', { x: p.x, y: p.y, width: W, height: H, rx: 6 }),
      e('text', { x: p.x + W / 2, y: p.y + 15 }, name),
      e('text', { x: p.x + W / 2, y: p.y + 29, class: 'type' }, state.Type + (status[name] ? ' · ' + s : '')));
  });
  return e('svg', { class: 'machine', width, height: rows.length * (H + GAP_Y), role: 'img', 'aria-label': 'state machine' },
    e('defs', null, e('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto' },
      e('path', { d: 'M0,0 L10,5 L0,10 z' }))),
    arrows, boxes);
}
