import { useState } from 'preact/hooks';
import { Diff } from './common.jsx';
import { fmtTime } from '../format.js';
import { Link } from '../router.js';

function targetHref(entry) {
  if (entry.targetKind === 'flag') return `/flags/${encodeURIComponent(entry.targetKey)}`;
  if (entry.targetKind === 'rollout') return `/rollouts/${encodeURIComponent(entry.targetKey)}`;
  return null;
}

function Entry({ entry, showTarget }) {
  const [open, setOpen] = useState(false);
  const href = targetHref(entry);
  return (
    <li class="audit-entry">
      <div class="audit-line">
        <span class="mono muted nowrap">{fmtTime(entry.at)}</span>
        <span class={`action action-${entry.action}`}>{entry.action}</span>
        {showTarget && (
          <span>
            {entry.targetKind}{' '}
            {href ? (
              <Link href={href} class="key">
                {entry.targetKey}
              </Link>
            ) : (
              <code>{entry.targetKey}</code>
            )}
          </span>
        )}
        <span>
          by <strong>{entry.actor}</strong>
        </span>
        <button class="link" onClick={() => setOpen(!open)}>
          {open ? 'hide change' : 'show change'}
        </button>
      </div>
      {open && <Diff before={entry.before} after={entry.after} />}
    </li>
  );
}

export function AuditList({ entries, showTarget }) {
  if (!entries.length) return <p class="muted">No audit entries.</p>;
  return (
    <ul class="audit">
      {entries.map((e) => (
        <Entry entry={e} showTarget={showTarget} key={e.id} />
      ))}
    </ul>
  );
}
