// Reading rollouts and decisions: which commands fit a phase, and the checks' numbers.
import { fmtCount } from './format.js';

export const TERMINAL = new Set(['completed', 'rolled_back', 'aborted']);

// docs/rollout-state-machine.md, "Manual commands".
export function commandsFor(phase) {
  if (!phase || TERMINAL.has(phase)) return [];
  const list = [];
  if (phase === 'progressing' || phase === 'waiting_for_approval') list.push('pause');
  if (phase === 'paused') list.push('resume');
  if (phase === 'waiting_for_approval') list.push('approve');
  if (phase === 'progressing' || phase === 'paused') list.push('promote');
  list.push('percent', 'rollback', 'abort');
  return list;
}

export const STAGE_CHANGES = new Set(['start', 'advance', 'rollback', 'pause', 'resume', 'promote', 'set_percent', 'percent', 'approve', 'abort', 'complete']);

export const checksOf = (decision) => (decision && decision.evidence && decision.evidence.checks) || [];

// Error rates are fractions and latencies seconds in the evidence; people read % and ms. The
// sample ratio's values are request counts: whole requests.
export function fmtCheckValue(check, value) {
  if (value === null || value === undefined) return '—';
  if (check === 'error_rate') return `${+(value * 100).toFixed(2)}%`;
  if (check.startsWith('latency')) return `${+(value * 1000).toFixed(1)} ms`;
  if (check === 'sample_ratio') return fmtCount(value);
  return String(+Number(value).toPrecision(4));
}
