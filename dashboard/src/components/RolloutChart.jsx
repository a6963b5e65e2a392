import { useEffect, useRef } from 'preact/hooks';
import { Chart, CategoryScale, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import annotationPlugin from 'chartjs-plugin-annotation';
import { annotations, chartOptions, datasets, series, xRange } from '../rollout_chart.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Legend, Tooltip, Filler, annotationPlugin);

// Where each drawn point is on the canvas (CSS pixels), for the browser test's check that no
// label covers one.
function pointPixels(chart) {
  const out = [];
  chart.data.datasets.forEach((dataset, i) => {
    for (const p of chart.getDatasetMeta(i).data) out.push({ x: Math.round(p.x), y: Math.round(p.y), color: dataset.borderColor });
  });
  return JSON.stringify(out);
}

// A line chart of one check per variant, with the stage changes as labelled vertical lines
// (src/rollout_chart.js). The chart object lives across renders: new decisions only update its
// data.
export function RolloutChart({ title, check, unit, scale, decisions, treatment, control, id }) {
  const canvas = useRef(null);
  const chart = useRef(null);
  const start = decisions.length ? Date.parse(decisions[0].at) : 0;
  useEffect(() => {
    chart.current = new Chart(canvas.current, { type: 'line', data: { datasets: [] }, options: chartOptions(unit) });
    return () => chart.current.destroy();
  }, []);
  useEffect(() => {
    const c = chart.current;
    c.data.datasets = datasets(series(decisions, check, scale, start), treatment, control);
    c.options.plugins.annotation.annotations = annotations(decisions, start);
    const x = xRange(decisions, start);
    c.options.scales.x.max = x.max;
    c.options.scales.x.ticks.stepSize = x.step;
    c.update('none');
    canvas.current.dataset.pointPixels = pointPixels(c);
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
