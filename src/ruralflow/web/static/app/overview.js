// County overview: the county's figures (GET /counties/{adcode}), the day's flows per station,
// the fleet and the latest intake (GET /counties/{adcode}/flows), and the latest plan.
import { api } from "./api.js";
import { lang } from "./i18n.js";
import { boot, el, fmt, kpi, latestRun, param, problemBox, rendered, table, t, ready } from "./shell.js";
import { showProblem } from "./api.js";
import { mountFigure } from "./figures.js";

const me = await boot("overview");
if (me) {
  const main = document.getElementById("main");
  const box = problemBox("overview-problem");
  const a = me.county;
  let county, flows, plan;
  try {
    const day = param("day");
    [county, flows, plan] = await Promise.all([
      api(`/counties/${a}`),
      api(`/counties/${a}/flows${day ? `?day=${encodeURIComponent(day)}` : ""}`),
      latestRun(a, "plan"),
    ]);
  } catch (err) {
    main.replaceChildren(el("h1", { i18n: "page.overview" }), box);
    showProblem(box, err);
    ready();
  }
  if (county) await rendered(() => draw(main, county, flows, plan));
}

function draw(main, c, f, plan) {
  const places = c.places || {};
  const dayTotals = f.stations.reduce(
    (s, r) => ({
      dp: s.dp + r.down_parcels, dk: s.dk + r.down_kg, uk: s.uk + r.up_kg, ub: s.ub + r.up_batches,
      ir: s.ir + r.intake_records, ik: s.ik + r.intake_kg,
    }),
    { dp: 0, dk: 0, uk: 0, ub: 0, ir: 0, ik: 0 },
  );
  const daySel = el("select", { id: "flow-day", onchange: (e) => location.assign(`/app/overview?day=${e.target.value}`) },
    f.days.map((d) => el("option", { value: d.day, selected: d.day === f.day }, d.day)));
  const chart = el("div", { id: "flow-chart", class: "chart" });
  main.replaceChildren(
    el("h1", {}, el("span", { i18n: "page.overview" }), " · ", lang() === "en" && c.name_en ? c.name_en : c.name, ` (${c.adcode})`),
    el("h2", { i18n: "ov.summary" }),
    el("div", { class: "kpis", id: "county-kpis" },
      kpi("ov.stations", fmt(places.township_station || 0, 0)),
      kpi("ov.villages", fmt(places.village || 0, 0)),
      kpi("ov.products", fmt(c.products, 0)),
      kpi("ov.vehicles", fmt(c.vehicles, 0)),
      kpi("ov.bus_lines", fmt(c.bus_lines, 0)),
      kpi("ov.down_parcels", fmt(c.down_parcels, 0)),
      kpi("ov.up_kg", fmt(c.up_kg, 1)),
      kpi("ov.intake_records", fmt(c.intake_records, 0), { id: "kpi-intake" }),
    ),
    el("h2", {}, el("span", { i18n: "ov.flows" }), " ", el("span", { class: "muted", i18n: `ov.day_rule.${f.day_rule}` })),
    el("div", { class: "controls no-print" }, el("label", {}, el("span", { i18n: "common.day" }), daySel)),
    el("div", { class: "kpis", id: "day-kpis" },
      kpi("ov.day_down_parcels", fmt(dayTotals.dp, 0)),
      kpi("ov.day_down_kg", fmt(dayTotals.dk, 1)),
      kpi("ov.day_up_batches", fmt(dayTotals.ub, 0)),
      kpi("ov.day_up_kg", fmt(dayTotals.uk, 1)),
      kpi("ov.day_intake", fmt(dayTotals.ir, 0)),
      kpi("ov.day_intake_kg", fmt(dayTotals.ik, 1)),
    ),
    el("h3", { i18n: "ov.chart" }),
    chart,
    el("div", { class: "scroll" }, table([
      { i18n: "common.station", key: "station" },
      { i18n: "common.name", key: "name" },
      { i18n: "ov.villages_n", key: "villages", num: true, digits: 0 },
      { i18n: "ov.day_down_parcels", key: "down_parcels", num: true, digits: 0 },
      { i18n: "ov.day_down_kg", key: "down_kg", num: true },
      { i18n: "ov.day_up_batches", key: "up_batches", num: true, digits: 0 },
      { i18n: "ov.day_up_kg", key: "up_kg", num: true },
      { i18n: "ov.day_intake", key: "intake_records", num: true, digits: 0 },
      { i18n: "ov.day_intake_kg", key: "intake_kg", num: true },
    ], f.stations, { id: "station-flows", class: "grid stack" })),
    el("div", { class: "cols" },
      el("section", {},
        el("h2", { i18n: "ov.fleet" }),
        table([
          { i18n: "ov.type", value: (v) => `${v.name} (${v.id})` },
          { i18n: "ov.count", key: "count", num: true, digits: 0 },
          { i18n: "ov.capacity", key: "capacity_kg", num: true, digits: 0 },
          { i18n: "ov.temp", key: "temperature_class" },
        ], f.fleet, { id: "fleet", class: "grid stack" }),
        el("h2", { i18n: "ov.latest_plan" }),
        plan ? el("div", { class: "kpis", id: "plan-kpis" },
          kpi("plan.run_of", plan.result.day),
          kpi("plan.total_cost", fmt(plan.result.costs.total_yuan, 0)),
          kpi("plan.km", fmt(plan.result.km, 1)),
          kpi("plan.vehicles_used", fmt(plan.result.vehicles, 0)),
          kpi("plan.not_carried_kg", fmt(plan.result.totals.not_carried.down_kg + plan.result.totals.not_carried.up_kg, 1)),
        ) : el("p", { class: "muted", i18n: "common.no_run" }),
      ),
      el("section", {},
        el("h2", { i18n: "ov.recent" }),
        f.recent_intake.length ? table([
          { i18n: "common.day", key: "day" },
          { i18n: "common.station", key: "station" },
          { i18n: "st.product", key: "product" },
          { i18n: "st.kg", key: "kg", num: true },
          { i18n: "st.farmer", key: "farmer" },
          { i18n: "st.grade", key: "grade" },
          { i18n: "common.version", key: "version", num: true, digits: 0 },
          { i18n: "common.recorded_by", key: "recorded_by" },
        ], f.recent_intake, { id: "recent-intake", class: "grid stack" }) : el("p", { class: "muted", i18n: "common.none" }),
      ),
    ),
  );
  const kg = (label, v) => `${label} · ${fmt(v, 1)} kg`;
  mountFigure(chart, {
    kind: "xy",
    categories: f.stations.map((s) => s.name),
    xRotate: 45,
    axes: [{ name: "kg" }],
    series: [
      { id: "down", name: t("ov.day_down_kg"), type: "bar", color: "#2563eb", values: f.stations.map((s) => s.down_kg),
        tips: f.stations.map((s) => kg(`${s.name} · ${t("ov.day_down_kg")}`, s.down_kg)) },
      { id: "up", name: t("ov.day_up_kg"), type: "bar", color: "#1f6f5c", values: f.stations.map((s) => s.up_kg),
        tips: f.stations.map((s) => kg(`${s.name} · ${t("ov.day_up_kg")}`, s.up_kg)) },
    ],
  });
}
