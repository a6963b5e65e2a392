import { render } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { clearToken, get, getToken, onUnauthorized, setToken, whoami } from './api.js';
import { openStream } from './stream.js';
import { Link, match, navigate, useLocation } from './router.js';
import { ErrorText } from './components/common.jsx';
import { FlagsPage } from './pages/Flags.jsx';
import { FlagPage } from './pages/Flag.jsx';
import { RolloutsPage } from './pages/Rollouts.jsx';
import { RolloutPage } from './pages/Rollout.jsx';
import { AuditPage } from './pages/Audit.jsx';
import './style.css';

const ROUTES = [
  ['/', FlagsPage],
  ['/flags', FlagsPage],
  ['/flags/:key', FlagPage],
  ['/rollouts', RolloutsPage],
  ['/rollouts/:key', RolloutPage],
  ['/audit', AuditPage],
];

function Login({ message, onLogin }) {
  const [token, setTokenInput] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const who = await whoami(token.trim());
      setToken(token.trim());
      onLogin(who);
    } catch (err) {
      setError(err.status === 401 ? 'The server refused this token.' : err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <form onSubmit={submit} class="card">
        <h1>Sluice</h1>
        <p class="muted">Sign in with an API token (sluice token create). It is kept for this tab only.</p>
        {message && <div class="notice">{message}</div>}
        <label>
          Token
          <input type="password" name="token" autoFocus autocomplete="off" value={token} onInput={(e) => setTokenInput(e.currentTarget.value)} />
        </label>
        <ErrorText error={error} />
        <button class="primary" type="submit" disabled={busy || !token.trim()}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

// The flags as the list shows them (GET /v1/flags, with archived ones), kept current by the event
// stream: a change applies at once from the event and is then re-read for the list-only fields.
function useFlags(enabled) {
  const [flags, setFlags] = useState(null);
  const [error, setError] = useState(null);
  const [streamStatus, setStreamStatus] = useState('connecting');
  const [version, setVersion] = useState(0);
  const reload = useRef(null);
  useEffect(() => {
    if (!enabled) return undefined;
    let alive = true;
    let pending = null;
    const load = async () => {
      try {
        const data = await get('/v1/flags?archived=true');
        if (alive) {
          setFlags(data.flags);
          setError(null);
        }
      } catch (e) {
        if (alive) setError(e);
      }
    };
    reload.current = () => {
      clearTimeout(pending);
      pending = setTimeout(load, 150);
    };
    load();
    const close = openStream({
      onStatus: setStreamStatus,
      onEvent: (type, data) => {
        setVersion((v) => v + 1);
        if (type === 'change' && (data.kind === 'flag' || data.kind === 'state') && data.key) {
          setFlags((list) =>
            list && data.flag
              ? list.map((f) => (f.key === data.key ? { ...f, enabled: data.flag.enabled, definition: { ...f.definition, ...data.flag } } : f))
              : list,
          );
        }
        if (type === 'change' || type === 'snapshot') reload.current();
      },
    });
    return () => {
      alive = false;
      clearTimeout(pending);
      close();
    };
  }, [enabled]);
  return { flags, error, streamStatus, version, reload: () => reload.current && reload.current() };
}

function App() {
  const [who, setWho] = useState(null);
  const [checking, setChecking] = useState(!!getToken());
  const [loginMessage, setLoginMessage] = useState(null);
  const { path } = useLocation();

  const logout = useCallback((message) => {
    clearToken();
    setWho(null);
    setLoginMessage(message || null);
  }, []);

  useEffect(() => {
    onUnauthorized((message) => logout(`Signed out: ${message}. Sign in again.`));
    const token = getToken();
    if (!token) return;
    whoami(token)
      .then(setWho)
      .catch((e) => logout(e.status === 401 ? 'Your token is no longer accepted. Sign in again.' : e.message))
      .finally(() => setChecking(false));
  }, []);

  const store = useFlags(!!who);
  useEffect(() => {
    const name = decodeURIComponent(path.split('/')[2] || '');
    const page = path.startsWith('/rollouts') ? 'Rollouts' : path.startsWith('/audit') ? 'Audit log' : 'Flags';
    document.title = name ? `${name} · ${page} · Sluice` : `${page} · Sluice`;
  }, [path]);
  if (checking) return <div class="muted pad">Loading…</div>;
  if (!who) return <Login message={loginMessage} onLogin={(w) => (setWho(w), setLoginMessage(null))} />;

  const found = match(ROUTES, path);
  const Page = found ? found.page : null;
  const admin = who.scope === 'admin';
  const section = path.startsWith('/rollouts') ? 'rollouts' : path.startsWith('/audit') ? 'audit' : 'flags';
  return (
    <>
      <header class="top">
        <Link href="/" class="brand">
          Sluice
        </Link>
        <nav>
          <Link href="/" class={section === 'flags' ? 'active' : ''}>
            Flags
          </Link>
          <Link href="/rollouts" class={section === 'rollouts' ? 'active' : ''}>
            Rollouts
          </Link>
          <Link href="/audit" class={section === 'audit' ? 'active' : ''}>
            Audit log
          </Link>
        </nav>
        <span class={`stream stream-${store.streamStatus}`} title="the live event stream (GET /v1/stream)">
          {store.streamStatus === 'live' ? '● live' : store.streamStatus === 'connecting' ? '○ connecting' : '○ reconnecting'}
        </span>
        <span class="who">
          <span class="who-name">{who.name}</span> <span class={`badge badge-scope-${who.scope}`}>{who.scope}</span>
        </span>
        <button class="small" onClick={() => logout()}>
          Log out
        </button>
      </header>
      <main class="page">
        {Page ? (
          <Page params={found.params} admin={admin} store={store} />
        ) : (
          <div>
            <h1>Not found</h1>
            <p>
              No page at <code>{path}</code>. <a href="/" onClick={(e) => (e.preventDefault(), navigate('/'))}>Back to the flags</a>
            </p>
          </div>
        )}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app'));
