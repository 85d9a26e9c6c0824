/**
 * What tells chart series apart: a colour AND a marker shape per series (`seriesStyle(i)`), so a
 * chart still reads in grey-scale print and for colour-blind readers; markers as SVG, on a chart or
 * as a small icon beside it (tables, chips).
 */

export type MarkerShape = "circle" | "square" | "triangle" | "diamond" | "triangle-down" | "cross";

/** Ten colours that stay apart for common colour-blindness (Tableau 10). */
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

/** Six shapes; with ten colours, the first 30 series all differ in colour or shape or both. */
export const markerShapes: readonly MarkerShape[] = [
  "circle",
  "square",
  "triangle",
  "diamond",
  "triangle-down",
  "cross",
];

/** The colour and marker of the i-th series: both change from one series to the next. */
export function seriesStyle(index: number): { color: string; marker: MarkerShape } {
  return { color: palette[index % palette.length], marker: markerShapes[index % markerShapes.length] };
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** One marker as SVG: a filled shape with a thin white outline so overlapping points stay visible. */
export function markerSvg(
  shape: MarkerShape,
  cx: number,
  cy: number,
  r: number,
  color: string,
  { title, attrs = "" }: { title?: string; attrs?: string } = {},
): string {
  const p = (x: number, y: number) => `${(cx + x).toFixed(1)},${(cy + y).toFixed(1)}`;
  const paint = `fill="${color}" stroke="#fff" stroke-width="0.8"${attrs}`;
  const s = r * 1.25;
  let tag: string;
  let geometry: string;
  switch (shape) {
    case "circle":
      [tag, geometry] = ["circle", `cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="${r}" ${paint}`];
      break;
    case "square":
      [tag, geometry] = [
        "rect",
        `x="${(cx - 0.9 * r).toFixed(1)}" y="${(cy - 0.9 * r).toFixed(1)}" width="${(1.8 * r).toFixed(1)}" height="${(1.8 * r).toFixed(1)}" ${paint}`,
      ];
      break;
    case "triangle":
      [tag, geometry] = [
        "polygon",
        `points="${p(0, -s)} ${p(0.95 * s, 0.7 * s)} ${p(-0.95 * s, 0.7 * s)}" ${paint}`,
      ];
      break;
    case "triangle-down":
      [tag, geometry] = [
        "polygon",
        `points="${p(0, s)} ${p(0.95 * s, -0.7 * s)} ${p(-0.95 * s, -0.7 * s)}" ${paint}`,
      ];
      break;
    case "diamond":
      [tag, geometry] = [
        "polygon",
        `points="${p(0, -1.3 * r)} ${p(1.3 * r, 0)} ${p(0, 1.3 * r)} ${p(-1.3 * r, 0)}" ${paint}`,
      ];
      break;
    case "cross": {
      const c = 1.1 * r;
      [tag, geometry] = [
        "path",
        `d="M${p(-c, -c)} L${p(c, c)} M${p(-c, c)} L${p(c, -c)}" stroke="${color}" stroke-width="2.4" fill="none"${attrs}`,
      ];
      break;
    }
    default:
      return shape satisfies never;
  }
  const open = `<${tag} class="point" data-marker="${shape}" ${geometry}`;
  return title === undefined ? `${open}/>` : `${open}><title>${escapeXml(title)}</title></${tag}>`;
}

/** A marker as a tiny inline svg, for tables and chips beside the charts. */
export function markerIcon(shape: MarkerShape, color: string, size = 12): string {
  return `<svg class="marker" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}" aria-hidden="true">${markerSvg(shape, size / 2, size / 2, size / 3, color)}</svg>`;
}
