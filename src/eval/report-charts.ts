/**
 * Inline SVG charts for the report (no script, no network): line charts of accuracy against
 * samples or tokens, and the Pareto frontier of accuracy against cost in tokens.
 */

export interface ChartPoint {
  x: number;
  y: number;
  /** Tooltip text. */
  label?: string;
}

export interface ChartSeries {
  name: string;
  points: ChartPoint[];
  color: string;
  dashed?: boolean;
  /** Points only, no connecting line. */
  scatter?: boolean;
  /** Drawn on top, thicker: the frontier. */
  emphasis?: boolean;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Log base 2 x axis (samples, tokens). */
  logX?: boolean;
  width?: number;
  height?: number;
  /** y range; default [0, 1]. */
  yRange?: [number, number];
}

/** Height of one legend row, px. */
const legendRow = 15;

export const palette = [
  "#1f77b4",
  "#d62728",
  "#2ca02c",
  "#9467bd",
  "#ff7f0e",
  "#17becf",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
];

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function fmt(value: number): string {
  if (Math.abs(value) >= 1000) return `${(value / 1000).toFixed(value >= 10_000 ? 0 : 1)}k`;
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

/** Points that no other point beats on both axes (more y for no more x), as a staircase. */
export function paretoFrontier(points: ChartPoint[]): ChartPoint[] {
  const sorted = [...points].sort((a, b) => a.x - b.x || b.y - a.y);
  const frontier: ChartPoint[] = [];
  for (const p of sorted)
    if (frontier.length === 0 || p.y > frontier[frontier.length - 1].y) frontier.push(p);
  return frontier;
}

export function lineChart(series: ChartSeries[], options: ChartOptions): string {
  const { title, xLabel, yLabel, logX = false, width = 560, height = 340, yRange = [0, 1] } = options;
  const margin = { left: 52, right: 16, top: 28, bottom: 44 };
  const w = width - margin.left - margin.right;
  const h = height - margin.top - margin.bottom;
  const all = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && (!logX || p.x > 0));
  const tx = (x: number) => (logX ? Math.log2(x) : x);
  let [x0, x1] = all.length
    ? [Math.min(...all.map((p) => tx(p.x))), Math.max(...all.map((p) => tx(p.x)))]
    : [0, 1];
  if (x1 - x0 < 1e-9) [x0, x1] = [x0 - 1, x1 + 1];
  const [y0, y1] = yRange;
  const sx = (x: number) => margin.left + ((tx(x) - x0) / (x1 - x0)) * w;
  const sy = (y: number) => margin.top + h - ((Math.min(Math.max(y, y0), y1) - y0) / (y1 - y0)) * h;

  const parts: string[] = [];
  const fullHeight = height + Math.ceil(series.length / 2) * legendRow + 8;
  parts.push(
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${fullHeight}" width="${width}" height="${fullHeight}" role="img" aria-label="${escapeXml(title)}">`,
  );
  parts.push(
    `<text x="${width / 2}" y="16" text-anchor="middle" class="chart-title">${escapeXml(title)}</text>`,
  );
  // Grid and ticks: y in tenths, x at integer log2 steps (or five even steps).
  for (let i = 0; i <= 5; i++) {
    const y = y0 + ((y1 - y0) * i) / 5;
    parts.push(
      `<line class="grid" x1="${margin.left}" x2="${margin.left + w}" y1="${sy(y)}" y2="${sy(y)}"/>`,
    );
    parts.push(
      `<text class="tick" x="${margin.left - 6}" y="${sy(y) + 4}" text-anchor="end">${fmt(y)}</text>`,
    );
  }
  const xTicks: number[] = [];
  if (logX) for (let e = Math.floor(x0); e <= Math.ceil(x1); e++) xTicks.push(2 ** e);
  else for (let i = 0; i <= 5; i++) xTicks.push(x0 + ((x1 - x0) * i) / 5);
  const step = Math.max(1, Math.ceil(xTicks.length / 8));
  xTicks.forEach((x, i) => {
    if (tx(x) < x0 - 1e-9 || tx(x) > x1 + 1e-9 || i % step !== 0) return;
    parts.push(`<line class="grid" x1="${sx(x)}" x2="${sx(x)}" y1="${margin.top}" y2="${margin.top + h}"/>`);
    parts.push(
      `<text class="tick" x="${sx(x)}" y="${margin.top + h + 16}" text-anchor="middle">${fmt(x)}</text>`,
    );
  });
  parts.push(
    `<text class="axis-label" x="${margin.left + w / 2}" y="${height - 6}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text class="axis-label" transform="translate(14 ${margin.top + h / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
  );
  const ordered = [...series].sort((a, b) => Number(a.emphasis ?? false) - Number(b.emphasis ?? false));
  for (const s of ordered) {
    const points = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!logX || p.x > 0));
    if (points.length === 0) continue;
    const attrs = `stroke="${s.color}"${s.dashed ? ' stroke-dasharray="5 4"' : ""}${s.emphasis ? ' stroke-width="2.5"' : ""}`;
    if (!s.scatter && points.length > 1) {
      const d = points
        .map((p, i) => `${i === 0 ? "M" : "L"}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`)
        .join(" ");
      parts.push(`<path class="series" data-series="${escapeXml(s.name)}" d="${d}" fill="none" ${attrs}/>`);
    }
    for (const p of points) {
      parts.push(
        `<circle class="point" cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="${s.emphasis ? 2.5 : 3.5}" fill="${s.color}"><title>${escapeXml(p.label ?? `${s.name}: ${fmt(p.x)}, ${fmt(p.y)}`)}</title></circle>`,
      );
    }
  }
  // Legend below the plot, two columns, full names (they are what tells the lines apart).
  const columnWidth = w / 2;
  series.forEach((s, i) => {
    const x = margin.left + (i % 2) * columnWidth;
    const y = height + Math.floor(i / 2) * legendRow + 10;
    const maxChars = Math.floor(columnWidth / 5.6) - 4;
    parts.push(
      `<line x1="${x}" x2="${x + 18}" y1="${y}" y2="${y}" stroke="${s.color}"${s.dashed ? ' stroke-dasharray="4 3"' : ""} stroke-width="2"/>`,
      `<text class="legend" x="${x + 22}" y="${y + 4}">${escapeXml(s.name.length > maxChars ? `${s.name.slice(0, maxChars - 1)}…` : s.name)}<title>${escapeXml(s.name)}</title></text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("");
}
