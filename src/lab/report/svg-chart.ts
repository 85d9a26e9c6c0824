/**
 * One line chart as standalone SVG markup: axes with round-number ticks, a polyline per series, a
 * legend. No library: the report must open offline from a single file. Long series are thinned to
 * at most `maxPoints` (keeping each bucket's first point and extremes would be fancier; evenly spaced
 * points are enough for curves of thousands of steps).
 */
import type { Chart } from "./report-data.ts";

const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2"];

export interface SvgChartOptions {
  width?: number;
  height?: number;
  /** Most points drawn per series. Default 800. */
  maxPoints?: number;
}

export function renderChart(
  chart: Chart,
  { width = 560, height = 260, maxPoints = 800 }: SvgChartOptions = {},
): string {
  const margin = { left: 58, right: 14, top: 40, bottom: 34 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const all = chart.series.flatMap((s) => s.points);
  const xs = all.map(([x]) => x);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs, xMin + 1);
  const useLog = chart.log === true && all.every(([, y]) => y > 0);
  const ty = (y: number) => (useLog ? Math.log10(y) : y);
  let yMin: number;
  let yMax: number;
  if (chart.percent) {
    yMin = 0;
    yMax = 1;
  } else {
    const ys = all.map(([, y]) => ty(y));
    yMin = Math.min(...ys);
    yMax = Math.max(...ys);
    if (yMax - yMin < 1e-12) {
      yMin -= 0.5;
      yMax += 0.5;
    }
  }
  const px = (x: number) => margin.left + ((x - xMin) / (xMax - xMin)) * plotW;
  const py = (y: number) => margin.top + (1 - (ty(y) - yMin) / (yMax - yMin)) * plotH;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="${esc(chart.id)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(chart.title)}">`,
    `<text x="${margin.left}" y="16" class="title">${esc(chart.title)}</text>`,
    `<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" class="frame"/>`,
  );
  // y ticks: in log space, powers of ten (or the ends when the range is under a decade).
  const yTicks = useLog ? logTicks(yMin, yMax) : niceTicks(yMin, yMax, 5);
  for (const t of yTicks) {
    const y = margin.top + (1 - (t - yMin) / (yMax - yMin)) * plotH;
    const label = chart.percent ? `${Math.round(t * 100)}%` : formatNumber(useLog ? 10 ** t : t);
    parts.push(
      `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" class="grid"/>`,
      `<text x="${margin.left - 6}" y="${(y + 4).toFixed(1)}" class="tick" text-anchor="end">${label}</text>`,
    );
  }
  for (const t of niceTicks(xMin, xMax, 6)) {
    const x = px(t);
    parts.push(
      `<text x="${x.toFixed(1)}" y="${margin.top + plotH + 16}" class="tick" text-anchor="middle">${formatNumber(t)}</text>`,
    );
  }
  parts.push(
    `<text x="${margin.left + plotW / 2}" y="${height - 2}" class="axis" text-anchor="middle">step</text>`,
  );
  chart.series.forEach((series, i) => {
    const color = COLORS[i % COLORS.length];
    const points = thin(series.points, maxPoints);
    const coords = points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(" ");
    const last = series.points[series.points.length - 1];
    // A single point still shows: a dot, since a one-point polyline draws nothing.
    if (points.length === 1) {
      const [x, y] = points[0];
      parts.push(
        `<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${color}" data-series="${esc(series.name)}"/>`,
      );
    } else {
      parts.push(
        `<polyline points="${coords}" fill="none" stroke="${color}" stroke-width="1.6" data-series="${esc(series.name)}" data-points="${points.length}"><title>${esc(series.name)}: last ${formatValue(last[1], chart.percent)} at step ${last[0]}</title></polyline>`,
      );
    }
    const lx = margin.left + i * 160;
    parts.push(
      `<rect x="${lx}" y="${margin.top - 10}" width="10" height="3" fill="${color}"/>`,
      `<text x="${lx + 14}" y="${margin.top - 5}" class="legend">${esc(series.name)} ${formatValue(last[1], chart.percent)}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("");
}

function thin(points: [number, number][], max: number): [number, number][] {
  if (points.length <= max) return points;
  const out: [number, number][] = [];
  const stride = (points.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(points[Math.round(i * stride)]);
  return out;
}

/** About `count` ticks at 1, 2 or 5 × a power of ten, inside [min, max]. */
export function niceTicks(min: number, max: number, count: number): number[] {
  const span = max - min;
  if (!(span > 0)) return [min];
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step)
    ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let p = Math.ceil(min); p <= Math.floor(max); p++) ticks.push(p);
  return ticks.length >= 2 ? ticks : [min, max];
}

function formatNumber(value: number): string {
  if (value === 0) return "0";
  const abs = Math.abs(value);
  if (abs >= 1e4 || abs < 1e-2) return value.toExponential(1);
  return Number(value.toPrecision(3)).toString();
}

function formatValue(value: number, percent?: boolean): string {
  return percent ? `${(100 * value).toFixed(1)}%` : formatNumber(value);
}

export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
