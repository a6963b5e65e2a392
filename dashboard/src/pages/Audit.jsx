import { useEffect, useState } from 'preact/hooks';
import { readAudit } from '../audit.js';
import { AuditList } from '../components/AuditList.jsx';
import { ErrorText } from '../components/common.jsx';
import { useLocation } from '../router.js';

const SHOW = 50;

export function AuditPage({ store }) {
  const { query } = useLocation();
  const initial = { flag: query.get('flag') || '', actor: query.get('actor') || '', since: '' };
  const [form, setForm] = useState(initial);
  const [applied, setApplied] = useState(initial);
  const [result, setResult] = useState(null);
  const [shown, setShown] = useState(SHOW);
  const [error, setError] = useState(null);

  useEffect(() => {
    let alive = true;
    const since = applied.since ? new Date(applied.since).toISOString() : '';
    readAudit({ flag: applied.flag, actor: applied.actor, since })
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
        {result && <span class="muted">{result.entries.length} entries, newest first</span>}
      </div>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setShown(SHOW);
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
      {result && result.truncated && <p class="notice">Only the oldest 20,000 matching entries were read: narrow the filters.</p>}
      {result && <AuditList entries={result.entries.slice(0, shown)} showTarget />}
      {result && result.entries.length > shown && <button onClick={() => setShown(shown + SHOW)}>Older entries ({result.entries.length - shown} more)</button>}
    </section>
  );
}
