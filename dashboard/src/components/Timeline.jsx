import { useState } from 'preact/hooks';
import { fmtCount, fmtTime } from '../format.js';
import { checksOf, fmtCheckValue } from '../rollout.js';

const num = (x) => (x === null || x === undefined ? '—' : String(+Number(x).toPrecision(3)));

function Evidence({ decision }) {
  const checks = checksOf(decision);
  if (!checks.length) return <p class="muted">No evidence (commands and starts carry none).</p>;
  return (
    <table class="grid compact evidence">
      <thead>
        <tr>
          <th>Check</th>
          <th class="num">Treatment</th>
          <th class="num">Control</th>
          <th class="num">Samples</th>
          <th class="num">Effect</th>
          <th class="num">Threshold</th>
          <th class="num">p-value</th>
          <th>Verdict</th>
        </tr>
      </thead>
      <tbody>
        {checks.map((c) => (
          <tr title={c.explanation}>
            <td class="mono">{c.check}</td>
            <td class="num">{fmtCheckValue(c.check, c.treatment)}</td>
            <td class="num">{fmtCheckValue(c.check, c.control)}</td>
            <td class="num">
              {fmtCount(c.treatment_samples)} / {fmtCount(c.control_samples)}
            </td>
            <td class="num">{num(c.effect)}</td>
            <td class="num">{num(c.threshold)}</td>
            <td class="num">{num(c.p_value)}</td>
            <td>
              <span class={`verdict verdict-${c.verdict}`}>{c.verdict}</span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Decision({ decision, extra }) {
  const [open, setOpen] = useState(false);
  const d = decision;
  return (
    <li class={`decision decision-${d.kind}`} data-kind={d.kind}>
      <div class="decision-line">
        <span class="mono muted nowrap">{fmtTime(d.at)}</span>
        <span class={`kind kind-${d.kind}`}>{d.kind.replace('_', ' ')}</span>
        <span class="sentence">{d.sentence}</span>
      </div>
      <div class="decision-meta muted small-text">
        by {d.actor}
        {d.reason ? ` — “${d.reason}”` : ''}
        {d.verdict ? ` · verdict ${d.verdict}` : ''}
        {checksOf(d).length > 0 && (
          <button class="link" onClick={() => setOpen(!open)}>
            {open ? 'hide evidence' : 'evidence'}
          </button>
        )}
      </div>
      {open && <Evidence decision={d} />}
      {extra}
    </li>
  );
}

// Consecutive holds at the same share and verdict say the same thing: show the newest and fold
// the rest behind an expander.
function group(decisionsNewestFirst) {
  const groups = [];
  for (const d of decisionsNewestFirst) {
    const last = groups[groups.length - 1];
    if (last && d.kind === 'hold' && last.head.kind === 'hold' && last.head.verdict === d.verdict && last.head.to.percent === d.to.percent && last.head.to.phase === d.to.phase) {
      last.rest.push(d);
    } else {
      groups.push({ head: d, rest: [] });
    }
  }
  return groups;
}

function Group({ head, rest }) {
  const [open, setOpen] = useState(false);
  const extra = rest.length ? (
    <div>
      <button class="link" onClick={() => setOpen(!open)}>
        {open ? 'hide' : `${rest.length} more hold${rest.length === 1 ? '' : 's'}`}
      </button>
      {open && (
        <ul class="timeline nested">
          {rest.map((d) => (
            <Decision decision={d} key={d.sequence} />
          ))}
        </ul>
      )}
    </div>
  ) : null;
  return <Decision decision={head} extra={extra} />;
}

export function Timeline({ decisions }) {
  const newestFirst = [...decisions].reverse();
  return (
    <ul class="timeline">
      {group(newestFirst).map((g) => (
        <Group head={g.head} rest={g.rest} key={g.head.sequence} />
      ))}
    </ul>
  );
}
