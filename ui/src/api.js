// api.js: the API with the token the user pasted. The token lives in sessionStorage only
// (this tab, until it closes) and goes out as the Authorization header: no cookie, so a
// page of another site cannot make the browser send it (docs/security.md).
const KEY = 'batchd.token';

export const session = {
  get token() { return sessionStorage.getItem(KEY); },
  set token(t) { if (t) sessionStorage.setItem(KEY, t); else sessionStorage.removeItem(KEY); },
  me: null, // GET /api/v1/whoami once logged in
  meAt: 0, // when (Date.now()) it was read
};

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

// api('GET', '/api/v1/instances', {etag, body, headers, blob, raw}) resolves to
// {status, data, etag, headers} (data: parsed JSON or text, a Blob with `blob`; null on
// 304) or rejects with an ApiError carrying the problem's detail (and the problem itself
// as .problem, e.g. its `errors`). `raw`: the body is sent as the string it is, with
// the Content-Type in opts.headers.
export async function api(method, path, opts = {}) {
  const headers = { Accept: 'application/json', ...(opts.headers || {}) };
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  if (opts.etag) headers['If-None-Match'] = opts.etag;
  let body;
  if (opts.raw !== undefined) {
    body = opts.raw;
  } else if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  const res = await fetch(path, { method, headers, body, cache: 'no-store', credentials: 'omit' });
  if (res.status === 304) return { status: 304, data: null, etag: opts.etag, headers: res.headers };
  const ct = res.headers.get('Content-Type') || '';
  const data = opts.blob && res.ok ? await res.blob()
    : ct.includes('json') ? await res.json().catch(() => null) : await res.text();
  if (!res.ok) {
    if (res.status === 401 && !opts.login) {
      session.token = null;
      session.me = null;
      location.hash = '#/login';
    }
    const detail = data && typeof data === 'object' && data.detail ? data.detail : `HTTP ${res.status}`;
    const err = new ApiError(res.status, detail);
    err.problem = data && typeof data === 'object' ? data : null;
    throw err;
  }
  return { status: res.status, data, etag: res.headers.get('ETag'), headers: res.headers };
}

// The role's rank: viewer 1 < operator 2 < admin 3.
export function can(role) {
  const rank = { viewer: 1, operator: 2, admin: 3 };
  return session.me && (rank[session.me.role] || 0) >= rank[role];
}
