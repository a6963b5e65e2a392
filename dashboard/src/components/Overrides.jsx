import { useState } from 'preact/hooks';
import { enc, post } from '../api.js';
import { ErrorText } from './common.jsx';
import { commandsFor } from '../rollout.js';

const LABELS = { pause: 'Pause', resume: 'Resume', promote: 'Promote', rollback: 'Roll back', approve: 'Approve', abort: 'Abort', percent: 'Set percentage' };

// A person's commands on a rollout (admin tokens only). Each needs a reason, which the decision
// log and the audit log keep; a refusal shows the state machine's own explanation.
export function Overrides({ rollout, onDone }) {
  const [reason, setReason] = useState('');
  const [percent, setPercent] = useState('');
  const [busy, setBusy] = useState(null);
  const [error, setError] = useState(null);
  const [done, setDone] = useState(null);
  const commands = commandsFor(rollout.phase);
  if (!commands.length) return <p class="muted">This rollout has ended; it takes no commands.</p>;
  const run = async (command) => {
    setError(null);
    setDone(null);
    if (!reason.trim()) {
      setError('A reason is required: it goes into the decision log and the audit log.');
      return;
    }
    const body = { reason: reason.trim() };
    if (command === 'percent') {
      const p = Number(percent);
      if (percent === '' || !Number.isFinite(p) || p < 0 || p > 100) {
        setError('The percentage must be a number from 0 to 100.');
        return;
      }
      body.percent = p;
    }
    setBusy(command);
    try {
      const answer = await post(`/v1/rollouts/${enc(rollout.flag)}/${command}`, body);
      setDone(answer && answer.decision ? answer.decision.sentence : `${LABELS[command]}: done`);
      setReason('');
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  return (
    <section class="card overrides">
      <h2>Override</h2>
      <label>
        Reason (required)
        <input name="override-reason" value={reason} onInput={(e) => setReason(e.currentTarget.value)} placeholder="why, for the decision log" />
      </label>
      <div class="buttons">
        {commands
          .filter((c) => c !== 'percent')
          .map((c) => (
            <button class={c === 'rollback' || c === 'abort' ? 'danger' : ''} data-command={c} disabled={!!busy} onClick={() => run(c)}>
              {busy === c ? '…' : LABELS[c]}
            </button>
          ))}
      </div>
      {commands.includes('percent') && (
        <div class="buttons">
          <input name="percent" type="number" min="0" max="100" step="0.01" value={percent} onInput={(e) => setPercent(e.currentTarget.value)} placeholder="%" class="narrow" />
          <button data-command="percent" disabled={!!busy} onClick={() => run('percent')}>
            Set percentage
          </button>
        </div>
      )}
      <ErrorText error={error} />
      {done && <div class="ok">{done}</div>}
    </section>
  );
}
