// Evaluates the scenario flags through the real OpenFeature server SDK and its OFREP provider
// against a running `sluice serve`, and checks values, variants and reasons.
// Usage: SLUICE_URL=http://127.0.0.1:PORT SLUICE_TOKEN=... node check.mjs
import { OpenFeature } from '@openfeature/server-sdk';
import { OFREPProvider } from '@openfeature/ofrep-provider';

const baseUrl = process.env.SLUICE_URL;
const token = process.env.SLUICE_TOKEN;
if (!baseUrl || !token) {
  console.error('set SLUICE_URL and SLUICE_TOKEN');
  process.exit(2);
}

await OpenFeature.setProviderAndWait(
  new OFREPProvider({ baseUrl, headers: [['Authorization', `Bearer ${token}`]] }),
);
const client = OpenFeature.getClient();

const checks = [];
async function check(name, promise, expected) {
  const details = await promise;
  const problems = [];
  for (const [field, want] of Object.entries(expected)) {
    const got = details[field];
    const ok = typeof want === 'function' ? want(got, details) : got === want;
    if (!ok) problems.push(`${field}: got ${JSON.stringify(got)}, want ${typeof want === 'function' ? want.toString() : JSON.stringify(want)}`);
  }
  checks.push({ name, ok: problems.length === 0, problems, details });
}

const freeUs = { targetingKey: 'user-1', accountId: 'acct-88', plan: 'free', country: 'US' };
const proDe = { targetingKey: 'user-2', accountId: 'acct-1042', plan: 'pro', country: 'DE' };

await check('ai-chatbot on for free plan in US', client.getBooleanDetails('ai-chatbot', false, freeUs),
  { value: true, variant: 'on', reason: 'TARGETING_MATCH' });
await check('ai-chatbot off for pro plan in DE', client.getBooleanDetails('ai-chatbot', true, proDe),
  { value: false, variant: 'off', reason: 'DEFAULT' });
await check('bulk-invoice-api on for acct-1042', client.getBooleanDetails('bulk-invoice-api', false, proDe),
  { value: true, variant: 'on', reason: 'TARGETING_MATCH' });
await check('bulk-invoice-api off for acct-88', client.getBooleanDetails('bulk-invoice-api', true, freeUs),
  { value: false, variant: 'off', reason: 'DEFAULT' });
await check('maintenance-mode disabled', client.getBooleanDetails('maintenance-mode', true, freeUs),
  { value: false, variant: 'off', reason: 'DISABLED' });
await check('redesigned-dashboard split', client.getStringDetails('redesigned-dashboard', 'none', freeUs), {
  reason: 'SPLIT',
  variant: (v) => v === 'old' || v === 'new',
  value: (v, d) => (d.variant === 'old' ? v === 'classic' : v === 'redesigned'),
});
await check('new-pdf-engine split by account', client.getBooleanDetails('new-pdf-engine', true, freeUs), {
  reason: 'SPLIT',
  variant: (v) => v === 'on' || v === 'off',
  value: (v, d) => v === (d.variant === 'on'),
});
await check('new-pdf-engine without an account', client.getBooleanDetails('new-pdf-engine', true, { targetingKey: 'u' }),
  { value: true, errorCode: 'TARGETING_KEY_MISSING', reason: 'ERROR' });
await check('unknown flag gets the default', client.getBooleanDetails('no-such-flag', true, freeUs),
  { value: true, errorCode: 'FLAG_NOT_FOUND', reason: 'ERROR' });
await check('type mismatch gets the default', client.getNumberDetails('ai-chatbot', 7, freeUs),
  { value: 7, errorCode: 'TYPE_MISMATCH', reason: 'ERROR' });

// The same user always gets the same answer.
const again = await client.getStringDetails('redesigned-dashboard', 'none', freeUs);
checks.push({ name: 'sticky split', ok: again.value === checks[5].details.value, problems: [] });

let failed = 0;
for (const c of checks) {
  console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}${c.ok ? '' : ': ' + c.problems.join('; ')}`);
  if (!c.ok) failed++;
}
console.log(`${checks.length - failed} passed, ${failed} failed`);
await OpenFeature.close();
process.exit(failed === 0 ? 0 : 1);
