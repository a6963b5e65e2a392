import { useEffect, useState } from 'preact/hooks';
import { jsonDiff } from '../diff.js';

export function ErrorText({ error }) {
  if (!error) return null;
  const message = typeof error === 'string' ? error : error.message;
  const code = typeof error === 'string' ? null : error.code;
  return (
    <div class="error" role="alert">
      {code && code !== 'network' ? <code>{code}</code> : null} {message}
    </div>
  );
}

export function Badge({ kind, children }) {
  return <span class={`badge badge-${kind}`}>{children ?? kind}</span>;
}

// Re-renders every second: ticking durations ("time in stage").
export function useNow(intervalMs = 1000) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

// Calls load() now and every periodMs while mounted (and when deps change).
export function usePoll(load, periodMs, deps) {
  useEffect(() => {
    let alive = true;
    let timer = null;
    const run = async () => {
      try {
        await load(() => alive);
      } finally {
        if (alive && periodMs) timer = setTimeout(run, periodMs);
      }
    };
    run();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, deps);
}

const show = (v) => (v === undefined ? '' : JSON.stringify(v));

export function Diff({ before, after }) {
  const changes = jsonDiff(before ?? null, after ?? null);
  if (!changes.length) return <div class="muted">no change in the stored document</div>;
  return (
    <ul class="diff">
      {changes.map((c) => (
        <li class={`diff-${c.kind}`} key={c.path + c.kind}>
          <span class="diff-sign">{c.kind === 'added' ? '+' : c.kind === 'removed' ? '−' : '~'}</span>
          <code class="diff-path">{c.path}</code>{' '}
          {c.kind === 'changed' ? (
            <>
              <code class="diff-old">{show(c.before)}</code> → <code class="diff-new">{show(c.after)}</code>
            </>
          ) : (
            <code>{show(c.kind === 'added' ? c.after : c.before)}</code>
          )}
        </li>
      ))}
    </ul>
  );
}

// A modal that needs a deliberate confirmation; children render the fields.
export function Dialog({ title, children, onCancel, onConfirm, confirmLabel, confirmDisabled, busy, error, danger }) {
  useEffect(() => {
    const onKey = (e) => e.key === 'Escape' && onCancel();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onCancel]);
  return (
    <div class="overlay" onClick={(e) => e.target === e.currentTarget && onCancel()}>
      <form
        class="dialog"
        role="dialog"
        aria-modal="true"
        aria-label={title}
        onSubmit={(e) => {
          e.preventDefault();
          if (!confirmDisabled && !busy) onConfirm();
        }}
      >
        <h2>{title}</h2>
        {children}
        <ErrorText error={error} />
        <div class="dialog-actions">
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" class={danger ? 'danger' : 'primary'} disabled={confirmDisabled || busy}>
            {busy ? 'Working…' : confirmLabel}
          </button>
        </div>
      </form>
    </div>
  );
}
