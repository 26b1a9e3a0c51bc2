/** The loss chart: content, style and TV loss per iteration, on a log scale, on a canvas. */
import { $ } from './dom.ts';

const SERIES = [
  { label: 'content', color: '#2f6db5' },
  { label: 'style', color: '#b5462f' },
  { label: 'TV', color: '#5a8f3a' },
] as const;

let lossHistory: (readonly [number, number, number])[] = [];

/** Starts the chart over from a job's known history (empty for a new job). */
export function resetChart(history: readonly (readonly [number, number, number])[]): void {
  lossHistory = [...history];
  drawChart();
}

/** Adds the loss terms of the latest iterations. */
export function extendChart(terms: readonly (readonly [number, number, number])[]): void {
  lossHistory.push(...terms);
  drawChart();
}

/** Content, style and TV loss per iteration on a log scale, drawn on a canvas. */
function drawChart(): void {
  const canvas = $<HTMLCanvasElement>('#loss-chart');
  const context = canvas.getContext('2d');
  if (!context) return;
  const { width, height } = canvas;
  const pad = { left: 48, right: 10, top: 10, bottom: 24 };
  context.clearRect(0, 0, width, height);
  context.fillStyle = '#fffdf8';
  context.fillRect(0, 0, width, height);
  const values = lossHistory.flatMap((terms) => terms.filter((value) => value > 0).map(Math.log10));
  if (values.length === 0) return;
  const low = Math.floor(Math.min(...values));
  const high = Math.ceil(Math.max(...values)) === low ? low + 1 : Math.ceil(Math.max(...values));
  const x = (index: number) => pad.left + (index / Math.max(1, lossHistory.length - 1)) * (width - pad.left - pad.right);
  const y = (log: number) => pad.top + (1 - (log - low) / (high - low)) * (height - pad.top - pad.bottom);
  context.strokeStyle = '#e2dccf';
  context.fillStyle = '#6f675d';
  context.font = '11px DejaVu Sans, sans-serif';
  for (let decade = low; decade <= high; decade++) {
    context.beginPath();
    context.moveTo(pad.left, y(decade));
    context.lineTo(width - pad.right, y(decade));
    context.stroke();
    context.fillText(`1e${decade}`, 4, y(decade) + 4);
  }
  context.fillText(`iteration ${lossHistory.length}`, width - 100, height - 6);
  SERIES.forEach((series, seriesIndex) => {
    context.strokeStyle = series.color;
    context.lineWidth = 2;
    context.beginPath();
    let started = false;
    lossHistory.forEach((terms, index) => {
      const value = terms[seriesIndex]!;
      if (value <= 0) return;
      if (started) context.lineTo(x(index), y(Math.log10(value)));
      else context.moveTo(x(index), y(Math.log10(value)));
      started = true;
    });
    context.stroke();
    context.fillStyle = series.color;
    context.fillText(series.label, pad.left + 8 + seriesIndex * 60, pad.top + 12);
  });
  canvas.dataset.points = String(lossHistory.length);
}
