import assert from "node:assert/strict";
import { test } from "node:test";
import { markerShapes, seriesStyle } from "../../src/web/chart-markers.ts";
import { lineChart, paretoFrontier } from "../../src/web/svg-chart.ts";

test("the Pareto frontier keeps points nothing beats on both axes", () => {
  const frontier = paretoFrontier([
    { x: 10, y: 0.5 },
    { x: 20, y: 0.4 },
    { x: 30, y: 0.7 },
    { x: 5, y: 0.2 },
    { x: 30, y: 0.6 },
  ]);
  assert.deepEqual(
    frontier.map((p) => [p.x, p.y]),
    [
      [5, 0.2],
      [10, 0.5],
      [30, 0.7],
    ],
  );
});

test("series styles: the first 30 differ in colour or marker, and neighbours differ in both", () => {
  const styles = Array.from({ length: 30 }, (_, i) => seriesStyle(i));
  assert.equal(new Set(styles.map((s) => `${s.color} ${s.marker}`)).size, 30);
  for (let i = 1; i < styles.length; i++) {
    assert.notEqual(styles[i].color, styles[i - 1].color);
    assert.notEqual(styles[i].marker, styles[i - 1].marker);
  }
});

test("a chart draws each series' marker shape at its points and lists only legend series", () => {
  const series = markerShapes.map((_, i) => ({
    name: `s${i}`,
    ...seriesStyle(i),
    points: [
      { x: 1, y: 0.1 * i },
      { x: 4, y: 0.1 * i + 0.05 },
    ],
  }));
  const svg = lineChart(
    [
      ...series,
      {
        name: "hidden",
        color: "#000",
        legend: false,
        dashed: true,
        markers: "none",
        points: [{ x: 2, y: 1 }],
      },
    ],
    { title: "t", id: "c", logX: true, percent: true, keys: [{ text: "dashed: pass@k", dashed: true }] },
  );
  for (const [i, shape] of markerShapes.entries()) {
    const drawn = svg.match(new RegExp(`data-marker="${shape}"[^>]*data-series="s${i}"`, "g")) ?? [];
    assert.equal(drawn.length, 2, `${shape}: one marker per point`);
  }
  const legend = [...svg.matchAll(/<text class="legend"[^>]*>([^<]*)</g)].map((m) => m[1]);
  assert.deepEqual(legend, [...series.map((s) => s.name), "dashed: pass@k"]);
  assert.match(svg, /data-chart="c"/);
  assert.match(svg, />100%</);
  assert.doesNotMatch(svg, /data-series="hidden"[^>]*data-marker/);
});
