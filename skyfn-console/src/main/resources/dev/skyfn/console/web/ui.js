// Small pieces every page uses: tables, errors, times.
import { h } from 'preact';

export const e = h;

/** A table of rows: columns are [heading, row => cell]; an empty list says so. */
export function Table({ columns, rows, id, empty }) {
  if (!rows || rows.length === 0) return e('p', { class: 'empty', id }, empty || 'Nothing yet.');
  return e('table', { id },
    e('thead', null, e('tr', null, columns.map(([heading]) => e('th', null, heading)))),
    e('tbody', null, rows.map((row) => e('tr', null, columns.map(([, cell]) => e('td', null, cell(row)))))));
}

export function ErrorNote({ error }) {
  if (!error) return null;
  return e('p', { class: 'error', role: 'alert' }, e('code', null, error.code), ' ', error.message);
}

export function Section({ title, children, id }) {
  return e('section', { id }, e('h2', null, title), children);
}

/** An ISO time as the local clock shows it, with seconds. */
export function time(iso) {
  return iso ? new Date(iso).toLocaleTimeString([], { hour12: false }) : '';
}

/** {@code value} with {@code digits} decimals; '-' for a number the API left out (a cloud the scheduler did not score, say). */
export function fixed(value, digits) {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : '-';
}

export function ms(value) {
  return fixed(value, typeof value === 'number' && value < 10 ? 2 : 0);
}

export const link = (href, text, attrs = {}) => e('a', { href, ...attrs }, text);
