import { useEffect, useRef } from 'preact/hooks';
import { Chart, CategoryScale, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import annotationPlugin from 'chartjs-plugin-annotation';
import { checksOf } from '../rollout.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Legend, Tooltip, Filler, annotationPlugin);

const STAGE_KINDS = new Set(['advance', 'rollback', 'pause', 'resume', 'promote', 'set_percent', 'approve', 'abort', 'complete']);
const COLORS = { treatment: '#c2410c', control: '#2563eb' };

// Whole, round seconds between ticks, so labels neither repeat nor crowd.
const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];
const tickStep = (span) => STEPS.find((step) => span / step <= 8) ?? 86400;

function minutes(seconds) {
  const m = Math.floor(seconds / 60);
  const clock = `${m % 60}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;
  return m >= 60 ? `${Math.floor(m / 60)}:${clock.padStart(5, '0')}` : clock;
}

// One series per variant for one check: x is seconds since the rollout started.
function series(decisions, check, scale, start) {
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

function annotations(decisions, start) {
  const result = {};
  for (const d of decisions) {
    if (!STAGE_KINDS.has(d.kind)) continue;
    result[`d${d.sequence}`] = {
      type: 'line',
      scaleID: 'x',
      value: (Date.parse(d.at) - start) / 1000,
      borderColor: d.kind === 'rollback' || d.kind === 'abort' ? '#b91c1c' : d.kind === 'pause' ? '#a16207' : '#15803d',
      borderWidth: 1,
      borderDash: [4, 3],
      label: {
        display: true,
        content: `${d.kind.replace('_', ' ')} → ${+d.to.percent.toFixed(2)}%`,
        position: 'start',
        font: { size: 10 },
        backgroundColor: 'rgba(255,255,255,0.85)',
        color: '#334155',
        padding: 2,
      },
    };
  }
  return result;
}

// A line chart of one check per variant, with the stage changes as labelled vertical lines. The
// chart object lives across renders: new decisions only update its data.
export function RolloutChart({ title, check, unit, scale, decisions, treatment, control, id }) {
  const canvas = useRef(null);
  const chart = useRef(null);
  const start = decisions.length ? Date.parse(decisions[0].at) : 0;
  useEffect(() => {
    chart.current = new Chart(canvas.current, {
      type: 'line',
      data: { datasets: [] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        parsing: false,
        interaction: { mode: 'nearest', intersect: false },
        scales: {
          x: { type: 'linear', min: 0, title: { display: true, text: 'since start (m:ss)' }, ticks: { callback: (v) => minutes(v) } },
          y: { beginAtZero: true, title: { display: true, text: unit } },
        },
        plugins: {
          legend: { position: 'bottom' },
          tooltip: { callbacks: { title: (items) => (items.length ? minutes(items[0].parsed.x) : '') } },
          annotation: { annotations: {} },
        },
      },
    });
    return () => chart.current.destroy();
  }, []);
  useEffect(() => {
    const c = chart.current;
    const s = series(decisions, check, scale, start);
    c.data.datasets = [
      { label: `${treatment} (treatment)`, data: s.treatment, borderColor: COLORS.treatment, backgroundColor: COLORS.treatment, pointRadius: 2, borderWidth: 1.5 },
      { label: `${control} (control)`, data: s.control, borderColor: COLORS.control, backgroundColor: COLORS.control, pointRadius: 2, borderWidth: 1.5 },
    ];
    c.options.plugins.annotation.annotations = annotations(decisions, start);
    const last = decisions.length ? (Date.parse(decisions[decisions.length - 1].at) - start) / 1000 : 60;
    c.options.scales.x.ticks.stepSize = tickStep(last);
    c.update('none');
  }, [decisions, check, scale, start, treatment, control]);
  const points = series(decisions, check, scale, start);
  return (
    <figure class="chart card" id={id}>
      <figcaption>{title}</figcaption>
      <div class="chart-box">
        <canvas ref={canvas} data-points={points.treatment.length + points.control.length} />
      </div>
    </figure>
  );
}
