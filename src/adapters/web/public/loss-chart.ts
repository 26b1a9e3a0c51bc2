/**
 * The loss chart: content, style and TV loss per iteration, on a log scale, on a canvas, with a
 * dashed line where the picture grew (coarse to fine, each new size starts with a jump in the loss,
 * which looks like a fault unless shown), and a caption that says so.
 */
import type { LossPoint } from '../../../bot/jobs/store.ts';
import { $ } from './dom.ts';

const SERIES = [
  { label: 'content', color: '#2f6db5' },
  { label: 'style', color: '#b5462f' },
  { label: 'TV', color: '#5a8f3a' },
] as const;

let points: LossPoint[] = [];
let multiScale = true;

/** Starts the chart over from a job's known history (empty for a new job); `paintsCoarseToFine`: the job's multi-scale option. */
export function resetChart(history: readonly LossPoint[], paintsCoarseToFine: boolean): void {
  points = [...history];
  multiScale = paintsCoarseToFine;
  drawChart();
}

/** Adds the loss terms of the latest iterations. */
export function extendChart(latest: readonly LossPoint[]): void {
  points.push(...latest);
  drawChart();
}

/** Where each size began: the index of its first iteration. Results stored before sizes were kept have none. */
function stagesOf(history: readonly LossPoint[]): Stage[] {
  const stages: Stage[] = [];
  history.forEach(([, , , size], index) => {
    if (size !== undefined && size !== stages.at(-1)?.size) stages.push({ start: index, size });
  });
  return stages;
}

/** "Loss (log scale), painted at 136 and 192 px: it jumps at each new size." */
function captionOf(stages: readonly Stage[]): string {
  if (stages.length === 0) return multiScale ? 'Loss (log scale). Painted small first, then larger: it jumps at each new size.' : 'Loss (log scale)';
  const sizes = stages.map(({ size }) => String(size));
  if (sizes.length === 1) return `Loss (log scale), painted at ${sizes[0]} px`;
  return `Loss (log scale), painted at ${sizes.slice(0, -1).join(', ')} and ${sizes.at(-1)} px: it jumps at each new size.`;
}

/** Content, style and TV loss per iteration on a log scale, drawn on a canvas. */
function drawChart(): void {
  const canvas = $<HTMLCanvasElement>('#loss-chart');
  const stages = stagesOf(points);
  $('#loss-caption').textContent = captionOf(stages);
  canvas.dataset.points = String(points.length);
  canvas.dataset.stages = stages.map(({ size }) => size).join(',');
  const context = canvas.getContext('2d');
  if (!context) return;
  const { width, height } = canvas;
  const pad = { left: 48, right: 10, top: 10, bottom: 24 };
  context.clearRect(0, 0, width, height);
  context.fillStyle = '#fffdf8';
  context.fillRect(0, 0, width, height);
  const values = points.flatMap(([content, style, tv]) => [content, style, tv].filter((value) => value > 0).map(Math.log10));
  if (values.length === 0) return;
  const low = Math.floor(Math.min(...values));
  const high = Math.ceil(Math.max(...values)) === low ? low + 1 : Math.ceil(Math.max(...values));
  const x = (index: number) => pad.left + (index / Math.max(1, points.length - 1)) * (width - pad.left - pad.right);
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
  context.fillText(`iteration ${points.length}`, width - 100, height - 6);
  const box = { top: pad.top, bottom: height - pad.bottom, right: width - pad.right };
  drawStageLines(context, stages, x, box);
  SERIES.forEach((series, seriesIndex) => {
    context.strokeStyle = series.color;
    context.lineWidth = 2;
    context.beginPath();
    let started = false;
    points.forEach((point, index) => {
      const value = point[seriesIndex]!;
      if (value <= 0) return;
      if (started) context.lineTo(x(index), y(Math.log10(value)));
      else context.moveTo(x(index), y(Math.log10(value)));
      started = true;
    });
    context.stroke();
    context.fillStyle = series.color;
    context.fillText(series.label, pad.left + 8 + seriesIndex * 60, pad.top + 12);
  });
  // One size needs no label: the caption names it.
  if (stages.length > 1) drawStageLabels(context, stages, x, box);
}

/** A dashed line between the last iteration of one size and the first of the next, behind the loss lines. */
function drawStageLines(context: CanvasRenderingContext2D, stages: readonly Stage[], x: (index: number) => number, box: Box): void {
  context.save();
  context.strokeStyle = '#a39a8c';
  context.lineWidth = 1;
  context.setLineDash([4, 3]);
  for (const { start } of stages.slice(1)) {
    context.beginPath();
    context.moveTo(x(start - 0.5), box.top);
    context.lineTo(x(start - 0.5), box.bottom);
    context.stroke();
  }
  context.restore();
}

/**
 * Each size labelled where it begins, over the loss lines on a patch of the chart's paper: on two
 * rows taking turns, as the last, short stages lie close together.
 */
function drawStageLabels(context: CanvasRenderingContext2D, stages: readonly Stage[], x: (index: number) => number, box: Box): void {
  stages.forEach(({ start, size }, index) => {
    const label = `${size} px`;
    const width = context.measureText(label).width;
    const left = Math.min((index === 0 ? x(0) : x(start - 0.5)) + 3, box.right - width);
    const baseline = box.top + 28 + (index % 2) * 13;
    context.fillStyle = 'rgba(255, 253, 248, 0.85)';
    context.fillRect(left - 1, baseline - 10, width + 2, 13);
    context.fillStyle = '#6f675d';
    context.fillText(label, left, baseline);
  });
}

interface Stage {
  readonly start: number;
  readonly size: number;
}

interface Box {
  readonly top: number;
  readonly bottom: number;
  readonly right: number;
}
