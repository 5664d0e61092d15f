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

export function ms(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return '-';
  return value < 10 ? value.toFixed(2) : value.toFixed(0);
}

export const link = (href, text, attrs = {}) => e('a', { href, ...attrs }, text);
