// Figures (county maps and bar charts) drawn with Apache ECharts from plain JSON specs.
//
// One renderer for the dashboard and the static HTML report: the report's Python code
// (ruralflow.report.figures) writes the specs, this module turns a spec into an ECharts
// option. It imports nothing and uses the global `echarts` (web/static/vendor/echarts.min.js),
// so the report can inline it once, next to echarts.min.js, and stay one offline file.
//
// Spec kinds (every field plain JSON; see ruralflow/report/figures.py for the writer):
//   {kind: "map", geo: {name, aspectScale, box}, layers: [layer...], height}
//     layer: {id, name, type: "points"|"lines"|"areas", color, size, symbol, hollow, width,
//             dashed, opacity, labels, legend, data: [...]}
//       points: data [{id, name, value: [lon, lat], tip, text, pos}] (text: the label, if
//               any; pos: its side, "right" unless given, "left" near the map's east edge)
//       lines:  data [{name, coords: [[lon, lat], ...], tip, color}]
//       areas:  data [{name, coords: [[lon, lat], ...], tip}] (a closed ring)
//   {kind: "bars", categories: [...], panels: [{title, unit, series: [{name, color, values}]}],
//    highlight: index|null, highlightLabel, panelHeight}
//   {kind: "xy", categories: [...], xName, axes: [{name, unit}] (one or two value axes),
//    series: [{name, type: "bar"|"line", axis: 0|1, color, values: [number|null], tips, id}],
//    height, xRotate (degrees, for long category names)}
// A figure's height: spec.height if given, the bars' own height, otherwise the div's CSS
// height (the dashboard's .chart and .map), else 320 px (xy) or 560 px (map).
// A report page marks each figure as a div whose data-figure attribute is its id, with its
// spec in a JSON script element whose id is that id plus "-spec", and each map outline
// (GeoJSON) in a JSON script element with a data-geo attribute naming it; renderFigures()
// draws them all and then sets the body's data-figures attribute to "ready".

export const KM_PER_DEG = (6371.0088 * Math.PI) / 180;

// ECharts symbols for the spec's shape names.
export const SYMBOLS = {
  circle: "circle",
  square: "rect",
  diamond: "diamond",
  triangle: "triangle",
  star: "path://M0,-10L2.94,-4.05L9.51,-3.09L4.76,1.55L5.88,8.09L0,5L-5.88,8.09L-4.76,1.55L-9.51,-3.09L-2.94,-4.05Z",
};

function esc(text) {
  return String(text)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

function tooltip(p) {
  const d = p.data || {};
  if (d.tip) return esc(d.tip).replace(/ · /g, "<br>");
  return esc(p.seriesName + (p.name ? `: ${p.name}` : ""));
}

// Register a GeoJSON outline once under `name` (echarts.registerMap).
export function registerGeo(name, geojson) {
  if (!echarts.getMap(name)) echarts.registerMap(name, geojson);
}

// The `geo` of a map spec for an outline (GeoJSON) registered as `name`: aspectScale is the
// cosine of its mean latitude, so a km is as long east-west as north-south (the Python
// writer, report.figures.map_spec, does the same from the bundle).
export function geoOf(name, geojson, box = false) {
  let lo = Infinity;
  let hi = -Infinity;
  const walk = (c) => {
    if (typeof c[0] === "number") {
      lo = Math.min(lo, c[1]);
      hi = Math.max(hi, c[1]);
    } else c.forEach(walk);
  };
  for (const f of geojson.features || []) if (f.geometry) walk(f.geometry.coordinates);
  const lat = Number.isFinite(lo) ? (lo + hi) / 2 : 0;
  return { name, aspectScale: Math.round(Math.cos((lat * Math.PI) / 180) * 1e4) / 1e4, box };
}

// The `geo` component of a map spec.
export function geoComponent(geo) {
  return {
    map: geo.name,
    roam: true,
    aspectScale: geo.aspectScale,
    // centre and size, not four edges: four edges would stretch the map and lose its aspect
    layoutCenter: ["50%", "47%"],
    layoutSize: "88%",
    silent: true,
    tooltip: { show: false },
    label: { show: false },
    emphasis: { disabled: true },
    itemStyle: geo.box
      ? { areaColor: "#fbfcfa", borderColor: "#cbd5e1", borderWidth: 1, borderType: "dashed" }
      : { areaColor: "#e7f0e1", borderColor: "#3e6b47", borderWidth: 1.8 },
  };
}

function pointSeries(layer, z) {
  const color = layer.color || "#22313f";
  return {
    id: layer.id,
    name: layer.name,
    type: "scatter",
    coordinateSystem: "geo",
    geoIndex: 0,
    z: 3 + z,
    symbol: SYMBOLS[layer.symbol || "circle"] || layer.symbol,
    symbolSize: layer.size || 6,
    itemStyle: layer.hollow
      ? { color: "#ffffff", borderColor: color, borderWidth: layer.width || 1.2 }
      : { color, borderColor: "#ffffff", borderWidth: layer.width || 1 },
    emphasis: { scale: 1.4 },
    labelLayout: { hideOverlap: true },
    data: layer.data.map((d) => ({
      ...d,
      label: d.text
        ? {
            show: true,
            formatter: d.text,
            position: d.pos || "right",
            distance: 4,
            fontSize: layer.labelSize || 12,
            fontWeight: layer.labelBold ? "bold" : "normal",
            color: layer.labelColor || "#17212b",
            textBorderColor: "#ffffff",
            textBorderWidth: 3,
          }
        : { show: false },
    })),
  };
}

function lineSeries(layer, z) {
  return {
    id: layer.id,
    name: layer.name,
    type: "lines",
    coordinateSystem: "geo",
    geoIndex: 0,
    polyline: true,
    z: 2 + z,
    silent: layer.silent === true,
    lineStyle: {
      color: layer.color || "#0072b2",
      width: layer.width || 2,
      opacity: layer.opacity ?? 0.85,
      type: layer.dashed ? "dashed" : "solid",
      cap: "round",
      join: "round",
    },
    data: layer.data.map((d) => (d.color ? { ...d, lineStyle: { color: d.color } } : d)),
  };
}

function areaSeries(layer, z) {
  const color = layer.color || "#0072b2";
  return {
    id: layer.id,
    name: layer.name,
    type: "custom",
    coordinateSystem: "geo",
    geoIndex: 0,
    z: 1 + z,
    silent: true,
    renderItem: (params, api) => ({
      type: "polygon",
      shape: { points: layer.data[params.dataIndex].coords.map((c) => api.coord(c)) },
      style: { fill: color, opacity: layer.opacity ?? 0.15, stroke: color, lineWidth: 0.8 },
    }),
    itemStyle: { color },
    data: layer.data.map((d, i) => ({ name: d.name, value: [i], tip: d.tip })),
  };
}

export function mapOption(spec) {
  const series = spec.layers.map((layer, i) => {
    const z = i / 100;
    if (layer.type === "lines") return lineSeries(layer, z);
    if (layer.type === "areas") return areaSeries(layer, z);
    return pointSeries(layer, z);
  });
  return {
    animation: false,
    tooltip: { trigger: "item", confine: true, formatter: tooltip },
    legend: {
      type: "scroll",
      bottom: 0,
      data: spec.layers.filter((l) => l.legend !== false).map((l) => l.name),
    },
    geo: geoComponent(spec.geo),
    series,
  };
}

export function barsOption(spec) {
  const n = spec.panels.length;
  const ph = spec.panelHeight || 120;
  const top0 = 40;
  const gap = 46;
  const hl = spec.highlight;
  const grid = spec.panels.map((_, i) => ({ left: 76, right: 16, top: top0 + i * (ph + gap), height: ph }));
  const xAxis = spec.panels.map((_, i) => ({
    type: "category",
    gridIndex: i,
    data: spec.categories,
    axisLabel: { show: i === n - 1, hideOverlap: true },
    axisTick: { alignWithLabel: true },
  }));
  const yAxis = spec.panels.map((p, i) => ({
    type: "value",
    gridIndex: i,
    name: p.title,
    nameLocation: "end",
    nameGap: 10,
    nameTextStyle: { align: "left", fontWeight: "bold", color: "#22313f" },
    axisLabel: { formatter: (v) => `${v} ${p.unit}` },
    splitNumber: 2,
  }));
  const series = [];
  spec.panels.forEach((p, i) => {
    p.series.forEach((s, j) => {
      const item = {
        id: `p${i}s${j}`,
        name: s.name,
        type: "bar",
        stack: `panel${i}`,
        xAxisIndex: i,
        yAxisIndex: i,
        barCategoryGap: "22%",
        itemStyle: { color: s.color },
        tooltip: { valueFormatter: (v) => `${v} ${p.unit}` },
        data: s.values,
      };
      if (hl !== null && hl !== undefined) {
        // the chosen day: its bars outlined, and a dashed line through them labelled once
        item.data = s.values.map((v, k) => (k === hl ? { value: v, itemStyle: { borderColor: "#92400e", borderWidth: 2 } } : v));
        if (j === 0) {
          item.markLine = {
            silent: true,
            symbol: "none",
            lineStyle: { color: "#92400e", type: "dashed", width: 1.2 },
            label: { show: i === 0, formatter: spec.highlightLabel || "", position: "end", color: "#92400e" },
            data: [{ xAxis: spec.categories[hl] }],
          };
        }
      }
      series.push(item);
    });
  });
  return {
    animation: false,
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
    legend: { type: "scroll", top: 0 },
    grid,
    xAxis,
    yAxis,
    series,
  };
}

export function xyOption(spec) {
  return {
    animation: false,
    tooltip: {
      trigger: "item",
      confine: true,
      formatter: (p) => {
        const s = spec.series[p.seriesIndex];
        const tip = s.tips ? s.tips[p.dataIndex] : null;
        return esc(tip || `${s.name}: ${p.value}`).replace(/ · /g, "<br>");
      },
    },
    legend: { top: 0 },
    // the axis labels inside the grid, however long the numbers (yuan/year run to 10 digits)
    grid: { left: 16, right: 16, top: 56, bottom: spec.xRotate ? 24 : 40, containLabel: true },
    xAxis: {
      type: "category",
      data: spec.categories,
      name: spec.xName || "",
      nameLocation: "middle",
      nameGap: spec.xRotate ? 8 : 28,
      axisLabel: { rotate: spec.xRotate || 0, hideOverlap: true },
    },
    yAxis: spec.axes.map((a, i) => ({
      type: "value",
      name: a.name,
      position: i === 0 ? "left" : "right",
      splitLine: { show: i === 0 },
      nameTextStyle: { align: i === 0 ? "left" : "right" },
      axisLabel: { formatter: (v) => v.toLocaleString("en-US") },
    })),
    series: spec.series.map((s, i) => ({
      id: s.id || `s${i}`,
      name: s.name,
      type: s.type,
      yAxisIndex: s.axis || 0,
      itemStyle: { color: s.color },
      lineStyle: s.type === "line" ? { color: s.color, width: 2 } : undefined,
      symbolSize: 8,
      connectNulls: false,
      barWidth: "50%",
      data: s.values,
    })),
  };
}

export function barsHeight(spec) {
  return 40 + spec.panels.length * ((spec.panelHeight || 120) + 46) - 46 + 36;
}

export function figureOption(spec) {
  if (spec.kind === "map") return mapOption(spec);
  if (spec.kind === "bars") return barsOption(spec);
  if (spec.kind === "xy") return xyOption(spec);
  throw new Error(`unknown figure kind ${spec.kind}`);
}

function nice(x) {
  const e = 10 ** Math.floor(Math.log10(x));
  for (const s of [5, 2.5, 2, 1]) if (s * e <= x) return s * e;
  return e;
}

// A scale bar (km) and a north arrow over a map, kept right when the map is zoomed or panned.
function scaleBar(chart) {
  const mid = chart.convertFromPixel({ geoIndex: 0 }, [chart.getWidth() / 2, chart.getHeight() / 2]);
  if (!mid) return;
  const [lon, lat] = mid;
  const dLon = 1 / (KM_PER_DEG * Math.cos((lat * Math.PI) / 180));
  const a = chart.convertToPixel({ geoIndex: 0 }, [lon, lat]);
  const b = chart.convertToPixel({ geoIndex: 0 }, [lon + dLon, lat]);
  if (!a || !b) return;
  const pxPerKm = Math.abs(b[0] - a[0]);
  if (!(pxPerKm > 0)) return;
  const km = nice(chart.getWidth() / 5 / pxPerKm);
  const w = km * pxPerKm;
  const y = chart.getHeight() - 64;
  chart.setOption({
    graphic: [
      {
        id: "scalebar",
        type: "group",
        left: 20,
        top: y,
        silent: true,
        children: [
          { type: "rect", shape: { x: -6, y: -18, width: w + 52, height: 30, r: 3 }, style: { fill: "rgba(255,255,255,0.85)" } },
          { type: "rect", shape: { x: 0, y: 0, width: w / 2, height: 5 }, style: { fill: "#22313f" } },
          { type: "rect", shape: { x: w / 2, y: 0, width: w / 2, height: 5 }, style: { fill: "#fff", stroke: "#22313f" } },
          { type: "text", x: 0, y: -14, style: { text: "0", fontSize: 11, fill: "#22313f" } },
          { type: "text", x: w - 4, y: -14, style: { text: `${km} km`, fontSize: 11, fill: "#22313f" } },
        ],
      },
      {
        id: "north",
        type: "text",
        right: 24,
        top: 16,
        silent: true,
        style: { text: "▲\nN 北", fontSize: 12, fill: "#22313f", align: "center", fontWeight: "bold" },
      },
    ],
  });
}

// Draw `spec` in `div` (an existing chart there is disposed first); returns the chart.
export function mountFigure(div, spec) {
  const old = echarts.getInstanceByDom(div);
  if (old) old.dispose();
  if (spec.kind === "bars" && !div.style.height) div.style.height = `${barsHeight(spec)}px`;
  else if (spec.height) div.style.height = `${spec.height}px`;
  else if (!div.style.height && !div.clientHeight) div.style.height = `${spec.kind === "xy" ? 320 : 560}px`;
  const chart = echarts.init(div);
  chart.setOption(figureOption(spec));
  if (spec.kind === "map") {
    scaleBar(chart);
    chart.on("georoam", () => scaleBar(chart));
  }
  // a page redrawing a figure disposes the old chart: its listener goes with it
  const onResize = () => {
    if (chart.isDisposed()) {
      window.removeEventListener("resize", onResize);
      return;
    }
    chart.resize();
    if (spec.kind === "map") scaleBar(chart);
  };
  window.addEventListener("resize", onResize);
  return chart;
}

// Draw every figure of a page written by the report (see the header comment).
export function renderFigures(root = document) {
  performance.mark("figures-start");
  for (const s of root.querySelectorAll("script[data-geo]")) {
    registerGeo(s.dataset.geo, JSON.parse(s.textContent));
  }
  const charts = [];
  for (const div of root.querySelectorAll("[data-figure]")) {
    const spec = JSON.parse(document.getElementById(`${div.dataset.figure}-spec`).textContent);
    charts.push(mountFigure(div, spec));
  }
  document.body.dataset.figures = "ready";
  performance.mark("figures-ready");
  return charts;
}
