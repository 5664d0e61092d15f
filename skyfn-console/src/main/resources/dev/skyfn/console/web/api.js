// Calls to the node's HTTP API with the key the user logged in with; errors carry the API's stable code.
import { useEffect, useState } from 'preact/hooks';

const KEY = 'skyfn.apiKey';

export const apiKey = {
  get: () => sessionStorage.getItem(KEY),
  set: (key) => (key ? sessionStorage.setItem(KEY, key) : sessionStorage.removeItem(KEY)),
};

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** A new W3C traceparent, sampled, for a call made from the console: its trace can then be opened. */
export function newTraceparent() {
  const hex = (n) => Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => b.toString(16).padStart(2, '0')).join('');
  const traceId = hex(16);
  return { traceId, header: `00-${traceId}-${hex(8)}-01` };
}

/** Sends a request; resolves to {status, json, text, headers}, rejects with an ApiError for any status outside 2xx. */
export async function api(method, path, body, contentType, extraHeaders) {
  const headers = { ...(extraHeaders || {}) };
  const key = apiKey.get();
  if (key) headers.Authorization = 'Bearer ' + key;
  if (body !== undefined) headers['Content-Type'] = contentType || 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, body });
  } catch (e) {
    throw new ApiError(0, 'UNREACHABLE', 'the node did not answer: ' + e.message);
  }
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch (notJson) {
    json = null;
  }
  if (!res.ok) {
    const error = (json && json.error) || {};
    throw new ApiError(res.status, error.code || 'HTTP_' + res.status, error.message || text);
  }
  return { status: res.status, json, text, headers: res.headers };
}

/**
 * GETs path now and every ms milliseconds (0: once) while mounted; {data, error} of the latest answer.
 * A GET made once that the node could not answer (unreachable, 429, 5xx) is tried again every 2 s: a node busy with a fleet change must not leave a page blank.
 */
export function usePoll(path, ms, deps = []) {
  const [state, setState] = useState({ data: null, error: null });
  useEffect(() => {
    let live = true;
    let timer = null;
    const tick = async () => {
      let failed = false;
      try {
        const res = await api('GET', path);
        if (live) setState({ data: res.json, error: null });
      } catch (e) {
        failed = e.status === 0 || e.status === 429 || e.status >= 500;
        if (live) setState((s) => ({ data: s.data, error: e }));
      }
      const again = ms > 0 ? ms : failed ? 2000 : 0;
      if (live && again > 0) timer = setTimeout(tick, again);
    };
    tick();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [path, ms, ...deps]);
  return state;
}
