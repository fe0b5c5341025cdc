// The value matrix: the newest matrix run's flows (yuan/year, down and up) and indicators; start one.
import { el, fmt, kpi, t, table } from "./shell.js";
import { figures, runPage } from "./runpage.js";
import { lang } from "./i18n.js";
import { mountFigure } from "./figures.js";

await runPage({
  page: "matrix",
  kind: "matrix",
  startLabel: "runs.start_matrix",
  params: () => ({}),
  draw: async (res) => {
    const flows = Array.isArray(res.flows) ? res.flows : [];
    const ind = res.indicators || {};
    const band = ((res.uncertainty || {}).monte_carlo || {}).band || {};
    const chart = el("div", { id: "matrix-flows", class: "chart" });
    setTimeout(() => {
      const unit = flows[0] ? flows[0].unit : "";
      mountFigure(chart, {
        kind: "xy",
        categories: flows.map((f) => f.label || f.name),
        axes: [{ name: unit }],
        series: [{ id: "direct", name: t("matrix.direct"), type: "bar", color: "#0072b2",
          values: flows.map((f) => f.direct),
          tips: flows.map((f) => `${f.label || f.name} · ${fmt(f.direct, 0)} ${f.unit || unit}`) }],
      });
    });
    return [
      el("div", { class: "kpis", id: "matrix-kpis" },
        kpi("matrix.total", fmt(ind.total_value, 0)),
        kpi("matrix.induced", fmt(ind.induced_value, 0)),
        kpi("matrix.synergy", fmt(ind.synergy_index, 3)),
        kpi("matrix.balance", fmt(ind.balance_ratio, 3))),
      el("h3", { i18n: "matrix.flows" }),
      chart,
      el("h2", { i18n: "common.result" }),
      figures([
        { key: "total_value", i18n: "matrix.total", value: ind.total_value, digits: 0 },
        { key: "induced_value", i18n: "matrix.induced", value: ind.induced_value, digits: 0 },
        { key: "synergy_index", i18n: "matrix.synergy", value: ind.synergy_index, digits: 4 },
        { key: "spectral_radius", i18n: "matrix.spectral", value: ind.spectral_radius, digits: 4 },
        { key: "balance_ratio", i18n: "matrix.balance", value: ind.balance_ratio, digits: 3 },
        { key: "balance_ratio_direct", i18n: "matrix.balance_direct", value: ind.balance_ratio_direct, digits: 3 },
        { key: "goods_balance_ratio", i18n: "matrix.goods_balance", value: ind.goods_balance_ratio, digits: 3 },
        ind.diagnosis ? { key: "diagnosis", i18n: "matrix.diagnosis", text: lang() === "en" ? ind.diagnosis.en : ind.diagnosis.zh } : null,
        ind.key_link ? { key: "key_link", i18n: "matrix.key_link", text: `${ind.key_link.from} → ${ind.key_link.to} (${fmt(ind.key_link.elasticity, 4)})` } : null,
        band.total_value ? { key: "band", i18n: "matrix.band", text: `${fmt(band.total_value.p5, 0)} … ${fmt(band.total_value.p95, 0)}` } : null,
      ], { id: "matrix-figures" }),
      el("h3", { i18n: "matrix.flow_table" }),
      el("div", { class: "scroll" }, table([
        { i18n: "matrix.flow", value: (f) => f.label || f.name },
        { i18n: "plan.flow", key: "direction" },
        { i18n: "matrix.direct_yuan", key: "direct", num: true, digits: 0 },
        { i18n: "matrix.first_round", value: (f) => ((ind.flows || {})[f.name] || {}).first_round, num: true, digits: 0 },
        { i18n: "matrix.higher_rounds", value: (f) => ((ind.flows || {})[f.name] || {}).higher_rounds, num: true, digits: 0 },
        { i18n: "ct.source", key: "source" },
      ], flows, { id: "matrix-flow-table", class: "grid stack" })),
      el("h3", { i18n: "matrix.parameters" }),
      el("div", { class: "scroll" }, table([
        { i18n: "matrix.parameter", key: "key" },
        { i18n: "common.value", key: "value", num: true, digits: 4 },
        { i18n: "matrix.unit", key: "unit" },
        { i18n: "ct.source", key: "source" },
      ], Object.entries(res.parameters || {}).map(([key, p]) => ({ key, ...p })), { id: "matrix-parameters", class: "grid stack" })),
      (res.notes || []).map((n) => el("p", { class: "muted" }, n)),
    ];
  },
});
