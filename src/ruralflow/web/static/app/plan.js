// Today's plan: the newest finished plan run on the county map (routes per vehicle, bus
// consignments, what is not carried and why) and a button that starts a new plan run
// (POST /counties/{adcode}/runs) and follows its progress.
import { api, showProblem, clearProblem } from "./api.js";
import { applyI18n } from "./i18n.js";
import { boot, el, fmt, follow, kpi, problemBox, rendered, statusText, table, t } from "./shell.js";
import { boxNote, countyGeo } from "./map.js";
import { mountFigure } from "./figures.js";

const PALETTE = ["#1f6f5c", "#c2410c", "#2563eb", "#9333ea", "#ca8a04", "#0891b2", "#be123c",
  "#4d7c0f", "#7c2d12", "#1e3a8a", "#a21caf", "#15803d", "#b45309", "#0e7490"];

const me = await boot("plan");
if (me) {
  const a = me.county;
  const main = document.getElementById("main");
  const box = problemBox("plan-problem");
  const flows = await api(`/counties/${a}/flows`).catch(() => null);
  const geo = await countyGeo(a);
  const state = { run: null, active: null };

  // Days with flows to plan (a day with only station intake has nothing to carry yet).
  const planDays = (flows ? flows.days : []).filter((d) => d.down_parcels + d.up_batches > 0);
  const busiest = planDays.reduce((b, d) => (!b || d.down_kg + d.up_kg > b.down_kg + b.up_kg ? d : b), null);
  const dayDefault = planDays.some((d) => d.day === flows.day) ? flows.day : busiest && busiest.day;
  const daySel = el("select", { id: "plan-day" },
    planDays.map((d) => el("option", { value: d.day, selected: d.day === dayDefault }, d.day)));
  const limit = el("input", { id: "plan-time-limit", type: "number", min: "1", max: "300", step: "1", value: "5" });
  const startBtn = el("button", { type: "button", id: "start-plan", class: "primary", i18n: "plan.start" });
  const cancelBtn = el("button", { type: "button", id: "cancel-plan", hidden: true, i18n: "runs.cancel" });
  const progress = el("progress", { id: "run-progress", max: "1", value: "0" });
  const status = el("div", { id: "run-status", "aria-live": "polite" });
  const controls = el("section", { class: "card no-print" },
    el("h2", { i18n: "plan.controls" }),
    el("div", { class: "controls" },
      el("label", {}, el("span", { i18n: "common.day" }), daySel),
      el("label", {}, el("span", { i18n: "plan.time_limit" }), limit),
      startBtn, cancelBtn),
    el("label", {}, el("span", { i18n: "plan.progress" }), progress),
    status, box);
  const mapDiv = el("div", { id: "plan-map", class: "chart map" });
  const body = el("div", { id: "plan-body" });
  main.replaceChildren(el("h1", { i18n: "page.plan" }), controls, el("h2", { i18n: "plan.map" }), boxNote(geo), mapDiv, body);

  const showRun = (run) => {
    progress.value = run.progress;
    status.replaceChildren(statusText(run.status), " ", el("span", { class: "muted" }, run.message || ""),
      " · v", String(run.version), " · ", run.params.day || "");
    status.dataset.status = run.status;
    status.dataset.run = run.id;
  };

  const draw = () => render(mapDiv, body, geo, state.run);

  cancelBtn.addEventListener("click", async () => {
    if (!state.active) return;
    try {
      showRun(await api(`/counties/${a}/runs/${state.active}/cancel`, { method: "POST" }));
    } catch (err) {
      showProblem(box, err);
    }
  });

  startBtn.addEventListener("click", async () => {
    clearProblem(box);
    startBtn.disabled = true;
    try {
      const run = await api(`/counties/${a}/runs`, {
        method: "POST",
        json: { kind: "plan", params: { day: daySel.value, time_limit_s: Number(limit.value) } },
      });
      showRun(run);
      state.active = run.id;
      cancelBtn.hidden = false;
      const end = await follow(a, run.id, showRun);
      state.active = null;
      cancelBtn.hidden = true;
      if (end.status === "done") {
        state.run = end;
        await draw();
        applyI18n();
      } else {
        showProblem(box, new Error(end.message || end.status));
      }
    } catch (err) {
      showProblem(box, err);
    } finally {
      startBtn.disabled = false;
    }
  });

  const list = await api(`/counties/${a}/runs?kind=plan`);
  const done = list.data.find((r) => r.status === "done");
  if (done) {
    state.run = await api(`/counties/${a}/runs/${done.id}`);
    showRun(state.run);
  }
  await rendered(draw);
}

function placeName(res, id) {
  const p = res.places[id];
  return p ? `${p.name} (${id})` : id;
}

function coord(res, id) {
  const p = res.places[id];
  return p ? [p.lon, p.lat] : null;
}

// The plan's map as a figure spec (figures.js draws it, as the report's logistics map): one
// `lines` layer per vehicle (series id `route:{vehicle}`), the bus legs, what is not carried.
function planLayers(res) {
  const stations = Object.entries(res.places).filter(([, p]) => p.kind !== "village");
  const layers = [{
    id: "places", name: t("plan.legend_places"), type: "points", size: 7, color: "#334155",
    data: stations.map(([id, p]) => ({ id, name: p.name, value: [p.lon, p.lat], tip: `${p.name} (${id})` })),
  }];
  res.routes.forEach((r, i) => {
    const trips = new Map();
    const add = (tr, c) => (trips.get(tr) || trips.set(tr, []).get(tr)).push(c);
    for (const st of r.stops) {
      const tr = st.trip || 0;
      const c = coord(res, st.place);
      if (!c) continue;
      // hub stops close one trip and open the next: put them on both
      if (st.kind === "hub") {
        if (tr) add(tr, c);
        add(tr + 1, c);
      } else add(tr, c);
    }
    const tip = `${r.vehicle} · ${r.vehicle_type} · ${fmt(r.km, 1)} km · ${r.start}—${r.end}`;
    layers.push({
      id: `route:${r.vehicle}`, name: r.vehicle, type: "lines", color: PALETTE[i % PALETTE.length], width: 2,
      data: [...trips.values()].filter((c) => c.length > 1).map((coords) => ({ name: r.vehicle, coords, tip })),
    });
  });
  layers.push({
    id: "bus", name: t("plan.legend_bus"), type: "lines", color: "#111827", width: 2, dashed: true,
    data: res.bus_consignments
      .map((b) => ({
        name: b.run,
        coords: [coord(res, b.board), coord(res, b.alight)].filter(Boolean),
        tip: `${b.run} · ${placeName(res, b.board)} ${b.board_time} → ${placeName(res, b.alight)} ${b.alight_time} · ${fmt(b.kg, 1)} kg`,
      }))
      .filter((d) => d.coords.length === 2),
  });
  layers.push({
    id: "not-carried", name: t("plan.legend_nc"), type: "points", symbol: "diamond", size: 12, color: "#b42318",
    data: res.not_carried
      .map((n) => ({ name: n.reason, value: coord(res, n.village), tip: `${placeName(res, n.village)} · ${fmt(n.kg, 1)} kg · ${n.reason}` }))
      .filter((d) => d.value),
  });
  return layers;
}

async function render(mapDiv, body, geo, run) {
  const res = run ? run.result : null;
  mountFigure(mapDiv, { kind: "map", geo, layers: res ? planLayers(res) : [] });
  mapDiv.dataset.routes = String(res ? res.routes.length : 0);
  if (!res) {
    body.replaceChildren(el("p", { class: "muted", id: "no-plan", i18n: "common.no_run" }));
    return;
  }
  const nc = res.totals.not_carried;
  body.replaceChildren(
    el("h2", {}, el("span", { i18n: "plan.kpis" }), ` · ${res.day} · v${run.version}`),
    el("div", { class: "kpis", id: "plan-kpis" },
      kpi("plan.total_cost", fmt(res.costs.total_yuan, 0)),
      kpi("plan.transport_cost", fmt(res.costs.transport_yuan, 0)),
      kpi("plan.km", fmt(res.km, 1)),
      kpi("plan.vehicles_used", fmt(res.vehicles, 0)),
      kpi("plan.trips", fmt(res.trips, 0)),
      kpi("plan.co2", fmt(res.co2_kg, 1)),
      kpi("plan.carried_kg", fmt(res.totals.carried.down_kg + res.totals.carried.up_kg, 1)),
      kpi("plan.not_carried_kg", fmt(nc.down_kg + nc.up_kg, 1)),
    ),
    el("h2", { i18n: "plan.routes" }),
    el("div", { class: "scroll" }, table([
      { i18n: "plan.vehicle", key: "vehicle" },
      { i18n: "plan.vehicle_type", key: "vehicle_type" },
      { i18n: "plan.temp", key: "temperature_class" },
      { i18n: "plan.trips", key: "trips", num: true, digits: 0 },
      { i18n: "plan.stops", value: (r) => r.stops.filter((s) => s.kind !== "hub").length, num: true, digits: 0 },
      { i18n: "plan.km", key: "km", num: true },
      { i18n: "plan.time", value: (r) => `${r.start}—${r.end}` },
      { i18n: "plan.sheet", value: (r) => el("a", { href: `/app/sheets?run=${run.id}&vehicle=${encodeURIComponent(r.vehicle)}`, i18n: "plan.sheet" }) },
    ], res.routes, { id: "routes", class: "grid stack" })),
    el("h2", { i18n: "plan.bus" }),
    res.bus_consignments.length ? el("div", { class: "scroll" }, table([
      { i18n: "plan.bus_run", key: "run" },
      { i18n: "plan.flow", key: "flow" },
      { i18n: "plan.board", value: (b) => `${placeName(res, b.board)} ${b.board_time}` },
      { i18n: "plan.alight", value: (b) => `${placeName(res, b.alight)} ${b.alight_time}` },
      { i18n: "plan.pieces", key: "pieces", num: true, digits: 0 },
      { i18n: "st.kg", key: "kg", num: true },
      { i18n: "plan.fee", key: "fee_yuan", num: true, digits: 2 },
    ], res.bus_consignments, { id: "bus", class: "grid stack" })) : el("p", { class: "muted", i18n: "common.none" }),
    el("h2", { i18n: "plan.not_carried" }),
    res.not_carried.length ? el("div", { class: "scroll" }, table([
      { i18n: "plan.village", value: (n) => placeName(res, n.village) },
      { i18n: "plan.item", value: (n) => n.batch || n.item },
      { i18n: "plan.flow", key: "flow" },
      { i18n: "st.kg", key: "kg", num: true },
      { i18n: "plan.reason", value: (n) => `${n.reason_kind}: ${n.reason}` },
    ], res.not_carried, { id: "not-carried", class: "grid stack" })) : el("p", { class: "ok", id: "all-carried", i18n: "plan.all_carried" }),
  );
}
