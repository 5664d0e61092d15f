// One workflow execution: its state machine with each state's latest status, and every step with
// its status, time, attempts and data, refreshed until the execution ends.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { e, ErrorNote, link, Section, Table, time } from '../ui.js';
import { Machine } from './machine.js';

const json = (v) => (v === undefined || v === null ? '' : JSON.stringify(v));

export function Execution({ id }) {
  const [x, setX] = useState(null);
  const [definition, setDefinition] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    let live = true;
    let timer = null;
    const tick = async () => {
      let running = true;
      try {
        const res = await api('GET', '/v1/executions/' + encodeURIComponent(id));
        running = res.json.status === 'RUNNING';
        if (live) setX(res.json);
      } catch (err) {
        if (live) setError(err);
      }
      if (live && running) timer = setTimeout(tick, 1000);
    };
    tick();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [id]);
  useEffect(() => {
    if (!x || definition) return;
    api('GET', '/v1/apps/' + encodeURIComponent(x.app)).then((res) => {
      const w = (res.json.workflows || []).find((w) => w.name === x.workflow);
      setDefinition(w ? w.definition : {});
    }, setError);
  }, [x && x.app]);
  if (!x) return e('div', null, e('h1', null, 'Execution ' + id), e(ErrorNote, { error }));
  const status = {};
  for (const s of x.steps || []) status[s.state] = s.status;
  return e('div', null,
    e('h1', null, 'Execution ', e('small', null, x.executionId)),
    e('p', { class: 'meta' }, link('#/apps/' + encodeURIComponent(x.app), x.app), ` · workflow ${x.workflow} · status `,
      e('strong', { id: 'execution-status', class: x.status.toLowerCase() }, x.status),
      ` · started ${time(x.startedAt)}` + (x.durationMs ? ` · took ${x.durationMs.toFixed(0)} ms` : '')),
    x.error ? e('p', { class: 'error' }, e('code', null, x.error), ' ', x.cause) : null,
    e(ErrorNote, { error }),
    e(Section, { title: 'State machine', id: 'machine' }, e(Machine, { definition, status })),
    e(Section, { title: 'Steps', id: 'steps' }, e(Table, {
      id: 'steps-table',
      rows: x.steps,
      columns: [['step', (s) => s.key], ['type', (s) => s.type], ['status', (s) => s.status], ['started', (s) => time(s.startedAt)],
        ['took (ms)', (s) => (s.durationMicros ? (s.durationMicros / 1000).toFixed(1) : '')], ['attempts', (s) => s.attempts || ''],
        ['input', (s) => e('code', null, json(s.input))], ['output', (s) => e('code', null, json(s.output))],
        ['error', (s) => (s.error ? s.error + ': ' + (s.cause || '') : '')]],
    })),
    e(Section, { title: 'Input and output', id: 'data' },
      e('pre', null, 'input:  ' + json(x.input)), x.output !== undefined ? e('pre', { id: 'execution-output' }, 'output: ' + json(x.output)) : null));
}
