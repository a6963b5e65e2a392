// The dashboard's pure modules under node:test: the SSE parser, the JSON diff, rule and split
// formatting, and which rollout commands a phase offers. Run by tests/dashboard_browser_test.sh
// before the browser part (`node --test dashboard/tests/`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSseParser } from '../src/sse.js';
import { jsonDiff } from '../src/diff.js';
import { fmtCount, fmtRule, fmtServe, fmtServing, fmtDuration } from '../src/format.js';
import { annotations, chartOptions, LABEL_BAND, LABEL_ROW_HEIGHT, labelLift, series, xRange } from '../src/rollout_chart.js';
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
  assert.equal(fmtCheckValue('sample_ratio', 1920), '1,920');
  assert.equal(fmtDuration(75000), '1m 15s');
  assert.equal(fmtDuration(3 * 3600 * 1000 + 60000), '3h 01m');
});

test('sample counts are whole requests (increase() extrapolates)', () => {
  assert.equal(fmtCheckValue('sample_ratio', 122.22222222222223), '122');
  assert.equal(fmtCount(122.22222222222223), '122');
  assert.equal(fmtCount(12003.5), '12,004');
  assert.equal(fmtCount(null), '—');
});

// The field trial's rollback at the first interval: the treatment's 8.74% point was hidden under
// the "rollback → 0%" label.
const firstIntervalRollback = [
  { sequence: 1, kind: 'start', at: '2026-11-21T12:00:00.000Z', to: { percent: 5 } },
  {
    sequence: 2,
    kind: 'rollback',
    at: '2026-11-21T12:00:30.000Z',
    to: { percent: 0 },
    evidence: { checks: [{ check: 'error_rate', treatment: 0.0874, control: 0.011 }] },
  },
];

test('a rollback at the first interval shows both variants points, whole, on the plot', () => {
  const start = Date.parse(firstIntervalRollback[0].at);
  const s = series(firstIntervalRollback, 'error_rate', 100, start);
  assert.deepEqual(s.treatment, [{ x: 30, y: 8.74 }]);
  assert.equal(s.control.length, 1);
  // The axis runs past the last point, so the points are not cut by the plot's right edge.
  assert.ok(xRange(firstIntervalRollback, start).max > 30);
});

test('stage labels sit above the plot, never over a point', () => {
  const start = Date.parse(firstIntervalRollback[0].at);
  const lines = Object.values(annotations(firstIntervalRollback, start));
  assert.equal(lines.length, 1);
  const options = chartOptions('error rate (%)');
  assert.equal(options.layout.padding.top, LABEL_BAND, 'a band above the plot is kept for labels');
  assert.equal(options.plugins.annotation.clip, false, 'labels may draw outside the plot area');
  for (const line of lines) {
    // Lines and labels are drawn under the datasets: even a label that strayed cannot hide a point.
    assert.equal(line.drawTime, 'beforeDatasetsDraw');
    assert.equal(line.label.drawTime, 'beforeDatasetsDraw');
    assert.equal(line.label.position, 'start');
    // Lifted out of the plot: the label's bottom edge stays above the plot's top.
    assert.ok(line.label.yAdjust <= labelLift(1));
  }
  assert.ok(labelLift(1) + 10 + LABEL_ROW_HEIGHT / 2 <= 0, 'the lower row ends above the plot');
  assert.ok(labelLift(0) + 10 - LABEL_ROW_HEIGHT / 2 >= -LABEL_BAND, 'the top row stays on the canvas');
});

test('neighbouring stage labels take turns between the rows', () => {
  const decisions = [
    { sequence: 1, kind: 'advance', at: '2026-11-21T12:00:00.000Z', to: { percent: 5 } },
    { sequence: 2, kind: 'pause', at: '2026-11-21T12:00:01.000Z', to: { percent: 5 } },
    { sequence: 3, kind: 'resume', at: '2026-11-21T12:00:02.000Z', to: { percent: 5 } },
  ];
  const lifts = Object.values(annotations(decisions, Date.parse(decisions[0].at))).map((a) => a.label.yAdjust);
  assert.deepEqual(lifts, [labelLift(1), labelLift(0), labelLift(1)]);
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
