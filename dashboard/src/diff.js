// A small structural JSON diff for audit entries: the paths added, removed and changed.
const isObject = (v) => v !== null && typeof v === 'object';

export function jsonDiff(before, after, path = '', out = []) {
  if (isObject(before) && isObject(after) && Array.isArray(before) === Array.isArray(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const key of keys) {
      const child = Array.isArray(before) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
      if (!(key in before)) out.push({ kind: 'added', path: child, after: after[key] });
      else if (!(key in after)) out.push({ kind: 'removed', path: child, before: before[key] });
      else jsonDiff(before[key], after[key], child, out);
    }
    return out;
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return out;
  if (before === null || before === undefined) out.push({ kind: 'added', path: path || '(all)', after });
  else if (after === null || after === undefined) out.push({ kind: 'removed', path: path || '(all)', before });
  else out.push({ kind: 'changed', path: path || '(all)', before, after });
  return out;
}
