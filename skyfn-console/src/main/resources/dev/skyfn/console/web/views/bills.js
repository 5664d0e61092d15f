// The caller's bill (an operator's key: every tenant's) by function, and what the same usage would cost elsewhere.
import { usePoll } from '../api.js';
import { e, ErrorNote, fixed, Section, Table } from '../ui.js';

const usd = (v) => '$' + fixed(v || 0, 6);

export function Bills() {
  const bill = usePoll('/v1/bills?by=function', 10000);
  const b = bill.data && bill.data.bill;
  return e('div', null,
    e('h1', null, 'Bills'),
    e(ErrorNote, { error: bill.error }),
    b ? e('div', null,
      e('p', { class: 'meta', id: 'bill-total' }, `since ${bill.data.from} · ${b.total.calls} calls · ${fixed(b.total.gbSeconds, 3)} GB-s · `,
        e('strong', null, usd(b.total.cost)), ` (price table ${b.priceTable})`),
      e(Section, { title: 'By function', id: 'bill-lines' }, e(Table, {
        rows: b.lines,
        empty: 'No usage billed yet.',
        columns: [['function', (l) => l.key], ['calls', (l) => l.calls], ['errors', (l) => l.errors], ['cold starts', (l) => l.coldStarts],
          ['billed ms', (l) => l.billedMs], ['GB-s', (l) => fixed(l.gbSeconds, 3)], ['cost', (l) => usd(l.cost)]],
      })),
      e(Section, { title: 'The same usage elsewhere', id: 'bill-elsewhere' }, e(Table, {
        rows: b.elsewhere,
        columns: [['platform', (x) => x.name], ['list price', (x) => usd(x.listCost)], ['free tier', (x) => usd(x.freeTier)], ['cost', (x) => usd(x.cost)]],
      }))) : e('p', null, 'Loading…'));
}
