// The tenant's apps, and deploying a new version of one from its jar; an operator's console lists every tenant's too.
import { useState } from 'preact/hooks';
import { api, usePoll } from '../api.js';
import { e, ErrorNote, link, Section, Table, time } from '../ui.js';

/** What both lists show of an app after its name. */
const details = [
  ['version', (a) => a.version], ['functions', (a) => a.functions.map((f) => f.name).join(', ')], ['memory (MiB)', (a) => a.memoryMb],
  ['deployed', (a) => time(a.deployedAt)],
];

/** An operator's view of every tenant's apps; their pages are their tenants' own. */
function EveryTenantsApps() {
  const all = usePoll('/v1/apps?allTenants=true', 5000);
  return e(Section, { title: 'Every tenant\'s apps', id: 'all-apps' },
    e(ErrorNote, { error: all.error }),
    e(Table, {
      id: 'all-apps-table',
      rows: all.data && all.data.apps,
      empty: 'No tenant has an app deployed.',
      columns: [['tenant', (a) => a.tenant], ['app', (a) => a.app], ...details],
    }));
}

export function Apps({ operator }) {
  const [round, setRound] = useState(0);
  const apps = usePoll('/v1/apps', 5000, [round]);
  const [deploying, setDeploying] = useState({ error: null, done: null });
  const deploy = async (event) => {
    event.preventDefault();
    const file = event.target.elements.jar.files[0];
    if (!file) return;
    try {
      const res = await api('POST', '/v1/apps', await file.arrayBuffer(), 'application/java-archive');
      setDeploying({ error: null, done: res.json });
      setRound(round + 1);
    } catch (err) {
      setDeploying({ error: err, done: null });
    }
  };
  return e('div', null,
    e('h1', null, 'Apps'),
    e(ErrorNote, { error: apps.error }),
    e(Table, {
      id: 'apps-table',
      rows: apps.data && apps.data.apps,
      empty: 'No apps deployed yet.',
      columns: [['app', (a) => link('#/apps/' + encodeURIComponent(a.app), a.app)], ...details],
    }),
    e(Section, { title: 'Deploy', id: 'deploy' },
      e('form', { onSubmit: deploy, id: 'deploy-form' },
        e('input', { type: 'file', name: 'jar', id: 'deploy-jar', accept: '.jar' }),
        e('button', { type: 'submit', id: 'deploy-button' }, 'Deploy')),
      e(ErrorNote, { error: deploying.error }),
      deploying.done ? e('p', { id: 'deployed' }, 'Deployed ', link('#/apps/' + deploying.done.app, deploying.done.app), ' version ' + deploying.done.version) : null),
    operator ? e(EveryTenantsApps) : null);
}
