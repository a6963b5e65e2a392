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
        // the list leaves out the last decision; each active rollout's own page has it
        const latest = await Promise.all(list.filter((r) => r.active || !TERMINAL.has(r.phase)).map((r) => get(`/v1/rollouts/${enc(r.flag)}`).catch(() => null)));
        if (!alive()) return;
        setRollouts(list);
        setDetails(Object.fromEntries(latest.filter(Boolean).map((r) => [r.id ?? r.flag, r])));
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
              const detail = details[r.id ?? r.flag];
              const last = detail && detail.last_decision;
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
                    <span class="muted"> / {r.control}</span>
                  </td>
                  <td class="mono nowrap">{active && r.stage_started_at ? fmtDuration(now - Date.parse(r.stage_started_at)) : '—'}</td>
                  <td class="mono small-text">
                    {checksOf(last).map((c) => (
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
