// Season synergy: the newest season run (the season's trace events and batches per stage,
// cold-chain alarms); start one.
import { el, kpi, fmt, t, table } from "./shell.js";
import { figures, runPage } from "./runpage.js";
import { mountFigure } from "./figures.js";

const STAGES = ["harvest", "grading", "precooling", "storage", "packing", "shipping", "transport", "receiving", "sale"];
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
      const names = stages.map(([k]) => (STAGES.includes(k) ? t(`stage.${k}`) : k));
      mountFigure(chart, {
        kind: "xy",
        categories: names,
        xRotate: 30,
        axes: [{ name: t("season.batches") }],
        series: [{ id: "stages", name: t("season.batches"), type: "bar", color: "#1f6f5c",
          values: stages.map(([, v]) => v), tips: stages.map(([, v], i) => `${names[i]} · ${fmt(v, 0)}`) }],
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
      el("h2", { i18n: "common.result" }),
      figures([
        { key: "n_events", i18n: "season.events", value: res.n_events, digits: 0 },
        { key: "n_batches", i18n: "season.batches", value: res.n_batches, digits: 0 },
        { key: "planned_journeys", i18n: "season.planned", value: res.planned_journeys, digits: 0 },
        { key: "alarm_events", i18n: "season.alarm_events", value: res.alarm_events, digits: 0 },
        { key: "alarm_readings", i18n: "season.alarm_readings", value: res.alarm_readings, digits: 0 },
        ...stages.map(([k, v]) => ({ key: `stage.${k}`, i18n: STAGES.includes(k) ? `season.stage.${k}` : "season.stage.other", value: v, digits: 0 })),
      ], { id: "season-figures" }),
      el("h3", { i18n: "season.batch_list" }),
      el("div", { class: "scroll" }, table([
        { i18n: "tr.batch", value: (b) => el("a", { href: `/app/trace?batch=${encodeURIComponent(b.batch)}` }, b.batch) },
        { i18n: "common.day", key: "day" },
        { i18n: "st.product", key: "product" },
        { i18n: "plan.village", key: "village" },
        { i18n: "st.kg", key: "kg", num: true },
        { i18n: "tr.lot", key: "lot_number" },
        { i18n: "season.graded", value: (b) => document.createTextNode(String((b.graded || []).length)), num: true },
        { i18n: "season.journey", value: (b) => el("span", { i18n: b.journey ? "season.journey_yes" : "season.journey_no" }) },
      ], (res.batches || []).slice(0, 200), { id: "season-batches", class: "grid stack" })),
    ];
  },
});
