// Siting: the newest site run's open sites on the county map (existing and new), its coverage
// and the curve of the objective against the number of new sites; start a new siting run.
import { el, fmt, kpi, table, t } from "./shell.js";
import { genericResult, runPage } from "./runpage.js";
import { boxNote, countyMap, geoOption, mountChart } from "./map.js";

const what = el("select", { id: "site-what" }, ["stations", "cold-hub", "preprocess"].map((w) => el("option", { value: w }, w)));
const limit = el("input", { id: "site-time-limit", type: "number", min: "1", max: "300", value: "10" });

await runPage({
  page: "siting",
  kind: "site",
  startLabel: "runs.start_site",
  inputs: [
    el("label", {}, el("span", { i18n: "runs.what" }), what),
    el("label", {}, el("span", { i18n: "plan.time_limit" }), limit),
  ],
  params: () => ({ what: what.value, time_limit_s: Number(limit.value) }),
  draw: async (res, run, me) => {
    const mapDiv = el("div", { id: "site-map", class: "chart map" });
    const curveDiv = el("div", { id: "site-curve", class: "chart" });
    const name = await countyMap(me.county);
    const nodes = [
      el("div", { class: "kpis" },
        kpi("runs.what", res.what),
        kpi("site.objective", `${fmt(res.objective, 1)} ${res.objective_unit}`),
        kpi("site.sites", `${res.new_ids.length} + ${res.existing_ids.length}`),
        res.coverage && res.coverage.after ? kpi("site.coverage", `${fmt(100 * res.coverage.after.share, 1)} % ≤ ${res.coverage.after.radius_km} km`) : ""),
      boxNote(name),
      mapDiv,
      res.curve && res.curve.length ? [el("h3", { i18n: "site.curve" }), curveDiv] : "",
      table([
        { i18n: "common.station", key: "id" }, { i18n: "common.name", key: "name" },
        { i18n: "site.kind", key: "kind" },
        { i18n: "site.state", value: (s) => t(s.existing ? "site.existing" : "site.new") },
        { i18n: "ov.capacity", key: "capacity_kg", num: true },
      ], res.sites, { id: "sites", class: "grid stack" }),
      ...genericResult({ ...res, sites: undefined, candidates: undefined, clients: undefined }),
    ];
    setTimeout(async () => {
      const chart = mountChart(mapDiv);
      chart.setOption({
        tooltip: { trigger: "item" },
        legend: { bottom: 0 },
        geo: geoOption(name),
        series: [
          { id: "existing", name: t("site.existing"), type: "scatter", coordinateSystem: "geo", symbolSize: 9, itemStyle: { color: "#334155" },
            data: res.sites.filter((s) => s.existing).map((s) => ({ name: s.name, value: [s.lon, s.lat] })) },
          { id: "new", name: t("site.new"), type: "scatter", coordinateSystem: "geo", symbol: "triangle", symbolSize: 14, itemStyle: { color: "#c2410c" },
            data: res.sites.filter((s) => !s.existing).map((s) => ({ name: s.name, value: [s.lon, s.lat] })) },
        ],
      });
      if (res.curve && res.curve.length) {
        const c = mountChart(curveDiv);
        c.setOption({
          tooltip: { trigger: "axis" },
          xAxis: { type: "category", name: "k", data: res.curve.map((p) => p.k) },
          yAxis: { type: "value", name: res.objective_unit },
          series: [{ id: "curve", type: "line", name: t("common.value"), data: res.curve.map((p) => p.objective) }],
        });
      }
    });
    return nodes;
  },
});
