import { get } from './api.js';

const PAGE = 1000;
const MAX_PAGES = 20;

// The API pages the audit log oldest first (after=ID); people read it newest first, so the
// matching entries are read in pages of 1,000 (at most 20,000: narrow with the filters beyond
// that) and reversed.
export async function readAudit(filters) {
  const entries = [];
  let after = null;
  let truncated = false;
  for (let page = 0; ; page++) {
    if (page === MAX_PAGES) {
      truncated = true;
      break;
    }
    const params = new URLSearchParams({ limit: String(PAGE) });
    for (const [name, value] of Object.entries(filters)) if (value) params.set(name, value);
    if (after !== null) params.set('after', String(after));
    const data = await get(`/v1/audit?${params}`);
    entries.push(...(data.entries || []));
    if (data.next === null || data.next === undefined) break;
    after = data.next;
  }
  return { entries: entries.reverse(), truncated };
}
