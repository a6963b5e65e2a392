import { useState } from 'preact/hooks';
import { enc, get, post } from '../api.js';
import { readAudit } from '../audit.js';
import { AuditList } from '../components/AuditList.jsx';
import { Badge, ErrorText, usePoll } from '../components/common.jsx';
import { KillSwitch } from '../components/KillSwitch.jsx';
import { Link } from '../router.js';
import { flagState, fmtNumber, fmtPercent, fmtRule, fmtServe, fmtTime, fmtValue } from '../format.js';

function Definition({ d }) {
  return (
    <section class="card">
      <h2>Definition</h2>
      <dl class="props">
        <dt>Variants</dt>
        <dd>
          <table class="grid compact">
            <tbody>
              {Object.entries(d.variants || {}).map(([name, value]) => (
                <tr>
                  <td class="mono">{name}</td>
                  <td class="mono">{fmtValue(value)}</td>
                  <td>
                    {name === d.off_variant && <Badge kind="muted">off variant</Badge>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </dd>
        <dt>Default</dt>
        <dd class="mono">{fmtServe(d.default)}</dd>
        <dt>Prerequisites</dt>
        <dd>
          {(d.prerequisites || []).length ? (
            (d.prerequisites || []).map((p) => (
              <div>
                <Link href={`/flags/${encodeURIComponent(p.flag)}`} class="key">
                  {p.flag}
                </Link>{' '}
                serves {(p.variants || []).join(' or ')}
              </div>
            ))
          ) : (
            <span class="muted">none</span>
          )}
        </dd>
        {d.bucket_by && (
          <>
            <dt>Bucket by</dt>
            <dd class="mono">{d.bucket_by}</dd>
          </>
        )}
      </dl>
      <h3>Targeting rules</h3>
      {(d.rules || []).length ? (
        <ol class="rules">
          {d.rules.map((rule) => (
            <li>
              {rule.name && <div class="rule-name">{rule.name}</div>}
              <code class="rule">{fmtRule(rule)}</code>
            </li>
          ))}
          <li class="muted">
            <code class="rule">OTHERWISE serve {fmtServe(d.default)}</code>
          </li>
        </ol>
      ) : (
        <p>
          No rules: everyone gets <code>{fmtServe(d.default)}</code>.
        </p>
      )}
    </section>
  );
}

function Metrics({ flagKey }) {
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const [window, setWindow] = useState(300);
  usePoll(
    async (alive) => {
      try {
        const m = await get(`/v1/flags/${enc(flagKey)}/metrics?window=${window}`);
        if (alive()) (setData(m), setError(null));
      } catch (e) {
        if (alive()) setError(e.status === 404 && e.code !== 'flag_not_found' ? 'Metrics are not available from this server.' : e);
      }
    },
    5000,
    [flagKey, window],
  );
  return (
    <section class="card" id="metrics">
      <div class="page-head">
        <h2>Metrics</h2>
        <select name="window" value={window} onChange={(e) => setWindow(+e.currentTarget.value)}>
          <option value={60}>last minute</option>
          <option value={300}>last 5 minutes</option>
          <option value={900}>last 15 minutes</option>
          <option value={3600}>last hour</option>
        </select>
      </div>
      <ErrorText error={error} />
      {data && (
        <>
          <p class="muted">
            source <code>{data.source}</code>, window {data.window_seconds}s{data.error ? ` — ${data.error}` : ''}
          </p>
          <table class="grid">
            <thead>
              <tr>
                <th>Variant</th>
                <th class="num">Exposures</th>
                <th class="num">Errors</th>
                <th class="num">Error rate</th>
                <th class="num">p50</th>
                <th class="num">p95</th>
              </tr>
            </thead>
            <tbody>
              {(data.variants || []).map((v) => (
                <tr>
                  <td class="mono">{v.variant}</td>
                  <td class="num">{fmtNumber(v.requests)}</td>
                  <td class="num">{fmtNumber(v.errors)}</td>
                  <td class="num">{v.error_rate === null || v.error_rate === undefined ? '—' : fmtPercent(v.error_rate * 100)}</td>
                  <td class="num">{v.p50_ms === null || v.p50_ms === undefined ? '—' : `${fmtNumber(v.p50_ms)} ms`}</td>
                  <td class="num">{v.p95_ms === null || v.p95_ms === undefined ? '—' : `${fmtNumber(v.p95_ms)} ms`}</td>
                </tr>
              ))}
              {!(data.variants || []).length && (
                <tr>
                  <td colSpan={6} class="muted">
                    No traffic reported in this window.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

function Preview({ flagKey }) {
  const [text, setText] = useState('{"targetingKey":"user-1","country":"US"}');
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const run = async (e) => {
    e.preventDefault();
    setError(null);
    let context;
    try {
      context = JSON.parse(text);
    } catch (err) {
      setResult(null);
      setError(`Not valid JSON: ${err.message}`);
      return;
    }
    if (context === null || typeof context !== 'object' || Array.isArray(context)) {
      setResult(null);
      setError('The context must be a JSON object, e.g. {"targetingKey":"user-1"}');
      return;
    }
    setBusy(true);
    try {
      setResult(await post(`/v1/flags/${enc(flagKey)}/evaluate`, { context }));
    } catch (err) {
      setResult(null);
      setError(err.status === 404 && err.code !== 'flag_not_found' ? 'The audience preview is not available from this server.' : err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" id="preview">
      <h2>Audience preview</h2>
      <form onSubmit={run}>
        <label>
          Context (JSON)
          <textarea name="context" rows={4} spellcheck={false} value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        <button type="submit" class="primary" disabled={busy}>
          Evaluate
        </button>
      </form>
      <ErrorText error={error} />
      {result && (
        <div class="preview-result">
          <dl class="props">
            <dt>Value</dt>
            <dd class="mono" data-field="value">{fmtValue(result.value)}</dd>
            <dt>Variant</dt>
            <dd class="mono" data-field="variant">{result.variant ?? '—'}</dd>
            <dt>Reason</dt>
            <dd class="mono">{result.reason}{result.errorCode ? ` (${result.errorCode})` : ''}</dd>
            <dt>Rule</dt>
            <dd class="mono">{result.rule ?? '—'}</dd>
          </dl>
          {result.explanation && <p class="explanation">{result.explanation}</p>}
        </div>
      )}
    </section>
  );
}

function FlagHistory({ flagKey, version }) {
  const [entries, setEntries] = useState(null);
  const [error, setError] = useState(null);
  usePoll(
    async (alive) => {
      try {
        const data = await readAudit({ flag: flagKey });
        if (alive()) setEntries(data.entries);
      } catch (e) {
        if (alive()) setError(e);
      }
    },
    0,
    [flagKey, version],
  );
  return (
    <section class="card">
      <h2>History</h2>
      <ErrorText error={error} />
      {entries && <AuditList entries={entries} />}
      <Link href={`/audit?flag=${encodeURIComponent(flagKey)}`}>All entries in the audit log</Link>
    </section>
  );
}

export function FlagPage({ params, admin, store }) {
  const key = params.key;
  const [definition, setDefinition] = useState(null);
  const [error, setError] = useState(null);
  const [rollout, setRollout] = useState(null);
  const [served, setServed] = useState(null);
  usePoll(
    async (alive) => {
      try {
        const d = await get(`/v1/flags/${enc(key)}`);
        if (alive()) (setDefinition(d), setError(null));
      } catch (e) {
        if (alive()) setError(e);
      }
      try {
        const s = await get(`/v1/flags/${enc(key)}/served`);
        if (alive()) setServed(s);
      } catch {
        if (alive()) setServed(null);
      }
      try {
        const r = await get(`/v1/rollouts/${enc(key)}`);
        if (alive()) setRollout(r);
      } catch {
        if (alive()) setRollout(null);
      }
    },
    0,
    [key, store.version],
  );
  const listed = (store.flags || []).find((f) => f.key === key);
  const flag = listed || (definition && { key, enabled: definition.enabled, archived: false, definition });
  const d = definition || (listed && listed.definition);
  const state = flag ? flagState(flag) : null;
  return (
    <section>
      <div class="page-head">
        <h1 class="key">{key}</h1>
        {state && <Badge kind={state} />}
        {listed?.stale === true && <Badge kind="stale" />}
        {d && <span class="muted">{d.kind || 'release'}</span>}
        {d?.owner && <span class="muted">owner {d.owner}</span>}
        <span class="grow" />
        {admin && flag && <KillSwitch flag={flag} />}
      </div>
      {d?.description && <p>{d.description}</p>}
      {listed && (
        <p class="muted small-text">
          version {listed.version}, updated {fmtTime(listed.updatedAt)} by {listed.updatedBy}
          {(d?.tags || []).map((t) => (
            <span class="tag">{t}</span>
          ))}
        </p>
      )}
      {served?.drift && (
        <p class="notice drift" data-drift>
          {served.drift.message}
        </p>
      )}
      {served?.served && state !== 'killed' && (
        <p data-serving>
          Serving <span class="mono">{served.served.text}</span>
          {served.served.source === 'rollout_outcome' && (
            <span class="muted small-text"> — the rollout's outcome, not the definition's default</span>
          )}
        </p>
      )}
      {rollout && (
        <p class="notice">
          Rollout{' '}
          <Link href={`/rollouts/${encodeURIComponent(key)}`}>
            {rollout.phase}, {rollout.treatment} at {fmtPercent(rollout.treatment_percent)}
          </Link>
          {rollout.last_decision ? `: ${rollout.last_decision.sentence}` : ''}
        </p>
      )}
      <ErrorText error={error} />
      <div class="columns">
        <div>{d && <Definition d={d} />}</div>
        <div>
          <Preview flagKey={key} />
          <Metrics flagKey={key} />
        </div>
      </div>
      <FlagHistory flagKey={key} version={store.version} />
    </section>
  );
}
