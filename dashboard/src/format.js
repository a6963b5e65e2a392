// Pure formatting: definitions, splits, durations and numbers as people read them.

export const fmtPercent = (p, digits = 2) => (p === null || p === undefined || Number.isNaN(p) ? '—' : `${+Number(p).toFixed(digits)}%`);

export function fmtNumber(x, digits = 3) {
  if (x === null || x === undefined) return '—';
  if (typeof x !== 'number') return String(x);
  if (Number.isInteger(x)) return x.toLocaleString('en-US');
  return String(+x.toPrecision(digits));
}

// A count of requests as whole requests: Prometheus's increase() extrapolates, so the evidence
// may hold 122.22222222222223 (its *_raw fields keep that); people read 122.
export function fmtCount(x) {
  if (x === null || x === undefined || !Number.isFinite(Number(x))) return '—';
  return Math.round(Number(x)).toLocaleString('en-US');
}

export function fmtDuration(ms) {
  if (ms < 0 || !Number.isFinite(ms)) return '—';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const hours = Math.floor(m / 60);
  if (hours < 48) return `${hours}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d`;
}

export const fmtAgo = (iso, now = Date.now()) => (iso ? `${fmtDuration(now - Date.parse(iso))} ago` : '—');

export function fmtTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export const fmtValue = (v) => (typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v));

// weights arrive as a list [{variant, weight}] (the API) or a mapping (YAML written as JSON).
export function splitWeights(split) {
  const w = split && split.weights;
  if (!w) return [];
  return Array.isArray(w) ? w : Object.entries(w).map(([variant, weight]) => ({ variant, weight }));
}

export function fmtServe(serve) {
  if (!serve) return '—';
  if (serve.variant !== undefined) return serve.variant;
  if (serve.split) {
    const parts = splitWeights(serve.split).map(({ variant, weight }) => `${variant} ${fmtPercent(weight)}`);
    const by = serve.split.bucket_by ? ` by ${serve.split.bucket_by}` : '';
    return `split ${parts.join(' / ')}${by}`;
  }
  return JSON.stringify(serve);
}

const OPS = {
  equals: '=',
  not_equals: '≠',
  in: 'in',
  not_in: 'not in',
  lt: '<',
  lte: '≤',
  gt: '>',
  gte: '≥',
  starts_with: 'starts with',
  ends_with: 'ends with',
  contains: 'contains',
  matches: 'matches',
  semver_eq: '= (semver)',
  semver_lt: '< (semver)',
  semver_lte: '≤ (semver)',
  semver_gt: '> (semver)',
  semver_gte: '≥ (semver)',
  before: 'before',
  after: 'after',
};

export function fmtCondition(c) {
  const values = c.values ?? (c.value !== undefined ? [c.value] : []);
  const list = values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  const not = c.negate ? 'NOT ' : '';
  const ci = c.case_insensitive ? ' (any case)' : '';
  if (c.op === 'exists') return `${not}${c.attribute} exists`;
  if (c.op === 'in_segment') return `${not}in segment ${list.join(' or ')}`;
  const operand = c.op === 'in' || c.op === 'not_in' || list.length > 1 ? `[${list.join(', ')}]` : list[0] ?? '';
  return `${not}${c.attribute} ${OPS[c.op] || c.op} ${operand}${ci}`;
}

export function fmtRule(rule) {
  const parts = [];
  for (const segment of rule.segments || []) parts.push(`in segment ${segment}`);
  for (const condition of rule.conditions || []) parts.push(fmtCondition(condition));
  const when = parts.length ? parts.join(' AND ') : 'always';
  return `IF ${when} THEN serve ${fmtServe(rule.serve)}`;
}

// The share each variant gets when nobody matches a rule: the default serve.
export function fmtDefault(definition) {
  return definition ? fmtServe(definition.default) : '—';
}

// What a flag serves now (GET /v1/flags `served`): its default, a running rollout's split or a
// finished rollout's outcome, which outlives the rollout. Without `served` (an older server): the
// active rollout's share, else the definition's default.
export function fmtServing(flag, definition, rollout) {
  if (flag && flag.served && flag.served.source !== 'definition') return flag.served.text;
  if (rollout) return `${rollout.treatment} ${fmtPercent(rollout.treatment_percent)} (rollout)`;
  return fmtDefault(definition);
}

export function flagState(flag) {
  if (flag.archived) return 'archived';
  return flag.enabled === false ? 'killed' : 'on';
}
