// The dashboard in a real browser (Debian's chromium, driven by playwright-core) against a real
// `sluice demo`: login, search, the kill switch (from the UI and from the API, seen live), the
// audience preview, the rollout chart and timeline, pause and resume, and a read-only token that
// sees no write controls. Screenshots of the main pages go to SCREENSHOT_DIR (and to
// docs/screenshots/ with SLUICE_UPDATE_SCREENSHOTS=1). tests/dashboard_browser_test.sh runs it.
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const sluice = resolve(process.argv[2] || '');
const root = resolve(new URL('../..', import.meta.url).pathname);
const screenshotDir = resolve(process.env.SCREENSHOT_DIR || 'screenshots');
const updateDocs = process.env.SLUICE_UPDATE_SCREENSHOTS === '1';
const pidFile = process.env.SLUICE_DEMO_PID_FILE;
const UI_TIMEOUT = 10000; // generous for sanitizer builds; the steps themselves wait for nothing fixed

const dataDir = mkdtempSync(join(tmpdir(), 'sluice-dashboard-'));
const adminToken = `admin-${randomBytes(12).toString('hex')}`;
let demo = null;
let browser = null;
let step = 'start';

function fail(message) {
  throw new Error(`${step}: ${message}`);
}

function check(condition, message) {
  if (!condition) fail(message);
}

// Polls fn until it returns a truthy value (Playwright's expect is not part of playwright-core).
async function until(what, fn, timeout = UI_TIMEOUT) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e.message;
    }
    if (Date.now() > deadline) fail(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function startDemo() {
  return new Promise((resolveUrl, reject) => {
    demo = spawn(sluice, ['demo', '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--speed', '20', '--timeout', '600'], {
      cwd: root,
      env: { ...process.env, SLUICE_ADMIN_TOKEN: adminToken },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so the server it starts goes down with it
    });
    if (pidFile) writeFileSync(pidFile, String(demo.pid));
    let output = '';
    const timer = setTimeout(() => reject(new Error(`sluice demo printed no URL in 30 s:\n${output}`)), 30000);
    const onData = (chunk) => {
      output += chunk;
      const m = output.match(/Dashboard: (http:\/\/127\.0\.0\.1:\d+)/) || output.match(/service is at (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]);
      }
    };
    demo.stdout.on('data', onData);
    demo.stderr.on('data', onData);
    demo.on('exit', (code) => reject(new Error(`sluice demo exited with ${code}:\n${output}`)));
  });
}

async function api(base, token, method, path, body) {
  const response = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10000),
  });
  return { status: response.status, body: await response.json().catch(() => null) };
}

async function shot(page, name) {
  mkdirSync(screenshotDir, { recursive: true });
  const file = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  if (updateDocs) {
    mkdirSync(join(root, 'docs/screenshots'), { recursive: true });
    copyFileSync(file, join(root, 'docs/screenshots', `${name}.png`));
  }
}

async function login(page, base, token) {
  await page.goto(base + '/');
  await page.locator('input[name=token]').fill(token);
  await page.locator('main.login button[type=submit]').click();
}

const row = (page, key) => page.locator(`tr[data-flag="${key}"]`);

// The field trial's chart: a rollout rolled back at its first interval, the treatment at 8.74%
// errors. Served to the page by route (the demo's rollouts do not do this on cue); the chart
// must draw both variants' points with nothing over them.
async function firstIntervalRollback(page, base) {
  const flag = 'first-interval-rollback';
  const checks = [{ check: 'error_rate', verdict: 'fail', treatment: 0.0874, control: 0.0112, treatment_samples: 122, control_samples: 2310 }];
  const decisions = [
    { sequence: 1, at: '2026-11-21T12:00:00.000Z', flag, actor: 'alice', kind: 'start', from: { phase: 'pending', stage: 1, percent: 0 }, to: { phase: 'progressing', stage: 1, percent: 5 }, sentence: 'started', evidence: null },
    {
      sequence: 2, at: '2026-11-21T12:00:30.000Z', flag, actor: 'controller', kind: 'rollback', verdict: 'fail',
      from: { phase: 'progressing', stage: 1, percent: 5 }, to: { phase: 'rolled_back', stage: 1, percent: 0 },
      sentence: 'rolled back', evidence: { overall: 'fail', checks },
    },
  ];
  const rollout = {
    id: 99, flag, phase: 'rolled_back', active: false, stage: { number: 1, of: 3, percent: 5 }, treatment: 'on', control: 'off',
    treatment_percent: 0, paused: null, stage_started_at: decisions[0].at, created_at: decisions[0].at, started_by: 'alice', last_decision: decisions[1],
  };
  const json = (body) => ({ status: 200, contentType: 'application/json', body: JSON.stringify(body) });
  await page.route(`**/v1/rollouts/${flag}`, (route) => route.fulfill(json(rollout)));
  await page.route(`**/v1/rollouts/${flag}/decisions**`, (route) => route.fulfill(json({ decisions, next_after: null })));
  await page.goto(`${base}/rollouts/${flag}`);
  const canvas = page.locator('#chart-errors canvas');
  const points = JSON.parse(await until('both points drawn', async () => {
    const pixels = await canvas.getAttribute('data-point-pixels');
    return pixels && JSON.parse(pixels).length === 2 ? pixels : null;
  }));
  const seen = await canvas.evaluate((c, pts) => {
    const ratio = c.width / c.getBoundingClientRect().width;
    const ctx = c.getContext('2d');
    return pts.map((p) => {
      const [r, g, b] = ctx.getImageData(Math.round(p.x * ratio), Math.round(p.y * ratio), 1, 1).data;
      return { ...p, inside: p.x >= 0 && p.x < c.getBoundingClientRect().width, rgb: [r, g, b] };
    });
  }, points);
  for (const p of seen) {
    const want = [1, 3, 5].map((i) => parseInt(p.color.slice(i, i + 2), 16));
    const off = Math.max(...want.map((v, i) => Math.abs(v - p.rgb[i])));
    check(p.inside, `a point at x=${p.x} is outside the canvas`);
    check(off <= 40, `the ${p.color} point at (${p.x}, ${p.y}) shows rgb(${p.rgb.join(',')}): something covers it`);
  }
  await shot(page, 'rollout-first-interval-rollback');
  await page.unroute(`**/v1/rollouts/${flag}`);
  await page.unroute(`**/v1/rollouts/${flag}/decisions**`);
}

async function main() {
  step = 'start the demo';
  const base = await startDemo();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  context.setDefaultTimeout(UI_TIMEOUT);
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));

  step = 'a wrong token is refused';
  await login(page, base, 'not-a-token');
  await page.locator('main.login .error').waitFor();
  check((await page.locator('main.login .error').innerText()).includes('refused'), 'no refusal message');
  check((await page.locator('table.flags').count()) === 0, 'the flags are shown without a valid token');
  check(!(await page.evaluate(() => sessionStorage.getItem('sluice.token'))), 'a refused token was stored');

  step = 'log in as admin';
  await login(page, base, adminToken);
  await page.locator('table.flags').waitFor();
  await until('the admin scope in the header', async () => (await page.locator('header .who').innerText()).includes('admin'));
  check(!page.url().includes(adminToken), 'the token is in the URL');
  check((await page.evaluate(() => localStorage.length)) === 0, 'something was written to localStorage');
  await until('the live stream', async () => (await page.locator('header .stream').innerText()).includes('live'));
  await page.evaluate(() => (window.__sameDocument = true)); // gone if anything reloads the page

  step = 'search';
  await page.locator('input[name=search]').fill('chatbot');
  await until('one row for "chatbot"', async () => (await page.locator('tr[data-flag]').count()) === 1 && (await row(page, 'ai-chatbot').count()) === 1);
  await page.locator('input[name=search]').fill('');
  await until('every flag again', async () => (await page.locator('tr[data-flag]').count()) >= 5);

  step = 'kill through the confirmation dialog';
  await row(page, 'ai-chatbot').locator('button[data-action=kill]').click();
  const dialog = page.locator('[role=dialog]');
  await dialog.waitFor();
  check((await dialog.innerText()).includes('ai-chatbot'), 'the dialog does not name the flag');
  const confirm = dialog.locator('button[type=submit]');
  check(await confirm.isDisabled(), 'the kill can be confirmed without typing the key');
  await dialog.locator('input[name=confirm-key]').fill('ai-chatbot');
  await dialog.locator('input[name=reason]').fill('browser test: chatbot answers wrong');
  await confirm.click();
  await until('ai-chatbot shown killed', async () => (await row(page, 'ai-chatbot').getAttribute('data-state')) === 'killed');
  await until('the dialog to close', async () => (await dialog.count()) === 0); // the event may beat the POST's answer

  step = 'a kill made through the API shows up live';
  const killed = await api(base, adminToken, 'POST', '/v1/flags/bulk-invoice-api/kill', { reason: 'killed with curl' });
  check(killed.status === 200, `the API kill answered ${killed.status} ${JSON.stringify(killed.body)}`);
  const apiKillAt = Date.now();
  await until('bulk-invoice-api shown killed', async () => (await row(page, 'bulk-invoice-api').getAttribute('data-state')) === 'killed');
  console.log(`the API kill appeared in the page after ${Date.now() - apiKillAt} ms`);
  check(await page.evaluate(() => window.__sameDocument === true), 'the page was reloaded');
  await shot(page, 'flags');

  step = 'flag page: revive and the audience preview';
  await row(page, 'ai-chatbot').locator('a.key').click();
  await until('the flag page', async () => (await page.locator('h1.key').innerText()) === 'ai-chatbot');
  check(await page.evaluate(() => window.__sameDocument === true), 'following a link reloaded the page');
  await until('the readable rule', async () => (await page.locator('code.rule').first().innerText()).includes('IF plan = free AND country in [US, GB] THEN serve on'));
  await page.locator('.page-head button[data-action=revive]').click();
  await dialog.locator('button[type=submit]').click();
  await until('ai-chatbot revived', async () => (await page.locator('.page-head .badge').first().innerText()) === 'on');
  const preview = page.locator('#preview');
  await preview.locator('textarea').fill('{"targetingKey": "user-1", "country": ');
  await preview.locator('button[type=submit]').click();
  await until('the inline JSON error', async () => (await preview.locator('.error').innerText()).includes('Not valid JSON'));
  await preview.locator('textarea').fill('{"targetingKey": "user-1", "country": "US", "plan": "free"}');
  await preview.locator('button[type=submit]').click();
  await until('the evaluation result', async () => (await preview.locator('[data-field=variant]').innerText()) === 'on');
  check((await preview.locator('[data-field=value]').innerText()) === 'true', 'the preview value is not true');
  check((await preview.locator('.explanation').innerText()).includes('free plan in US and GB'), 'the explanation does not name the rule');
  await until('the kill and the revive in the history', async () => {
    const text = await page.locator('ul.audit').innerText();
    return text.includes('kill') && text.includes('revive');
  });
  await page.locator('ul.audit button.link').first().click();
  await until('a colored diff', async () => (await page.locator('ul.diff li').count()) > 0);
  await shot(page, 'flag');

  step = 'rollouts list';
  await page.locator('header nav a[href="/rollouts"]').click();
  const rolloutRow = page.locator('tr[data-rollout="new-pdf-engine"]');
  await until('new-pdf-engine with its last decision', async () => (await rolloutRow.innerText()).includes('error_rate'));

  step = 'rollout page: chart and timeline';
  await rolloutRow.locator('a.key').click();
  await until('points on the error-rate chart', async () => Number(await page.locator('#chart-errors canvas').getAttribute('data-points')) >= 4);
  await until('decisions in the timeline', async () => (await page.locator('ul.timeline > li.decision').count()) >= 2);
  // The first advance (about 15 s into the demo at --speed 20) puts a stage line on the chart.
  await until('the first advance', async () => (await page.locator('ul.timeline > li.decision[data-kind=advance]').count()) >= 1, 60000);
  const drawn = await page.locator('#chart-errors canvas').evaluate((canvas) => {
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let colored = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && Math.abs(data[i] - data[i + 2]) > 80) colored++;
    return colored;
  });
  check(drawn > 50, `the chart canvas has ${drawn} colored pixels: nothing drawn`);
  await shot(page, 'rollout');

  step = 'a rollback at the first interval: both points shown, no label over a point';
  await firstIntervalRollback(page, base);
  await page.goto(base + '/rollouts/new-pdf-engine');
  await until('the rollout page again', async () => (await page.locator('section.overrides').count()) === 1);

  step = 'pause with a reason';
  const overrides = page.locator('section.overrides');
  await overrides.locator('button[data-command=pause]').click();
  await until('the reason is required', async () => (await overrides.locator('.error').innerText()).includes('reason'));
  await overrides.locator('input[name=override-reason]').fill('browser test: checking the dashboard');
  await overrides.locator('button[data-command=pause]').click();
  await until('paused', async () => (await page.locator('.page-head .badge').innerText()) === 'paused');
  check((await page.locator('[data-field=paused]').innerText()).includes('browser test: checking the dashboard'), 'the pause reason is not shown');
  check((await overrides.locator('button[data-command=pause]').count()) === 0, 'pause is offered while paused');

  step = 'resume';
  await overrides.locator('input[name=override-reason]').fill('browser test: done checking');
  await overrides.locator('button[data-command=resume]').click();
  await until('progressing again', async () => (await page.locator('.page-head .badge').innerText()) === 'progressing');
  await until('the resume in the timeline', async () => (await page.locator('ul.timeline > li.decision[data-kind=resume]').count()) === 1);

  step = "a refused command shows the server's message";
  await overrides.locator('input[name=override-reason]').fill('browser test: a share the API refuses');
  await overrides.locator('input[name=percent]').fill('12.345');
  await overrides.locator('button[data-command=percent]').click();
  await until('the invalid_field message', async () => (await overrides.locator('.error').innerText()).includes('two decimals'));
  check((await page.locator('.page-head .badge').innerText()) === 'progressing', 'a refused command changed the phase');

  step = 'every rollout, the rolled back one too';
  await page.locator('header nav a[href="/rollouts"]').click();
  await page.locator('input[name=all]').check();
  await until('redesigned-dashboard rolled back', async () => (await page.locator('tr[data-rollout="redesigned-dashboard"]').innerText()).includes('rolled_back'), 30000);
  await shot(page, 'rollouts');

  step = 'a rolled back rollout keeps serving the control, and the stale file says so';
  await page.goto(base + '/flags/redesigned-dashboard');
  await until('the drift banner', async () => (await page.locator('[data-drift]').innerText()).includes('update the file'));
  check((await page.locator('[data-drift]').innerText()).includes('the file says old 50% / new 50%'), 'the banner does not say what the file says');
  check((await page.locator('[data-serving]').innerText()).includes('to everyone'), 'the flag page does not say what is served');
  await page.locator('header nav a[href="/"]').click();
  await until('the served split in the list', async () => (await row(page, 'redesigned-dashboard').innerText()).includes('rolled back'));

  step = 'audit log';
  await page.locator('header nav a[href="/audit"]').click();
  await until('the UI kill in the audit log', async () => {
    const text = await page.locator('ul.audit').innerText();
    return text.includes('kill') && text.includes('ai-chatbot') && text.includes('bootstrap');
  });
  await page.locator('li.audit-entry', { hasText: 'bulk-invoice-api' }).filter({ hasText: 'kill' }).locator('button.link').click();
  await until('the kill diff', async () => (await page.locator('ul.audit ul.diff').innerText()).includes('enabled'));
  await shot(page, 'audit');

  step = 'a read-only token sees no write controls';
  const created = execFileSync(sluice, ['token', 'create', '--name', 'viewer', '--scope', 'read', '--store', `sqlite:${join(dataDir, 'sluice.db')}`], { encoding: 'utf8', timeout: 15000 });
  const readToken = created.split('\n')[0].trim();
  await until('the server to know the read token', async () => (await api(base, readToken, 'GET', '/v1/flags')).status === 200);
  const viewer = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  viewer.setDefaultTimeout(UI_TIMEOUT);
  const reader = await viewer.newPage();
  reader.on('pageerror', (e) => pageErrors.push(e.message));
  await login(reader, base, readToken);
  await reader.locator('table.flags').waitFor();
  await until('the read scope in the header', async () => (await reader.locator('header .who').innerText()).includes('read'));
  await until('the flag rows', async () => (await reader.locator('tr[data-flag]').count()) >= 5);
  check((await reader.locator('button[data-action]').count()) === 0, 'a read token sees kill/revive buttons');
  await reader.goto(base + '/rollouts/new-pdf-engine');
  await until('the rollout page', async () => (await reader.locator('ul.timeline > li.decision').count()) >= 2);
  check((await reader.locator('section.overrides, button[data-command]').count()) === 0, 'a read token sees override buttons');
  await reader.goto(base + '/flags/ai-chatbot');
  await until('the flag page', async () => (await reader.locator('code.rule').count()) > 0);
  check((await reader.locator('button[data-action]').count()) === 0, 'a read token sees the kill switch on the flag page');

  step = 'a revoked token returns to the login form';
  execFileSync(sluice, ['token', 'revoke', '--name', 'viewer', '--store', `sqlite:${join(dataDir, 'sluice.db')}`], { encoding: 'utf8', timeout: 15000 });
  await reader.goto(base + '/rollouts/new-pdf-engine'); // polls every 2 s: the next poll gets a 401
  await until('the login form with a message', async () => (await reader.locator('main.login .notice').innerText()).includes('Sign in again'), 20000);
  check(!(await reader.evaluate(() => sessionStorage.getItem('sluice.token'))), 'the refused token is still stored');

  check(pageErrors.length === 0, `errors in the page: ${pageErrors.join('; ')}`);
  console.log('dashboard browser test: all steps passed');
}

let status = 0;
try {
  await main();
} catch (e) {
  console.error(`FAIL: ${e.message}`);
  status = 1;
} finally {
  if (browser) await browser.close().catch(() => {});
  if (demo && demo.exitCode === null) {
    try {
      process.kill(-demo.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(status);
