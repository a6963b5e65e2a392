import { get } from './api.js';

// One page of the audit log, newest first (`order=desc`): pass the answer's `next` as `before`
// for the next, older page (null when there is none).
export async function readAudit(filters, { before = null, limit = 50 } = {}) {
  const params = new URLSearchParams({ order: 'desc', limit: String(limit) });
  for (const [name, value] of Object.entries(filters)) if (value) params.set(name, value);
  if (before !== null) params.set('before', String(before));
  const data = await get(`/v1/audit?${params}`);
  return { entries: data.entries || [], next: data.next ?? null };
}
