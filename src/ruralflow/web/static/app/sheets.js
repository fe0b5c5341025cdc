// Route sheets per vehicle (GET /counties/{adcode}/runs/{run}/route-sheets): stops in order with
// times and what to load and unload; printable on A4 (one vehicle a page) and readable on a phone.
import { api, showProblem } from "./api.js";
import { boot, el, fmt, param, problemBox, rendered, t, table, ready } from "./shell.js";

const me = await boot("sheets");
if (me) {
  const a = me.county;
  const main = document.getElementById("main");
  const box = problemBox("sheets-problem");
  try {
    const runs = (await api(`/counties/${a}/runs?kind=plan`)).data.filter((r) => r.status === "done");
    const runId = param("run") || (runs[0] && runs[0].id);
    if (!runId) {
      await rendered(() => main.replaceChildren(el("h1", { i18n: "page.sheets" }), el("p", { class: "muted", i18n: "sheets.no_plan" })));
    } else {
      const [sheets, places] = await Promise.all([
        api(`/counties/${a}/runs/${runId}/route-sheets`),
        api(`/counties/${a}/places`),
      ]);
      const names = Object.fromEntries(places.data.map((p) => [p.id, p.name]));
      await rendered(() => draw(main, runs, runId, sheets, names, param("vehicle")));
    }
  } catch (err) {
    main.replaceChildren(el("h1", { i18n: "page.sheets" }), box);
    showProblem(box, err);
    ready();
  }
}

function goods(list, kg, parcels) {
  const parts = [];
  if (parcels) parts.push(`${fmt(parcels, 0)} ${t("unit.parcels")}`);
  if (kg) parts.push(`${fmt(kg, 1)} kg`);
  if (list && list.length) parts.push(`(${list.length} ${t("unit.items")})`);
  return parts.join(" ") || "—";
}

function draw(main, runs, runId, sheets, names, vehicle) {
  const runSel = el("select", { id: "sheet-run", onchange: (e) => location.assign(`/app/sheets?run=${e.target.value}`) },
    runs.map((r) => el("option", { value: r.id, selected: r.id === runId }, `v${r.version} · ${r.params.day} · ${r.created_at.slice(0, 16)}`)));
  const vehSel = el("select", {
    id: "sheet-vehicle",
    onchange: (e) => location.assign(`/app/sheets?run=${runId}${e.target.value ? `&vehicle=${encodeURIComponent(e.target.value)}` : ""}`),
  }, el("option", { value: "", i18n: "common.all" }), sheets.map((s) => el("option", { value: s.vehicle, selected: s.vehicle === vehicle }, s.vehicle)));
  const shown = vehicle ? sheets.filter((s) => s.vehicle === vehicle) : sheets;
  main.replaceChildren(
    el("h1", { i18n: "page.sheets" }),
    el("div", { class: "controls" },
      el("label", {}, el("span", { i18n: "sheets.run" }), runSel),
      el("label", {}, el("span", { i18n: "sheets.vehicle" }), vehSel),
      el("button", { type: "button", id: "print", i18n: "common.print", onclick: () => window.print() })),
    ...shown.map((s) => el("section", { class: "sheet", dataset: { vehicle: s.vehicle } },
      el("header", {},
        el("h2", {}, el("span", { i18n: "plan.sheet" }), ` · ${s.vehicle}`),
        el("span", {}, `${s.vehicle_type} · ${s.temperature_class}`),
        el("span", {}, `${s.start}—${s.end}`),
        el("span", {}, `${fmt(s.km, 1)} km`),
        el("span", {}, el("span", { i18n: "plan.trips" }), ` ${s.trips}`)),
      table([
        { i18n: "sheets.seq", value: (st) => String(st.seq + 1) },
        { i18n: "sheets.trip", value: (st) => String(st.trip) },
        { i18n: "sheets.arrival", key: "arrival" },
        { i18n: "sheets.departure", key: "departure" },
        { i18n: "sheets.place", value: (st) => `${names[st.place] || st.place} (${st.place})` },
        { i18n: "sheets.unload", value: (st) => goods(st.unload, st.unload_kg, st.unload_parcels) },
        { i18n: "sheets.load", value: (st) => goods(st.load, st.load_kg, st.load_parcels) },
      ], s.stops, { class: "grid stack stops" }),
      el("div", { class: "sign", i18n: "sheets.signature" }))),
  );
}
