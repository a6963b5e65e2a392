import { useState } from 'preact/hooks';
import { enc, post } from '../api.js';
import { Dialog } from './common.jsx';

// Kill or revive one flag. The dialog names the flag and asks for its key typed back before a
// kill, so a click on the wrong row cannot switch off the wrong feature.
export function KillSwitch({ flag }) {
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  if (flag.archived) return null;
  const killing = flag.enabled !== false;
  const close = () => {
    setOpen(false);
    setTyped('');
    setReason('');
    setError(null);
  };
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await post(`/v1/flags/${enc(flag.key)}/${killing ? 'kill' : 'revive'}`, reason.trim() ? { reason: reason.trim() } : {});
      close();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button class={killing ? 'danger small' : 'small'} onClick={() => setOpen(true)} data-action={killing ? 'kill' : 'revive'} title={killing ? 'Kill switch: serve the off variant to everyone' : 'Revive: serve the rules again'}>
        {killing ? 'Kill' : 'Revive'}
      </button>
      {open && (
        <Dialog
          title={killing ? `Kill ${flag.key}?` : `Revive ${flag.key}?`}
          confirmLabel={killing ? `Kill ${flag.key}` : `Revive ${flag.key}`}
          danger={killing}
          busy={busy}
          error={error}
          confirmDisabled={killing && typed !== flag.key}
          onCancel={close}
          onConfirm={confirm}
        >
          <p>
            {killing ? (
              <>
                Everyone will get the off variant <code>{flag.definition?.off_variant}</code> of <code class="strong">{flag.key}</code> within a second, on every replica and SDK.
              </>
            ) : (
              <>
                <code class="strong">{flag.key}</code> will serve its rules and default again.
              </>
            )}
          </p>
          {killing && (
            <label>
              Type <code>{flag.key}</code> to confirm
              <input name="confirm-key" value={typed} onInput={(e) => setTyped(e.currentTarget.value)} autoFocus autocomplete="off" spellcheck={false} />
            </label>
          )}
          <label>
            Reason (optional, kept in the audit log)
            <input name="reason" value={reason} onInput={(e) => setReason(e.currentTarget.value)} autoFocus={!killing} />
          </label>
        </Dialog>
      )}
    </>
  );
}
