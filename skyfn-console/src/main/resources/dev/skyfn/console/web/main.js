// The console: log in with an API key (none in dev mode), then the pages, one per hash route.
import { render } from 'preact';
import { useEffect, useErrorBoundary, useState } from 'preact/hooks';
import { api, apiKey } from './api.js';
import { e, ErrorNote, link } from './ui.js';
import { Fleet } from './views/fleet.js';
import { Apps } from './views/apps.js';
import { AppPage } from './views/app.js';
import { Execution } from './views/execution.js';
import { Bills } from './views/bills.js';
import { Trace, Traces } from './views/trace.js';

function useRoute() {
  const read = () => (location.hash || '#/fleet').slice(1).split('/').filter(Boolean).map(decodeURIComponent);
  const [route, setRoute] = useState(read());
  useEffect(() => {
    const changed = () => setRoute(read());
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}

function Login({ onIn }) {
  const [error, setError] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    apiKey.set(event.target.elements.key.value.trim());
    try {
      await api('GET', '/v1/apps');
      onIn();
    } catch (err) {
      apiKey.set(null);
      setError(err);
    }
  };
  return e('main', { class: 'login' },
    e('h1', null, 'skyfn'),
    e('form', { onSubmit: submit, id: 'login' },
      e('label', { for: 'api-key' }, 'API key'),
      e('input', { id: 'api-key', name: 'key', type: 'password', autocomplete: 'off', required: true }),
      e('button', { type: 'submit' }, 'Log in')),
    e(ErrorNote, { error }));
}

/** A page that fails to draw says so, and the rest of the console goes on; a new route draws afresh. */
function Boundary({ children }) {
  const [error, reset] = useErrorBoundary();
  if (error) {
    return e('p', { class: 'error', role: 'alert', id: 'page-error' }, 'This page failed to draw: ' + error.message + ' ',
      e('button', { onClick: reset }, 'Try again'));
  }
  return children;
}

function page(route, operator) {
  const [first, second] = route;
  if (first === 'apps' && second) return e(AppPage, { app: second, key: second });
  if (first === 'apps') return e(Apps, { operator });
  if (first === 'executions' && second) return e(Execution, { id: second, key: second });
  if (first === 'bills') return e(Bills);
  if (first === 'traces' && second) return e(Trace, { id: second, key: second });
  if (first === 'traces') return e(Traces);
  return e(Fleet);
}

function Console() {
  const [state, setState] = useState('checking');
  // an operator's key (an admin's) may list the tenants: its console shows every tenant's apps too (dev mode has one tenant);
  // null until the node has said which
  const [operator, setOperator] = useState(null);
  const route = useRoute();
  useEffect(() => {
    api('GET', '/v1/apps').then(() => setState('in'), () => setState('out'));
  }, []);
  useEffect(() => {
    if (state === 'in') api('GET', '/v1/tenants').then(() => setOperator(true), () => setOperator(false));
  }, [state]);
  if (state === 'checking') return e('p', null, 'Connecting…');
  if (state === 'out') return e(Login, { onIn: () => setState('in') });
  const out = () => {
    apiKey.set(null);
    setOperator(null);
    setState('out');
  };
  const here = route[0] || 'fleet';
  const tab = (name, text) => link('#/' + name, text, { class: here === name ? 'here' : '', id: 'nav-' + name });
  return e('div', { class: 'console' },
    e('nav', { 'data-role': operator === null ? 'checking' : operator ? 'operator' : 'tenant' }, e('strong', null, 'skyfn'), tab('fleet', 'Fleet'), tab('apps', 'Apps'), tab('bills', 'Bills'), tab('traces', 'Traces'),
      operator && apiKey.get() ? e('span', { class: 'dev', id: 'operator' }, 'operator') : null,
      apiKey.get() ? e('button', { onClick: out, id: 'logout' }, 'Log out') : e('span', { class: 'dev' }, 'dev mode')),
    e('main', null, e(Boundary, { key: route.join('/') }, page(route, operator === true && Boolean(apiKey.get())))));
}

render(e(Console), document.getElementById('console'));
