// Siting: the newest site run's open sites on the county map (existing and new), its coverage
// and the curve of the objective against the number of new sites; start a new siting run.
import { el, fmt, kpi, table, t } from "./shell.js";
import { lang } from "./i18n.js";
import { figures, runPage } from "./runpage.js";
import { boxNote, countyGeo } from "./map.js";
import { mountFigure } from "./figures.js";

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
    const geo = await countyGeo(me.county);
    const nodes = [
      el("div", { class: "kpis" },
        kpi("runs.what", res.what),
        kpi("site.objective", `${fmt(res.objective, 1)} ${res.objective_unit}`),
        kpi("site.sites", `${res.new_ids.length} + ${res.existing_ids.length}`),
        res.coverage && res.coverage.after ? kpi("site.coverage", `${fmt(100 * res.coverage.after.share, 1)} % ≤ ${res.coverage.after.radius_km} km`) : ""),
      boxNote(geo),
      mapDiv,
      res.curve && res.curve.length ? [el("h3", { i18n: "site.curve" }), curveDiv] : "",
      table([
        { i18n: "common.station", key: "id" }, { i18n: "common.name", key: "name" },
        { i18n: "site.kind", key: "kind" },
        { i18n: "site.state", value: (s) => t(s.existing ? "site.existing" : "site.new") },
        { i18n: "ov.capacity", key: "capacity_kg", num: true },
      ], res.sites, { id: "sites", class: "grid stack" }),
      ...details(res),
    ];
    const site = (s) => ({ id: s.id, name: s.name, value: [s.lon, s.lat],
      tip: `${s.name} (${s.id}) · ${s.kind}${s.capacity_kg ? ` · ${fmt(s.capacity_kg, 0)} kg` : ""}` });
    setTimeout(() => {
      mountFigure(mapDiv, {
        kind: "map",
        geo,
        layers: [
          { id: "existing", name: t("site.existing"), type: "points", size: 9, color: "#334155",
            data: res.sites.filter((s) => s.existing).map(site) },
          { id: "new", name: t("site.new"), type: "points", symbol: "triangle", size: 14, color: "#c2410c",
            data: res.sites.filter((s) => !s.existing).map(site) },
        ],
      });
      if (res.curve && res.curve.length) {
        mountFigure(curveDiv, {
          kind: "xy",
          categories: res.curve.map((p) => String(p.k)),
          xName: t("site.k"),
          axes: [{ name: res.objective_unit }],
          series: [{ id: "curve", name: t("site.objective"), type: "line", color: "#0072b2",
            values: res.curve.map((p) => p.objective),
            tips: res.curve.map((p) => `k = ${p.k} · ${fmt(p.objective, 0)} ${res.objective_unit}`) }],
        });
      }
    });
    return nodes;
  },
});

// The run's main figures, labelled with their units, then its costs and the curve as tables.
function details(res) {
  const cov = res.coverage || {};
  const m = res.metrics || {};
  const setup = (res.assumptions || {}).station_setup_yuan;
  return [
    el("h2", { i18n: "common.result" }),
    figures([
      { key: "model", i18n: "site.model", text: res.model },
      { key: "status", i18n: "site.status", text: res.status },
      { key: "objective", i18n: "site.objective", value: res.objective, rawUnit: res.objective_unit },
      { key: "best_bound", i18n: "site.best_bound", value: res.best_bound, rawUnit: res.objective_unit },
      { key: "gap", i18n: "site.gap", value: res.gap, pct: true, digits: 2 },
      { key: "runtime_s", i18n: "site.runtime", value: res.runtime_s, digits: 2 },
      cov.before ? { key: "coverage_before", i18n: "site.coverage_before", value: cov.before.share, pct: true } : null,
      cov.after ? { key: "coverage_after", i18n: "site.coverage_after", value: cov.after.share, pct: true } : null,
      cov.after ? { key: "radius_km", i18n: "site.radius", value: cov.after.radius_km } : null,
      { key: "households_added", i18n: "site.households_added", value: m.households_added, digits: 0 },
      { key: "yuan_per_household_added", i18n: "site.yuan_per_household", value: m.yuan_per_household_added, digits: 2 },
      { key: "new_sites", i18n: "site.new_sites", value: m.new_sites, digits: 0 },
      { key: "existing_sites", i18n: "site.existing_sites", value: m.existing_sites, digits: 0 },
      setup ? { key: "station_setup_yuan", i18n: "site.setup", value: setup.value, digits: 0 } : null,
    ], { id: "site-figures" }),
    setup ? el("p", { class: "muted" }, el("span", { i18n: "site.setup" }), `: ${setup.source}`) : "",
    Array.isArray(res.costs) && res.costs.length ? [el("h3", { i18n: "site.costs" }), table([
      { i18n: "site.cost_item", value: (c) => (lang() === "en" ? c.en : c.zh) },
      { i18n: "site.cost_yuan", key: "yuan", num: true, digits: 0 },
      { i18n: "site.cost_basis", key: "basis" },
    ], res.costs, { id: "site-costs", class: "grid stack" })] : "",
    Array.isArray(res.curve) && res.curve.length ? [el("h3", { i18n: "site.curve_table" }), el("div", { class: "scroll" }, table([
      { i18n: "site.k", key: "k", num: true, digits: 0 },
      { i18n: "site.objective", value: (p) => p.objective, num: true, digits: 0 },
      { i18n: "site.marginal", value: (p) => p.marginal, num: true, digits: 0 },
      { i18n: "site.coverage_after", value: (p) => (p.coverage_share === null || p.coverage_share === undefined ? document.createTextNode("—") : document.createTextNode(`${fmt(100 * p.coverage_share, 1)} %`)), num: true },
      { i18n: "site.fixed_yuan", key: "fixed_yuan", num: true, digits: 0 },
      { i18n: "site.status", key: "status" },
    ], res.curve, { id: "site-curve-table", class: "grid stack" }))] : "",
    [res.candidate_rule, res.existing_rule, ...(res.notes || [])].filter(Boolean).map((n) => el("p", { class: "muted" }, n)),
  ];
}
