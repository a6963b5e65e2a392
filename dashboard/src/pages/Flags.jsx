import { useState } from 'preact/hooks';
import { get } from '../api.js';
import { Badge, ErrorText, useNow, usePoll } from '../components/common.jsx';
import { KillSwitch } from '../components/KillSwitch.jsx';
import { Link } from '../router.js';
import { flagState, fmtAgo, fmtServing } from '../format.js';

const distinct = (values) => [...new Set(values.filter(Boolean))].sort();

function matchesSearch(flag, text) {
  if (!text) return true;
  const d = flag.definition || {};
  const haystack = [flag.key, d.name, d.description, ...(d.tags || [])].filter(Boolean).join(' ').toLowerCase();
  return text
    .toLowerCase()
    .split(/\s+/)
    .every((word) => haystack.includes(word));
}

export function FlagsPage({ admin, store }) {
  const [search, setSearch] = useState('');
  const [kind, setKind] = useState('');
  const [owner, setOwner] = useState('');
  const [tag, setTag] = useState('');
  const [state, setState] = useState('live');
  const [staleOnly, setStaleOnly] = useState(false);
  const [rollouts, setRollouts] = useState({});
  const now = useNow(30000);

  usePoll(
    async (alive) => {
      try {
        const data = await get('/v1/rollouts');
        if (alive()) setRollouts(Object.fromEntries((data.rollouts || []).map((r) => [r.flag, r])));
      } catch {
        // the list still works without rollout columns
      }
    },
    3000,
    [],
  );

  const all = store.flags || [];
  const shown = all.filter((f) => {
    const d = f.definition || {};
    const s = flagState(f);
    if (state === 'live' ? s === 'archived' : state && s !== state) return false;
    if (kind && (d.kind || 'release') !== kind) return false;
    if (owner && d.owner !== owner) return false;
    if (tag && !(d.tags || []).includes(tag)) return false;
    if (staleOnly && f.stale !== true) return false;
    return matchesSearch(f, search);
  });

  return (
    <section>
      <div class="page-head">
        <h1>Flags</h1>
        <span class="muted">
          {shown.length} of {all.length}
        </span>
      </div>
      <div class="filters">
        <input type="search" name="search" placeholder="Search key, name, description, tags" value={search} onInput={(e) => setSearch(e.currentTarget.value)} class="grow" />
        <select name="kind" value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
          <option value="">any kind</option>
          {distinct(['release', 'experiment', 'ops', 'permission', ...all.map((f) => f.definition?.kind)]).map((k) => (
            <option value={k}>{k}</option>
          ))}
        </select>
        <select name="owner" value={owner} onChange={(e) => setOwner(e.currentTarget.value)}>
          <option value="">any owner</option>
          {distinct(all.map((f) => f.definition?.owner)).map((o) => (
            <option value={o}>{o}</option>
          ))}
        </select>
        <select name="tag" value={tag} onChange={(e) => setTag(e.currentTarget.value)}>
          <option value="">any tag</option>
          {distinct(all.flatMap((f) => f.definition?.tags || [])).map((t) => (
            <option value={t}>{t}</option>
          ))}
        </select>
        <select name="state" value={state} onChange={(e) => setState(e.currentTarget.value)}>
          <option value="live">on or killed</option>
          <option value="on">on</option>
          <option value="killed">killed</option>
          <option value="archived">archived</option>
          <option value="">any state</option>
        </select>
        <label class="inline">
          <input type="checkbox" name="stale" checked={staleOnly} onChange={(e) => setStaleOnly(e.currentTarget.checked)} /> stale only
        </label>
      </div>
      <ErrorText error={store.error} />
      {!store.flags && !store.error && <p class="muted">Loading…</p>}
      {store.flags && (
        <table class="grid flags">
          <thead>
            <tr>
              <th>Key</th>
              <th>Kind</th>
              <th>State</th>
              <th>Serving</th>
              <th>Owner</th>
              <th>Tags</th>
              <th>Rollout</th>
              <th>Updated</th>
              {admin && <th />}
            </tr>
          </thead>
          <tbody>
            {shown.map((f) => {
              const d = f.definition || {};
              const rollout = rollouts[f.key];
              const s = flagState(f);
              return (
                <tr key={f.key} data-flag={f.key} data-state={s}>
                  <td>
                    <Link href={`/flags/${encodeURIComponent(f.key)}`} class="key">
                      {f.key}
                    </Link>
                    {d.description && <div class="muted small-text">{d.description}</div>}
                  </td>
                  <td>{d.kind || 'release'}</td>
                  <td>
                    <Badge kind={s} />
                    {f.stale === true && <Badge kind="stale" />}
                  </td>
                  <td class="mono">
                    {s === 'killed' ? `${d.off_variant} to everyone` : fmtServing(f, d, rollout)}
                    {s !== 'killed' && f.drift && (
                      <div class="small-text">
                        <Badge kind="drift">file out of date</Badge>
                      </div>
                    )}
                    {s !== 'killed' && (d.rules || []).length > 0 && (
                      <div class="muted small-text">
                        by default; {d.rules.length} rule{d.rules.length === 1 ? '' : 's'} first
                      </div>
                    )}
                  </td>
                  <td>{d.owner || <span class="muted">—</span>}</td>
                  <td>
                    {(d.tags || []).map((t) => (
                      <span class="tag">{t}</span>
                    ))}
                  </td>
                  <td>
                    {rollout ? (
                      <Link href={`/rollouts/${encodeURIComponent(f.key)}`}>
                        {rollout.phase} {rollout.stage ? `${rollout.stage.number}/${rollout.stage.of}` : ''}
                      </Link>
                    ) : (
                      <span class="muted">—</span>
                    )}
                  </td>
                  <td title={`${f.updatedAt} by ${f.updatedBy}`} class="nowrap">
                    {fmtAgo(f.updatedAt, now)}
                    <div class="muted small-text">{f.updatedBy}</div>
                  </td>
                  {admin && (
                    <td>
                      <KillSwitch flag={f} />
                    </td>
                  )}
                </tr>
              );
            })}
            {!shown.length && (
              <tr>
                <td colSpan={admin ? 9 : 8} class="muted">
                  No flag matches.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      )}
    </section>
  );
}
