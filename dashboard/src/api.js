// The only module that talks to the server: the public HTTP API (docs/api.md), with the token from
// sessionStorage (never localStorage or the URL, so it dies with the tab).
const TOKEN_KEY = 'sluice.token';
const TIMEOUT_MS = 15000;

export const getToken = () => sessionStorage.getItem(TOKEN_KEY);
export const setToken = (token) => sessionStorage.setItem(TOKEN_KEY, token);
export const clearToken = () => sessionStorage.removeItem(TOKEN_KEY);

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

let unauthorizedHandler = () => {};
// A 401 anywhere means the token was revoked or is wrong: the app goes back to the login form.
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}
export function reportUnauthorized(message) {
  unauthorizedHandler(message);
}

export async function request(path, { method = 'GET', body, token = getToken(), quiet401 = false } = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  const headers = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: controller.signal,
    });
  } catch (e) {
    const message = e.name === 'AbortError' ? `no answer from the server after ${TIMEOUT_MS / 1000}s` : `cannot reach the server: ${e.message}`;
    throw new ApiError(0, 'network', message);
  } finally {
    clearTimeout(timer);
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const message = (data && data.message) || `HTTP ${response.status} ${response.statusText}`;
    const error = new ApiError(response.status, (data && data.code) || `http_${response.status}`, message, data && data.field);
    if (response.status === 401 && !quiet401) unauthorizedHandler(message);
    throw error;
  }
  return data;
}

export const get = (path) => request(path);
export const post = (path, body) => request(path, { method: 'POST', body: body ?? {} });
export const enc = encodeURIComponent;

// GET /v1/whoami: the token's name and scope. The dashboard is embedded in the server, so the
// route exists; were it missing (404), the token is treated as read-only rather than guessed.
export async function whoami(token) {
  try {
    return await request('/v1/whoami', { token, quiet401: true });
  } catch (e) {
    if (e.status !== 404) throw e;
  }
  await request('/v1/flags', { token, quiet401: true });
  return { name: 'token', scope: 'read' };
}
