// Client-side routes on the History API; the server answers index.html for every one of them, so
// deep links and reloads work.
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';

const listeners = new Set();

export function navigate(path) {
  if (path === location.pathname + location.search) return;
  history.pushState(null, '', path);
  listeners.forEach((listener) => listener());
}

window.addEventListener('popstate', () => listeners.forEach((listener) => listener()));

export function useLocation() {
  const [, setTick] = useState(0);
  useEffect(() => {
    const listener = () => setTick((tick) => tick + 1);
    listeners.add(listener);
    return () => listeners.delete(listener);
  }, []);
  return { path: location.pathname, query: new URLSearchParams(location.search) };
}

// [pattern, page]: the first pattern that matches wins; ':name' captures one path segment.
export function match(routes, path) {
  const parts = path.split('/').filter(Boolean);
  for (const [pattern, page] of routes) {
    const want = pattern.split('/').filter(Boolean);
    if (want.length !== parts.length) continue;
    const params = {};
    if (want.every((segment, i) => (segment.startsWith(':') ? ((params[segment.slice(1)] = decodeURIComponent(parts[i])), true) : segment === parts[i]))) {
      return { page, params };
    }
  }
  return null;
}

export function Link({ href, children, ...rest }) {
  const onClick = (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return h('a', { href, onClick, ...rest }, children);
}
