import { useEffect, useState } from 'preact/hooks';
import { readAudit } from '../audit.js';
import { AuditList } from '../components/AuditList.jsx';
import { ErrorText } from '../components/common.jsx';
import { useLocation } from '../router.js';

const PAGE = 50;

export function AuditPage({ store }) {
  const { query } = useLocation();
  const initial = { flag: query.get('flag') || '', actor: query.get('actor') || '', since: '' };
  const [form, setForm] = useState(initial);
  const [applied, setApplied] = useState(initial);
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);

  useEffect(() => {
    let alive = true;
    const since = applied.since ? new Date(applied.since).toISOString() : '';
    readAudit({ flag: applied.flag, actor: applied.actor, since }, { limit: PAGE })
      .then((r) => alive && (setResult(r), setError(null)))
      .catch((e) => alive && setError(e));
    return () => {
      alive = false;
    };
  }, [applied, store.version]);

  const field = (name) => ({ name, value: form[name], onInput: (e) => setForm({ ...form, [name]: e.currentTarget.value }) });
  return (
    <section>
      <div class="page-head">
        <h1>Audit log</h1>
        {result && <span class="muted">newest first</span>}
      </div>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied({ flag: form.flag.trim(), actor: form.actor.trim(), since: form.since });
        }}
      >
        <input placeholder="flag key" {...field('flag')} />
        <input placeholder="actor (token name)" {...field('actor')} />
        <label class="inline">
          since <input type="datetime-local" {...field('since')} />
        </label>
        <button type="submit" class="primary">
          Filter
        </button>
      </form>
      <ErrorText error={error} />
      {result && <AuditList entries={result.entries} showTarget />}
      {result && result.next !== null && (
        <button
          onClick={() => {
            const since = applied.since ? new Date(applied.since).toISOString() : '';
            readAudit({ flag: applied.flag, actor: applied.actor, since }, { before: result.next, limit: PAGE })
              .then((older) => (setResult({ entries: [...result.entries, ...older.entries], next: older.next }), setError(null)))
              .catch(setError);
          }}
        >
          Older entries
        </button>
      )}
    </section>
  );
}
