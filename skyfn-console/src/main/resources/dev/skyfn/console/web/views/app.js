// One app: its functions and where it runs, a call made by hand, its workflows and their
// executions, what it ran in the last seconds, and its log lines from every node as they come.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, newTraceparent, usePoll } from '../api.js';
import { e, ErrorNote, fixed, link, ms, Section, Table, time } from '../ui.js';
import { useWindow } from './fleet.js';
import { Machine } from './machine.js';

const KEPT_LINES = 500;

function body(text) {
  try {
    JSON.parse(text);
    return 'application/json';
  } catch (notJson) {
    return 'text/plain';
  }
}

function Invoke({ app, functions }) {
  const [answer, setAnswer] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    const f = event.target.elements.function.value;
    const input = event.target.elements.input.value;
    const started = performance.now();
    const trace = newTraceparent();
    try {
      const res = await api('POST', '/v1/apps/' + encodeURIComponent(app) + '/functions/' + encodeURIComponent(f) + ':invoke', input, body(input),
        { traceparent: trace.header });
      setAnswer({ ok: true, text: res.text, took: performance.now() - started, node: res.headers.get('X-Skyfn-Node'),
        id: res.headers.get('X-Skyfn-Invocation-Id'), cold: res.headers.get('X-Skyfn-Cold-Start') === 'true', traceId: trace.traceId });
    } catch (err) {
      setAnswer({ ok: false, error: err, took: performance.now() - started });
    }
  };
  return e(Section, { title: 'Invoke', id: 'invoke' },
    e('form', { onSubmit: submit, id: 'invoke-form' },
      e('select', { name: 'function', id: 'invoke-function' }, functions.map((f) => e('option', { value: f.name }, f.name))),
      e('textarea', { name: 'input', id: 'invoke-input', rows: 3, placeholder: 'input: JSON or text' }),
      e('button', { type: 'submit', id: 'invoke-button' }, 'Invoke')),
    answer && (answer.ok
      ? e('div', { id: 'invoke-answer' },
        e('p', { class: 'meta' }, `${answer.took.toFixed(0)} ms round trip · ran on ${answer.node || 'the node called'} · invocation ${answer.id}`
          + (answer.cold ? ' · cold start' : ''), ' · ', link('#/traces/' + answer.traceId, 'its trace', { id: 'invoke-trace' })),
        e('pre', { id: 'invoke-result' }, answer.text))
      : e('div', { id: 'invoke-answer' }, e(ErrorNote, { error: answer.error }))));
}

function Workflows({ app, workflows }) {
  const [error, setError] = useState(null);
  if (!workflows || workflows.length === 0) return null;
  const start = async (event, name) => {
    event.preventDefault();
    try {
      const res = await api('POST', `/v1/apps/${encodeURIComponent(app)}/workflows/${encodeURIComponent(name)}/executions`,
        event.target.elements.input.value || '{}');
      location.hash = '#/executions/' + encodeURIComponent(res.json.executionId);
    } catch (err) {
      setError(err);
    }
  };
  return e(Section, { title: 'Workflows', id: 'workflows' },
    e(ErrorNote, { error }),
    workflows.map((w) => e('div', { class: 'workflow', 'data-workflow': w.name },
      e('h3', null, w.name),
      e(Machine, { definition: w.definition }),
      e('form', { onSubmit: (event) => start(event, w.name), class: 'start' },
        e('textarea', { name: 'input', rows: 2, placeholder: 'input JSON', class: 'workflow-input' }),
        e('button', { type: 'submit', class: 'workflow-start' }, 'Start')))));
}

function Logs({ app }) {
  const [lines, setLines] = useState([]);
  const [error, setError] = useState(null);
  const cursor = useRef('');
  useEffect(() => {
    let live = true;
    let timer = null;
    const tick = async () => {
      try {
        const res = await api('GET', `/v1/apps/${encodeURIComponent(app)}/logs?limit=200` + (cursor.current ? '&cursor=' + cursor.current : ''));
        cursor.current = res.json.next;
        if (live && res.json.lines.length > 0) setLines((kept) => kept.concat(res.json.lines).slice(-KEPT_LINES));
        if (live) setError(null);
      } catch (err) {
        if (live) setError(err);
      }
      if (live) timer = setTimeout(tick, 1000);
    };
    tick();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [app]);
  return e(Section, { title: 'Logs', id: 'logs' },
    e(ErrorNote, { error }),
    lines.length === 0 ? e('p', { class: 'empty' }, 'No log lines yet: they appear here as calls run.')
      : e('div', { class: 'logs', id: 'log-lines' }, lines.map((l) => e('div', { class: 'line ' + l.kind },
        e('span', { class: 'time' }, time(l.time)), e('span', { class: 'node' }, l.node),
        e('span', { class: 'fn' }, l.function), e('span', { class: 'inv' }, l.invocationId), e('span', { class: 'text' }, l.text)))));
}

export function AppPage({ app }) {
  const path = '/v1/apps/' + encodeURIComponent(app);
  const shown = usePoll(path, 0);
  const placement = usePoll(path + '/placement', 3000);
  const executions = usePoll(path + '/executions', 2000);
  const running = usePoll('/v1/invocations?state=running&app=' + encodeURIComponent(app), 1000);
  const { view } = useWindow(2000);
  const now = view && view.apps.find((a) => a.name === app);
  if (shown.error) return e('div', null, e('h1', null, app), e(ErrorNote, { error: shown.error }));
  if (!shown.data) return e('p', null, 'Loading…');
  const a = shown.data;
  return e('div', null,
    e('h1', null, a.app, e('small', null, ` version ${a.version} · ${a.memoryMb} MiB · sha256 ${a.sha256.slice(0, 12)}…`)),
    e('p', { class: 'meta', id: 'app-now' }, now
      ? `now: ${fixed(now.rate, 1)} calls/s · ${fixed(now.errorRate, 1)} errors/s · p50 ${ms(now.p50)} ms · p99 ${ms(now.p99)} ms · ${now.inFlight} running · $${fixed(now.cost, 6)} so far`
      : 'now: measuring…'),
    e(Section, { title: 'Functions', id: 'functions' }, e(Table, {
      rows: a.functions,
      columns: [['function', (f) => f.name], ['handler', (f) => f.handler], ['memory', (f) => f.memoryMb], ['timeout', (f) => f.timeout],
        ['concurrency', (f) => f.concurrency], ['URL', (f) => (f.functionUrlPath ? f.url + ' ' + f.functionUrlPath : 'off')]],
    })),
    e(Section, { title: 'Where it runs', id: 'placement' },
      e(ErrorNote, { error: placement.error }),
      e(Table, {
        id: 'placement-table',
        rows: placement.data && placement.data.inForce,
        empty: 'Not placed on any node now.',
        columns: [['node', (r) => r.node], ['cloud', (r) => r.cloud], ['memory', (r) => r.memoryMb], ['state', (r) => (r.alive ? 'alive' : 'dead')]],
      }),
      placement.data && placement.data.scheduler && placement.data.scheduler.problem
        ? e('p', { class: 'error' }, 'The scheduler cannot place it now: ' + placement.data.scheduler.problem) : null,
      placement.data && placement.data.scheduler ? e('details', { id: 'explain' },
        e('summary', null, 'Why: each cloud as the scheduler weighs it now'),
        e(Table, {
          id: 'explain-table',
          rows: placement.data.scheduler.clouds,
          columns: [['cloud', (c) => c.cloud], ['taken', (c) => (c.taken ? 'yes' : 'no')], ['replicas', (c) => c.replicas],
            ['score', (c) => fixed(c.score, 3)],
            ['cost / latency / load', (c) => (c.scoreParts ? [c.scoreParts.cost, c.scoreParts.latency, c.scoreParts.load].map((v) => fixed(v, 2)).join(' / ') : '')],
            ['why', (c) => (c.reasons || []).join('; ')]],
        })) : null),
    e(Section, { title: 'Running now', id: 'running' },
      e(ErrorNote, { error: running.error }),
      e(Table, {
        id: 'running-table',
        rows: running.data && running.data.invocations,
        empty: 'No call running.',
        columns: [['invocation', (i) => i.invocationId], ['function', (i) => i.function], ['node', (i) => i.node],
          ['started', (i) => time(i.startedAt)], ['running (ms)', (i) => String(i.runningMs)]],
      })),
    e(Invoke, { app: a.app, functions: a.functions }),
    e(Workflows, { app: a.app, workflows: a.workflows }),
    e(Section, { title: 'Executions', id: 'executions' },
      e(ErrorNote, { error: executions.error }),
      e(Table, {
        id: 'executions-table',
        rows: executions.data && executions.data.executions,
        empty: 'No workflow executions.',
        columns: [['execution', (x) => link('#/executions/' + encodeURIComponent(x.executionId), x.executionId)], ['workflow', (x) => x.workflow],
          ['status', (x) => x.status], ['started', (x) => time(x.startedAt)], ['took (ms)', (x) => (x.durationMs ? fixed(x.durationMs, 0) : '')]],
      })),
    e(Logs, { app: a.app }));
}
