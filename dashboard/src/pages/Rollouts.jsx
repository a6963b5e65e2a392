import { useState } from 'preact/hooks';
import { enc, get } from '../api.js';
import { Badge, ErrorText, useNow, usePoll } from '../components/common.jsx';
import { Link } from '../router.js';
import { fmtDuration, fmtPercent } from '../format.js';
import { checksOf, fmtCheckValue, TERMINAL } from '../rollout.js';

export function RolloutsPage() {
  const [all, setAll] = useState(false);
  const [rollouts, setRollouts] = useState(null);
  const [details, setDetails] = useState({});
  const [error, setError] = useState(null);
  const now = useNow();
  usePoll(
    async (alive) => {
      try {
        const data = await get(`/v1/rollouts${all ? '?all=true' : ''}`);
        const list = data.rollouts || [];
        // The list leaves out the decisions: read each rollout's last few, for the last sentence
        // and the newest evidence (a command such as resume carries none).
        const recent = await Promise.all(
          list.slice(0, 50).map((r) =>
            get(`/v1/rollouts/${enc(r.flag)}/decisions?rollout=${r.id}&limit=20${r.sequence > 20 ? `&after=${r.sequence - 20}` : ''}`)
              .then((page) => [r.id, page.decisions || []])
              .catch(() => [r.id, []]),
          ),
        );
        if (!alive()) return;
        setRollouts(list);
        setDetails(
          Object.fromEntries(
            recent.map(([id, decisions]) => [
              id,
              { last: decisions[decisions.length - 1], evidence: [...decisions].reverse().find((d) => checksOf(d).length > 0) },
            ]),
          ),
        );
        setError(null);
      } catch (e) {
        if (alive()) setError(e);
      }
    },
    2000,
    [all],
  );
  return (
    <section>
      <div class="page-head">
        <h1>Rollouts</h1>
        <label class="inline">
          <input type="checkbox" name="all" checked={all} onChange={(e) => setAll(e.currentTarget.checked)} /> show finished rollouts too
        </label>
      </div>
      <ErrorText error={error} />
      {rollouts && !rollouts.length && <p class="muted">No {all ? '' : 'active '}rollout.</p>}
      {rollouts && rollouts.length > 0 && (
        <table class="grid rollouts">
          <thead>
            <tr>
              <th>Flag</th>
              <th>Phase</th>
              <th>Stage</th>
              <th>Split</th>
              <th>In stage</th>
              <th>Checks (treatment vs control)</th>
              <th>Last decision</th>
            </tr>
          </thead>
          <tbody>
            {rollouts.map((r) => {
              const detail = details[r.id] || {};
              const last = detail.last;
              const active = !TERMINAL.has(r.phase);
              return (
                <tr data-rollout={r.flag} key={r.id}>
                  <td>
                    <Link href={`/rollouts/${encodeURIComponent(r.flag)}`} class="key">
                      {r.flag}
                    </Link>
                  </td>
                  <td>
                    <Badge kind={r.phase} />
                  </td>
                  <td class="mono">{r.stage ? `${r.stage.number}/${r.stage.of}` : '—'}</td>
                  <td class="mono">
                    {r.treatment} {fmtPercent(r.treatment_percent)}
                    <span class="muted">
                      {' / '}
                      {r.control} {fmtPercent(100 - (r.treatment_percent || 0))}
                    </span>
                  </td>
                  <td class="mono nowrap">{active && r.stage_started_at ? fmtDuration(now - Date.parse(r.stage_started_at)) : '—'}</td>
                  <td class="mono small-text">
                    {checksOf(detail.evidence).map((c) => (
                      <div class={`check verdict-${c.verdict}`}>
                        {c.check}: {fmtCheckValue(c.check, c.treatment)} vs {fmtCheckValue(c.check, c.control)}
                      </div>
                    ))}
                  </td>
                  <td class="small-text">{last ? last.sentence : <span class="muted">—</span>}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
