// What the rollout chart draws, as plain data (no Chart.js here, so node's test runner checks it):
// one series per variant for one check, the stage changes as vertical lines, and where their
// labels go. Labels never cover a data point: they sit in a band above the plot area, in rows
// so neighbours do not overlap, and lines and labels are drawn before (under) the points.
import { checksOf } from './rollout.js';

export const STAGE_KINDS = new Set(['advance', 'rollback', 'pause', 'resume', 'promote', 'set_percent', 'approve', 'abort', 'complete']);
export const COLORS = { treatment: '#c2410c', control: '#2563eb' };

// Label geometry in CSS pixels: the band above the plot holds LABEL_ROWS rows.
export const LABEL_ROW_HEIGHT = 16;
export const LABEL_ROWS = 2;
export const LABEL_BAND = LABEL_ROWS * LABEL_ROW_HEIGHT + 4;

// Where the plugin centres a 'start' label of a vertical line: its padding and half its height
// (a 10 px font) below the plot's top.
const LABEL_TOP_OFFSET = 10;

// How far up a label in `row` (0: the band's top row) moves from where the plugin puts it.
export const labelLift = (row) => -LABEL_BAND + row * LABEL_ROW_HEIGHT + LABEL_ROW_HEIGHT / 2 - LABEL_TOP_OFFSET;

// Whole, round seconds between ticks, so labels neither repeat nor crowd.
const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];
export const tickStep = (span) => STEPS.find((step) => span / step <= 8) ?? 86400;

export function minutes(seconds) {
  const m = Math.floor(seconds / 60);
  const clock = `${m % 60}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;
  return m >= 60 ? `${Math.floor(m / 60)}:${clock.padStart(5, '0')}` : clock;
}

// One series per variant for one check: x is seconds since the rollout started.
export function series(decisions, check, scale, start) {
  const out = { treatment: [], control: [] };
  for (const d of decisions) {
    const c = checksOf(d).find((x) => x.check === check);
    if (!c) continue;
    const x = (Date.parse(d.at) - start) / 1000;
    if (c.treatment !== null && c.treatment !== undefined) out.treatment.push({ x, y: c.treatment * scale });
    if (c.control !== null && c.control !== undefined) out.control.push({ x, y: c.control * scale });
  }
  return out;
}

// The x axis runs a little past the last point, so a point on the last tick (a rollback at the
// first interval is the only tick) is drawn whole, not cut in half by the plot's edge.
export function xRange(decisions, start) {
  const last = decisions.length ? (Date.parse(decisions[decisions.length - 1].at) - start) / 1000 : 0;
  const span = Math.max(last, 1);
  return { min: 0, max: last + Math.max(span * 0.05, 1), step: tickStep(span) };
}

// The stage changes as vertical lines whose labels take turns between the band's rows, drawn
// before the datasets so a point is never hidden.
export function annotations(decisions, start) {
  const result = {};
  let row = LABEL_ROWS - 1; // the row nearest the plot first
  for (const d of decisions) {
    if (!STAGE_KINDS.has(d.kind)) continue;
    result[`d${d.sequence}`] = {
      type: 'line',
      drawTime: 'beforeDatasetsDraw',
      scaleID: 'x',
      value: (Date.parse(d.at) - start) / 1000,
      borderColor: d.kind === 'rollback' || d.kind === 'abort' ? '#b91c1c' : d.kind === 'pause' ? '#a16207' : '#15803d',
      borderWidth: 1,
      borderDash: [4, 3],
      label: {
        display: true,
        drawTime: 'beforeDatasetsDraw',
        content: `${d.kind.replace('_', ' ')} → ${+d.to.percent.toFixed(2)}%`,
        // At the line's top end (the plugin centres it about LABEL_TOP_OFFSET below the plot's
        // top), lifted into its row of the band above the plot.
        position: 'start',
        yAdjust: labelLift(row),
        font: { size: 10 },
        backgroundColor: 'rgba(255,255,255,0.85)',
        color: '#334155',
        padding: 2,
      },
    };
    row = (row + LABEL_ROWS - 1) % LABEL_ROWS;
  }
  return result;
}

// The Chart.js options that keep the band free and let labels draw in it.
export function chartOptions(unit) {
  return {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    parsing: false,
    layout: { padding: { top: LABEL_BAND } },
    interaction: { mode: 'nearest', intersect: false },
    scales: {
      x: { type: 'linear', min: 0, title: { display: true, text: 'since start (m:ss)' }, ticks: { includeBounds: false, callback: (v) => minutes(v) } },
      // Headroom above the highest point: the line's top end is never on a point.
      y: { beginAtZero: true, grace: '10%', title: { display: true, text: unit } },
    },
    plugins: {
      legend: { position: 'bottom' },
      tooltip: { callbacks: { title: (items) => (items.length ? minutes(items[0].parsed.x) : '') } },
      // Not clipped to the plot area: the labels live in the band above it.
      annotation: { clip: false, annotations: {} },
    },
  };
}

export function datasets(points, treatment, control) {
  const style = (color) => ({ borderColor: color, backgroundColor: color, pointRadius: 3, pointHoverRadius: 5, borderWidth: 1.5 });
  return [
    { label: `${treatment} (treatment)`, data: points.treatment, ...style(COLORS.treatment) },
    { label: `${control} (control)`, data: points.control, ...style(COLORS.control) },
  ];
}
