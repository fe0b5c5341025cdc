// Season synergy: the newest season run (the season's trace events and batches per stage,
// cold-chain alarms); start one.
import { el, kpi, fmt, t } from "./shell.js";
import { genericResult, runPage } from "./runpage.js";
import { mountChart } from "./map.js";

const limit = el("input", { id: "season-limit", type: "number", min: "1", max: "10000", value: "40" });

await runPage({
  page: "season",
  kind: "season",
  startLabel: "runs.start_season",
  inputs: [el("label", {}, el("span", { i18n: "runs.limit" }), limit)],
  params: () => ({ limit: Number(limit.value) }),
  draw: async (res) => {
    const chart = el("div", { id: "season-stages", class: "chart" });
    const stages = Object.entries(res.stages || {});
    setTimeout(() => {
      const c = mountChart(chart);
      c.setOption({
        tooltip: { trigger: "axis" },
        grid: { left: 50, right: 20, bottom: 60 },
        xAxis: { type: "category", data: stages.map(([k]) => k), axisLabel: { rotate: 30 } },
        yAxis: { type: "value", name: t("season.batches") },
        series: [{ id: "stages", type: "bar", name: t("season.batches"), data: stages.map(([, v]) => v) }],
      });
    });
    return [
      el("div", { class: "kpis", id: "season-kpis" },
        kpi("season.events", fmt(res.n_events, 0)),
        kpi("season.batches", fmt(res.n_batches, 0)),
        kpi("season.planned", fmt(res.planned_journeys, 0)),
        kpi("season.alarms", `${fmt(res.alarm_events, 0)} / ${fmt(res.alarm_readings, 0)}`)),
      el("h3", { i18n: "season.by_stage" }),
      chart,
      ...genericResult(res),
    ];
  },
});
