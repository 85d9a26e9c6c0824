/**
 * One line chart as standalone SVG markup, shared by the eval report and the lab's training report:
 * axes with round-number ticks, a polyline per series with a marker shape at its points, a legend
 * below the plot. No library and no script: a report must open offline from a single file.
 *
 * Series are told apart by colour AND marker shape (chart-markers.ts). Long series are thinned to
 * `maxPoints` evenly spaced points (enough for curves of thousands of steps).
 */
import { escapeXml, type MarkerShape, markerSvg } from "./chart-markers.ts";

export interface ChartPoint {
  x: number;
  y: number;
  /** Tooltip text of this point. */
  label?: string;
}

export interface ChartSeries {
  /** Legend text and `data-series`. */
  name: string;
  points: ChartPoint[];
  color: string;
  /** Shape drawn at each point (at the last point only for `markers: "last"`). Default circle. */
  marker?: MarkerShape;
  /** Where markers go: every point (default), the last point only (dense curves), or none. */
  markers?: "all" | "last" | "none";
  /** Marker radius, px. Default 3.5. */
  markerSize?: number;
  dashed?: boolean;
  /** Points only, no connecting line. */
  scatter?: boolean;
  /** Drawn on top, thicker: the Pareto frontier. */
  emphasis?: boolean;
  /** Listed in the legend. Default true; a second curve of a listed series (pass@k) sets false. */
  legend?: boolean;
  /** Legend text when it differs from `name` (e.g. with the last value). */
  legendText?: string;
}

/** A legend entry that explains a line style rather than a series ("dashed: pass@k"). */
export interface LegendKey {
  text: string;
  dashed?: boolean;
  marker?: MarkerShape;
  markerSize?: number;
  color?: string;
  /** Draw a line sample. Default true. */
  line?: boolean;
}

export interface ChartOptions {
  title: string;
  /** `data-chart` of the svg, for tests and the lab report's hover readout. */
  id?: string;
  xLabel?: string;
  yLabel?: string;
  /** Log base 2 x axis, ticks at powers of two (samples, tokens). Default linear. */
  logX?: boolean;
  /**
   * With `logX`, 10 puts ticks at powers of ten (1, 2 and 5 × them over less than two decades): for
   * values spanning many decades (FLOPs). Default 2.
   */
  logXBase?: 2 | 10;
  /** Text of an x tick. Default `formatNumber`. */
  formatX?: (value: number) => string;
  /** Log base 10 y axis when every value is positive (losses). Default linear. */
  logY?: boolean;
  /** Values are shares in [0, 1], drawn on a fixed 0–100% axis. */
  percent?: boolean;
  /** Fixed y range; default [0, 1] with `percent`, else the data's. */
  yRange?: [number, number];
  /** Outer width and plot height (legend rows come on top of it), px. Defaults 560 × 300. */
  width?: number;
  height?: number;
  /** Most points drawn per series. Default 800. */
  maxPoints?: number;
  /** Extra legend entries after the series: what dashed lines or big markers mean. */
  keys?: LegendKey[];
}

const margin = { left: 58, right: 16, top: 30, bottom: 40 };
/** Height of one legend row, px. */
const legendRow = 16;
/** Approximate width of one legend character at 11 px, px (sizes legend columns). */
const legendCharWidth = 6.2;
/** Where legend entries start, px from the left edge. */
const legendIndent = 14;
/** Room for the line sample and marker in front of a legend text, px. */
const legendSwatch = 30;

/** Points that no other point beats on both axes (more y for no more x), as a staircase. */
export function paretoFrontier(points: ChartPoint[]): ChartPoint[] {
  const sorted = [...points].sort((a, b) => a.x - b.x || b.y - a.y);
  const frontier: ChartPoint[] = [];
  for (const p of sorted)
    if (frontier.length === 0 || p.y > frontier[frontier.length - 1].y) frontier.push(p);
  return frontier;
}

/** About `count` ticks at 1, 2 or 5 × a power of ten, inside [min, max]. */
function niceTicks(min: number, max: number, count: number): number[] {
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

/** `1234` → `1.2k`, `0.5` → `0.5`, `3e-5` → `3.0e-5`. */
export function formatNumber(value: number): string {
  if (value === 0) return "0";
  const abs = Math.abs(value);
  if (abs >= 1e6) return value.toExponential(1);
  if (abs >= 1000) return `${(value / 1000).toFixed(abs >= 10_000 ? 0 : 1)}k`;
  if (abs < 1e-2) return value.toExponential(1);
  return Number(value.toPrecision(3)).toString();
}

function thin(points: ChartPoint[], max: number): ChartPoint[] {
  if (points.length <= max) return points;
  const out: ChartPoint[] = [];
  const stride = (points.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(points[Math.round(i * stride)]);
  return out;
}

interface Axis {
  scale: (value: number) => number;
  ticks: Array<{ at: number; text: string }>;
}

function xAxis(
  values: number[],
  log: boolean,
  left: number,
  width: number,
  { logXBase = 2, formatX = formatNumber }: Pick<ChartOptions, "logXBase" | "formatX"> = {},
): Axis {
  const t = (x: number) => (log ? Math.log(x) / Math.log(logXBase) : x);
  let [lo, hi] = values.length ? [Math.min(...values.map(t)), Math.max(...values.map(t))] : [0, 1];
  if (hi - lo < 1e-9) [lo, hi] = [lo - 1, hi + 1];
  // A little room on a log axis, so markers at the ends do not sit on the frame.
  if (log) [lo, hi] = [lo - 0.03 * (hi - lo), hi + 0.03 * (hi - lo)];
  const scale = (x: number) => left + ((t(x) - lo) / (hi - lo)) * width;
  let ticks: number[];
  if (log && logXBase === 10) ticks = decadeTicks(lo, hi);
  else if (log) {
    ticks = [];
    for (let e = Math.ceil(lo - 1e-9); e <= Math.floor(hi + 1e-9); e++) ticks.push(2 ** e);
    // At most eight labels: every second (or fourth) power of two on wide ranges.
    const every = Math.max(1, Math.ceil(ticks.length / 8));
    ticks = ticks.filter((_, i) => i % every === 0);
  } else ticks = niceTicks(lo, hi, 6);
  return { scale, ticks: ticks.map((at) => ({ at, text: formatX(at) })) };
}

/** Ticks of a log10 axis over [10^lo, 10^hi]: powers of ten, or 1-2-5 steps when that gives < 3. */
function decadeTicks(lo: number, hi: number): number[] {
  const inside = (mantissas: number[]) => {
    const ticks: number[] = [];
    for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) {
      for (const m of mantissas) {
        const at = Number((m * 10 ** e).toPrecision(12));
        const log = Math.log10(at);
        if (log >= lo - 1e-9 && log <= hi + 1e-9) ticks.push(at);
      }
    }
    return ticks;
  };
  for (const mantissas of [[1], [1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]]) {
    const ticks = inside(mantissas);
    if (ticks.length >= 3) return ticks.length > 12 ? ticks.filter((_, i) => i % 2 === 0) : ticks;
  }
  return inside([1, 2, 3, 4, 5, 6, 7, 8, 9]);
}

function yAxis(values: number[], options: ChartOptions, top: number, height: number): Axis {
  const log = options.logY === true && values.length > 0 && values.every((v) => v > 0);
  const t = (y: number) => (log ? Math.log10(y) : y);
  let lo: number;
  let hi: number;
  if (options.yRange) [lo, hi] = options.yRange.map(t);
  else if (options.percent) [lo, hi] = [0, 1];
  else if (values.length === 0) [lo, hi] = [0, 1];
  else [lo, hi] = [Math.min(...values.map(t)), Math.max(...values.map(t))];
  if (hi - lo < 1e-12) [lo, hi] = [lo - 0.5, hi + 0.5];
  const scale = (y: number) => top + height - ((Math.min(Math.max(t(y), lo), hi) - lo) / (hi - lo)) * height;
  let ticks: number[];
  if (log) {
    // Powers of ten, or the ends when the range is under a decade.
    ticks = [];
    for (let p = Math.ceil(lo); p <= Math.floor(hi); p++) ticks.push(10 ** p);
    if (ticks.length < 2) ticks = [10 ** lo, 10 ** hi];
  } else ticks = niceTicks(lo, hi, 5);
  const text = (v: number) => (options.percent ? `${Math.round(v * 100)}%` : formatNumber(v));
  return { scale, ticks: ticks.map((at) => ({ at, text: text(at) })) };
}

export function lineChart(series: ChartSeries[], options: ChartOptions): string {
  const { title, id, xLabel, yLabel, logX = false, width = 560, height = 300, maxPoints = 800 } = options;
  const w = width - margin.left - margin.right;
  const h = height - margin.top - margin.bottom;
  const drawn = series.map((s) => ({
    ...s,
    points: thin(
      s.points.filter(
        (p) =>
          Number.isFinite(p.x) && Number.isFinite(p.y) && (!logX || p.x > 0) && (!options.logY || p.y > 0),
      ),
      maxPoints,
    ),
  }));
  const all = drawn.flatMap((s) => s.points);
  const x = xAxis(
    all.map((p) => p.x),
    logX,
    margin.left,
    w,
    options,
  );
  const y = yAxis(
    all.map((p) => p.y),
    options,
    margin.top,
    h,
  );

  // Legend: the listed series, then the keys, in as many columns as the longest text allows.
  const entries: LegendKey[] = [
    ...series
      .filter((s) => s.legend !== false)
      .map((s) => ({
        text: s.legendText ?? s.name,
        color: s.color,
        dashed: s.dashed,
        marker: s.markers === "none" ? undefined : (s.marker ?? "circle"),
        markerSize: s.markerSize,
        line: !s.scatter,
      })),
    ...(options.keys ?? []),
  ];
  const longest = Math.max(0, ...entries.map((e) => e.text.length));
  // The legend spans the whole width under the plot, the y axis' margin included.
  const legendLeft = legendIndent;
  const legendWidth = width - legendIndent - margin.right;
  const columns = Math.max(
    1,
    Math.min(3, Math.floor(legendWidth / (longest * legendCharWidth + legendSwatch + 12))),
  );
  const columnWidth = legendWidth / columns;
  const maxChars = Math.floor((columnWidth - legendSwatch - 6) / legendCharWidth);
  const fullHeight = height + Math.ceil(entries.length / columns) * legendRow + 6;

  const parts: string[] = [
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg"${id ? ` data-chart="${escapeXml(id)}"` : ""} viewBox="0 0 ${width} ${fullHeight}" width="${width}" height="${fullHeight}" role="img" aria-label="${escapeXml(title)}">`,
    `<text x="${margin.left}" y="18" class="chart-title">${escapeXml(title)}</text>`,
    // Presentation attributes as well as classes: the svg also stands alone (README figures).
    `<rect class="frame" x="${margin.left}" y="${margin.top}" width="${w}" height="${h}" fill="none" stroke="#c8c8c8"/>`,
  ];
  for (const tick of y.ticks) {
    const at = y.scale(tick.at).toFixed(1);
    parts.push(
      `<line class="grid" x1="${margin.left}" x2="${margin.left + w}" y1="${at}" y2="${at}" stroke="#ececec"/>`,
      `<text class="tick" x="${margin.left - 6}" y="${(Number(at) + 4).toFixed(1)}" text-anchor="end">${tick.text}</text>`,
    );
  }
  for (const tick of x.ticks) {
    const at = x.scale(tick.at).toFixed(1);
    parts.push(
      `<line class="grid" x1="${at}" x2="${at}" y1="${margin.top}" y2="${margin.top + h}" stroke="#ececec"/>`,
      `<text class="tick" x="${at}" y="${margin.top + h + 15}" text-anchor="middle">${tick.text}</text>`,
    );
  }
  if (xLabel) {
    parts.push(
      `<text class="axis-label" x="${margin.left + w / 2}" y="${height - 6}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    );
  }
  if (yLabel) {
    parts.push(
      `<text class="axis-label" transform="translate(13 ${margin.top + h / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
    );
  }
  // The frontier last, on top of everything else.
  const ordered = [...drawn].sort((a, b) => Number(a.emphasis ?? false) - Number(b.emphasis ?? false));
  for (const s of ordered) {
    if (s.points.length === 0) continue;
    const name = escapeXml(s.name);
    if (!s.scatter && s.points.length > 1) {
      const coords = s.points.map((p) => `${x.scale(p.x).toFixed(1)},${y.scale(p.y).toFixed(1)}`).join(" ");
      const last = s.points[s.points.length - 1];
      parts.push(
        `<polyline class="series" data-series="${name}" data-points="${s.points.length}" points="${coords}" fill="none" stroke="${s.color}" stroke-width="${s.emphasis ? 2.5 : 1.8}"${s.dashed ? ' stroke-dasharray="5 4"' : ""}><title>${name}: ${formatNumber(last.y)} at ${formatNumber(last.x)}</title></polyline>`,
      );
    }
    const mode = s.markers ?? "all";
    const marked = mode === "all" ? s.points : mode === "last" ? s.points.slice(-1) : [];
    for (const p of marked) {
      parts.push(
        markerSvg(
          s.marker ?? "circle",
          x.scale(p.x),
          y.scale(p.y),
          s.markerSize ?? (s.emphasis ? 2.5 : 3.5),
          s.color,
          {
            title: p.label ?? `${s.name}: ${formatNumber(p.x)}, ${formatNumber(p.y)}`,
            attrs: ` data-series="${name}"`,
          },
        ),
      );
    }
  }
  entries.forEach((entry, i) => {
    const left = legendLeft + (i % columns) * columnWidth;
    const top = height + Math.floor(i / columns) * legendRow + 4;
    const color = entry.color ?? "#555";
    const text = entry.text.length > maxChars ? `${entry.text.slice(0, maxChars - 1)}…` : entry.text;
    parts.push(`<g class="legend-entry"><title>${escapeXml(entry.text)}</title>`);
    if (entry.line !== false) {
      parts.push(
        `<line x1="${left}" x2="${left + 24}" y1="${top}" y2="${top}" stroke="${color}" stroke-width="2"${entry.dashed ? ' stroke-dasharray="4 3"' : ""}/>`,
      );
    }
    if (entry.marker) parts.push(markerSvg(entry.marker, left + 12, top, entry.markerSize ?? 3.5, color));
    parts.push(
      `<text class="legend" x="${left + legendSwatch}" y="${top + 4}">${escapeXml(text)}</text></g>`,
    );
  });
  parts.push("</svg>");
  return parts.join("");
}

/** The charts' CSS, for the pages that embed them. */
export const chartCss = `
  .chart { border: 1px solid #e3e3e3; border-radius: 6px; background: #fcfcfc; }
  .chart .frame { fill: none; stroke: #c8c8c8; }
  .chart .grid { stroke: #ececec; }
  .chart .tick, .chart .legend { font-size: 11px; fill: #444; }
  .chart .axis-label { font-size: 11px; fill: #333; }
  .chart .chart-title { font-size: 13px; font-weight: 600; fill: #222; }
`;
