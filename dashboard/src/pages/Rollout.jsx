import { useRef, useState } from 'preact/hooks';
import { enc, get } from '../api.js';
import { Badge, ErrorText, useNow, usePoll } from '../components/common.jsx';
import { Overrides } from '../components/Overrides.jsx';
import { RolloutChart } from '../components/RolloutChart.jsx';
import { Timeline } from '../components/Timeline.jsx';
import { Link } from '../router.js';
import { fmtDuration, fmtPercent, fmtTime } from '../format.js';
import { TERMINAL } from '../rollout.js';

// The decision log of one rollout, read in pages once and then only what is new.
async function fetchDecisions(flag, rolloutId, after) {
  const out = [];
  let cursor = after;
  for (let page = 0; page < 100; page++) {
    const query = `rollout=${rolloutId}&limit=500${cursor !== null ? `&after=${cursor}` : ''}`;
    const data = await get(`/v1/rollouts/${enc(flag)}/decisions?${query}`);
    out.push(...(data.decisions || []));
    if (data.next_after === null || data.next_after === undefined) break;
    cursor = data.next_after;
  }
  return out;
}

export function RolloutPage({ params, admin }) {
  const flag = params.key;
  const [rollout, setRollout] = useState(null);
  const [decisions, setDecisions] = useState([]);
  const [error, setError] = useState(null);
  const [refresh, setRefresh] = useState(0);
  const held = useRef({ id: null, decisions: [] });
  const now = useNow();

  usePoll(
    async (alive) => {
      try {
        const r = await get(`/v1/rollouts/${enc(flag)}`);
        if (!alive()) return;
        if (held.current.id !== r.id) held.current = { id: r.id, decisions: [] };
        const known = held.current.decisions;
        const after = known.length ? known[known.length - 1].sequence : null;
        const fresh = await fetchDecisions(flag, r.id, after);
        if (!alive() || held.current.id !== r.id) return;
        if (fresh.length) {
          held.current.decisions = known.concat(fresh.filter((d) => after === null || d.sequence > after));
          setDecisions(held.current.decisions);
        }
        setRollout(r);
        setError(null);
      } catch (e) {
        if (alive()) setError(e.code === 'rollout_not_found' ? `${flag} has no rollout.` : e);
      }
    },
    rollout && TERMINAL.has(rollout.phase) ? 0 : 2000,
    [flag, refresh, rollout && TERMINAL.has(rollout.phase)],
  );

  const active = rollout && !TERMINAL.has(rollout.phase);
  return (
    <section>
      <div class="page-head">
        <h1>
          Rollout of{' '}
          <Link href={`/flags/${encodeURIComponent(flag)}`} class="key">
            {flag}
          </Link>
        </h1>
        {rollout && <Badge kind={rollout.phase} />}
      </div>
      <ErrorText error={error} />
      {rollout && (
        <>
          <div class="summary">
            <div>
              <div class="label">Stage</div>
              <div class="big mono">{rollout.stage ? `${rollout.stage.number} of ${rollout.stage.of}` : '—'}</div>
            </div>
            <div>
              <div class="label">Serving {rollout.treatment}</div>
              <div class="big mono" data-field="percent">{fmtPercent(rollout.treatment_percent)}</div>
            </div>
            <div>
              <div class="label">In stage</div>
              <div class="big mono">{active && rollout.stage_started_at ? fmtDuration(now - Date.parse(rollout.stage_started_at)) : '—'}</div>
            </div>
            <div>
              <div class="label">Control</div>
              <div class="big mono">{rollout.control}</div>
            </div>
            <div>
              <div class="label">Started</div>
              <div class="mono">{fmtTime(rollout.created_at)}</div>
              <div class="muted small-text">by {rollout.started_by}</div>
            </div>
          </div>
          {rollout.paused && (
            <p class="notice" data-field="paused">
              Paused ({rollout.paused.cause}) by {rollout.paused.by}
              {rollout.paused.reason ? `: “${rollout.paused.reason}”` : ''}
            </p>
          )}
          {rollout.last_decision && <p class="explanation">{rollout.last_decision.sentence}</p>}
          <div class="columns">
            <RolloutChart id="chart-errors" title="Error rate per variant" check="error_rate" unit="error rate (%)" scale={100} decisions={decisions} treatment={rollout.treatment} control={rollout.control} />
            <RolloutChart id="chart-latency" title="p95 latency per variant" check="latency_p95" unit="p95 (ms)" scale={1000} decisions={decisions} treatment={rollout.treatment} control={rollout.control} />
          </div>
          {admin && <Overrides rollout={{ ...rollout, flag }} onDone={() => setRefresh((n) => n + 1)} />}
          <section class="card">
            <h2>Decisions</h2>
            <Timeline decisions={decisions} />
          </section>
        </>
      )}
    </section>
  );
}
