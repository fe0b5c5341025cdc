// The value matrix: the newest matrix run's flows (yuan/year, down and up) and indicators; start one.
import { el, fmt, kpi, t } from "./shell.js";
import { genericResult, runPage } from "./runpage.js";
import { mountChart } from "./map.js";

await runPage({
  page: "matrix",
  kind: "matrix",
  startLabel: "runs.start_matrix",
  params: () => ({}),
  draw: async (res) => {
    const flows = Array.isArray(res.flows) ? res.flows : [];
    const ind = res.indicators || {};
    const chart = el("div", { id: "matrix-flows", class: "chart" });
    setTimeout(() => {
      const c = mountChart(chart);
      c.setOption({
        tooltip: { trigger: "axis" },
        grid: { left: 90, right: 20, bottom: 60 },
        xAxis: { type: "category", data: flows.map((f) => f.label || f.name) },
        yAxis: { type: "value", name: flows[0] ? flows[0].unit : "" },
        series: [{ id: "direct", type: "bar", name: t("matrix.direct"), data: flows.map((f) => f.direct) }],
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
      ...genericResult(res),
    ];
  },
});
