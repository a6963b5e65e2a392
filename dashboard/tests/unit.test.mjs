// The dashboard's pure modules under node:test: the SSE parser, the JSON diff, rule and split
// formatting, and which rollout commands a phase offers. Run by tests/dashboard_browser_test.sh
// before the browser part (`node --test dashboard/tests/`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSseParser } from '../src/sse.js';
import { jsonDiff } from '../src/diff.js';
import { fmtRule, fmtServe, fmtServing, fmtDuration } from '../src/format.js';
import { commandsFor, fmtCheckValue } from '../src/rollout.js';

function parse(chunks) {
  const events = [];
  const feed = createSseParser((e) => events.push(e));
  for (const chunk of chunks) feed(chunk);
  return events;
}

test('SSE: events, ids, comments and multi-line data', () => {
  const events = parse([': heartbeat\n', 'event: snapshot\nid: 7\ndata: {"a":\ndata: 1}\n\n', 'event: change\nid: 8\ndata: {}\n\n']);
  assert.deepEqual(events, [
    { type: 'snapshot', data: '{"a":\n1}', id: '7' },
    { type: 'change', data: '{}', id: '8' },
  ]);
});

test('SSE: chunk boundaries anywhere, CRLF split between chunks', () => {
  const text = 'event: change\r\nid: 9\r\ndata: {"k":"v"}\r\n\r\n';
  for (let cut = 1; cut < text.length; cut++) {
    const events = parse([text.slice(0, cut), text.slice(cut)]);
    assert.deepEqual(events, [{ type: 'change', data: '{"k":"v"}', id: '9' }], `cut at ${cut}`);
  }
});

test('SSE: no event before the blank line; default type is message', () => {
  assert.deepEqual(parse(['data: x\n']), []);
  assert.deepEqual(parse(['data:x\n\n']), [{ type: 'message', data: 'x', id: null }]);
});

test('JSON diff names added, removed and changed paths', () => {
  const before = { enabled: true, rules: [{ serve: { variant: 'on' } }], tags: ['a'] };
  const after = { enabled: false, rules: [{ serve: { variant: 'off' } }], owner: 'team' };
  assert.deepEqual(jsonDiff(before, after), [
    { kind: 'changed', path: 'enabled', before: true, after: false },
    { kind: 'changed', path: 'rules[0].serve.variant', before: 'on', after: 'off' },
    { kind: 'removed', path: 'tags', before: ['a'] },
    { kind: 'added', path: 'owner', after: 'team' },
  ]);
  assert.deepEqual(jsonDiff(null, { a: 1 }), [{ kind: 'added', path: '(all)', after: { a: 1 } }]);
  assert.deepEqual(jsonDiff({ a: 1 }, { a: 1 }), []);
});

test('rules read as sentences', () => {
  const rule = {
    segments: ['internal'],
    conditions: [
      { attribute: 'country', op: 'in', values: ['US', 'GB'] },
      { attribute: 'plan', op: 'equals', values: ['free'] },
      { attribute: 'email', op: 'ends_with', values: ['@example.com'], negate: true },
    ],
    serve: { variant: 'on' },
  };
  assert.equal(fmtRule(rule), 'IF in segment internal AND country in [US, GB] AND plan = free AND NOT email ends with @example.com THEN serve on');
  assert.equal(fmtServe({ split: { bucket_by: 'accountId', weights: [{ variant: 'on', weight: 5 }, { variant: 'off', weight: 95 }] } }), 'split on 5% / off 95% by accountId');
  assert.equal(fmtServe({ split: { weights: { a: 33.33, b: 66.67 } } }), 'split a 33.33% / b 66.67%');
});

test('commands offered per phase', () => {
  assert.deepEqual(commandsFor('progressing'), ['pause', 'promote', 'percent', 'rollback', 'abort']);
  assert.deepEqual(commandsFor('paused'), ['resume', 'promote', 'percent', 'rollback', 'abort']);
  assert.deepEqual(commandsFor('waiting_for_approval'), ['pause', 'approve', 'percent', 'rollback', 'abort']);
  assert.deepEqual(commandsFor('rolled_back'), []);
  assert.deepEqual(commandsFor('completed'), []);
});

test('check values and durations as people read them', () => {
  assert.equal(fmtCheckValue('error_rate', 0.031), '3.1%');
  assert.equal(fmtCheckValue('latency_p95', 0.4113), '411.3 ms');
  assert.equal(fmtCheckValue('sample_ratio', 1920), '1920');
  assert.equal(fmtDuration(75000), '1m 15s');
  assert.equal(fmtDuration(3 * 3600 * 1000 + 60000), '3h 01m');
});

test('Serving: a finished rollout\'s outcome, not the definition\'s default', () => {
  const definition = { default: { split: { weights: [{ variant: 'new', weight: 10 }, { variant: 'old', weight: 90 }] } } };
  // The trial: the rollout completed, the definition still says 10/90.
  const completed = { served: { source: 'rollout_outcome', text: 'new to everyone (the rollout completed on 2026-03-01)' } };
  assert.equal(fmtServing(completed, definition, undefined), 'new to everyone (the rollout completed on 2026-03-01)');
  assert.equal(fmtServing({ served: { source: 'definition', text: 'x' } }, definition, undefined), 'split new 10% / old 90%');
  // An older server without `served`: the active rollout's share, else the default.
  assert.equal(fmtServing({}, definition, { treatment: 'new', treatment_percent: 25 }), 'new 25% (rollout)');
  assert.equal(fmtServing({}, definition, undefined), 'split new 10% / old 90%');
});
