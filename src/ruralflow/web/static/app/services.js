// A station's public services ledger (issue 19 item 4, docs/centre.md): per day each service's
// count, fee and income, the day's service income beside its parcel income, and a mobile-first
// form for today's counts (POST .../stations/{place}/services; the API's messages are shown at
// the fields, as on the station page). County admins get a station picker, every station's
// season (GET .../services) and the service gaps (GET .../services/gaps).
import { api, ApiError, clearProblem, showProblem } from "./api.js";
import { applyI18n } from "./i18n.js";
import { yuan } from "./centre-ui.js";
import { boot, el, fmt, kpi, param, problemBox, ready, rendered, table } from "./shell.js";

const SERVICES = ["parcels", "payments", "bills", "topups", "repairs", "agri_info"];

// Today in the browser's own time zone (YYYY-MM-DD); the API refuses a day after its today (CST).
const today = () => {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
};

const svcLabel = (s) => el("span", { i18n: `svc.${s}`, dataset: { service: s } });

const me = await boot("services");
if (me) {
  const a = me.county;
  const main = document.getElementById("main");
  const station = param("station") || (me.role === "station_operator" ? me.scope : "");
  const head = el("h1", {}, el("span", { i18n: "page.services" }), station ? ` · ${station}` : "");
  const box = problemBox("services-problem");
  if (me.role === "station_operator" && station !== me.scope) {
    main.replaceChildren(head, el("div", { class: "problem", role: "alert", id: "services-problem", dataset: { status: "403" } },
      el("strong", { i18n: "st.not_yours" })));
    applyI18n();
    ready();
  } else {
    try {
      // Everything is fetched once; a language switch redraws from it (the form keeps what
      // was typed: it is built once and put back).
      const admin = me.role === "county_admin"
        ? await Promise.all([api(`/counties/${a}/places`), api(`/counties/${a}/services`), api(`/counties/${a}/services/gaps`)])
        : null;
      const sv = station ? await stationView(a, station, head) : null;
      await rendered(() => {
        const parts = [head];
        if (admin) {
          const [places, county, gaps] = admin;
          // Township stations, then the villages whose station has a ledger (any village's
          // station can start one at ?station=ID).
          const withLedger = new Set(county.stations.map((r) => r.station));
          const stations = [...places.data.filter((p) => p.kind === "township_station"),
            ...places.data.filter((p) => p.kind === "village" && withLedger.has(p.id))];
          parts.push(el("div", { class: "controls" }, el("label", {}, el("span", { i18n: "st.choose" }),
            el("select", { id: "station-pick", onchange: (e) => location.assign(`/app/services?station=${e.target.value}`) },
              el("option", { value: "" }, "—"),
              stations.map((p) => el("option", { value: p.id, selected: p.id === station }, `${p.name} (${p.id})`))))));
          if (!station) parts.push(...countyView(county, gaps, places.data));
        }
        parts.push(box);
        if (sv) {
          sv.draw();
          parts.push(sv.form, sv.section);
        }
        main.replaceChildren(...parts);
      });
    } catch (err) {
      main.replaceChildren(head, box);
      showProblem(box, err);
      ready();
    }
  }
}

async function stationView(a, station, head) {
  const section = el("section", { id: "ledger-section" });
  let led = await api(`/counties/${a}/stations/${station}/services`);
  const draw = () => {
    head.replaceChildren(el("span", { i18n: "page.services" }), ` · ${led.name} (${led.station})`);
    const sm = led.summary;
    section.replaceChildren(
      el("h2", { i18n: "svc.season" }),
      el("div", { class: "kpis", id: "station-kpis" },
        kpi("svc.days", String(led.count), { id: "kpi-days" }),
        kpi("svc.service_income", sm ? yuan(sm.service_income_yuan) : "—", { id: "kpi-service-income" }),
        kpi("svc.parcel_income", sm ? yuan(sm.parcel_income_yuan) : "—", { id: "kpi-parcel-income" }),
        kpi("svc.share", sm ? `${fmt(100 * sm.service_share, 1)}%` : "—", { id: "kpi-share" })),
      el("p", { class: "hint" }, el("span", { i18n: "svc.parcel_fee" }), ` ${fmt(led.parcel_fee_yuan.value, 2)} · ${led.parcel_fee_yuan.source}`),
      el("h2", { i18n: "svc.ledger" }),
      led.days.length ? table([
        { i18n: "common.day", key: "day" },
        { i18n: "svc.items", value: (d) => el("ul", { class: "plain" }, d.services.map((s) => el("li", { dataset: { service: s.service, count: String(s.count) } },
          svcLabel(s.service), ` ${fmt(s.count, 0)} × ${yuan(s.fee_yuan)} = ${yuan(s.income_yuan)}`))) },
        { i18n: "svc.service_income", key: "service_income_yuan", num: true, digits: 2 },
        { i18n: "svc.parcel_income", key: "parcel_income_yuan", num: true, digits: 2 },
      ], [...led.days].reverse(), { id: "ledger", class: "grid stack" }) : el("p", { class: "muted", id: "ledger", i18n: "svc.no_ledger" }),
    );
  };
  const reload = async () => {
    led = await api(`/counties/${a}/stations/${station}/services`);
    draw();
  };
  return { form: recordForm(a, station, led, reload), section, draw };
}

// The day's counts, one count and fee field per service; only services with a count are sent.
function recordForm(a, station, led, reload) {
  const last = {};
  for (const d of led.days) for (const s of d.services) last[s.service] = s.fee_yuan;
  const day = el("input", { id: "svc-day", name: "day", type: "date", value: today() });
  const dayErr = el("div", { class: "field-error", dataset: { for: "day" } });
  const inputs = {};
  const rows = SERVICES.map((s) => {
    const count = el("input", { id: `svc-${s}-count`, name: `${s}-count`, type: "number", step: "1", inputmode: "numeric", autocomplete: "off" });
    const fee = el("input", { id: `svc-${s}-fee_yuan`, name: `${s}-fee_yuan`, type: "number", step: "0.01", inputmode: "decimal", autocomplete: "off" });
    if (last[s] !== undefined) fee.value = String(last[s]);
    const err = el("div", { class: "field-error", dataset: { for: s } });
    inputs[s] = { count, fee, err };
    return el("fieldset", { class: "service-row", dataset: { service: s } },
      el("legend", {}, svcLabel(s)),
      el("label", { for: count.id, i18n: "svc.count" }), count,
      el("label", { for: fee.id, i18n: "svc.fee" }), fee, err);
  });
  const pbox = problemBox("record-problem");
  const saved = el("p", { class: "ok", id: "record-saved", hidden: true });
  const submit = el("button", { type: "submit", class: "primary", id: "record-submit", i18n: "svc.record" });
  const form = el("form", { id: "record", class: "form", novalidate: true },
    el("label", { for: "svc-day", i18n: "common.day" }), day, dayErr, rows, pbox, el("div", {}, submit), saved);
  const num = (v) => (v !== "" && !Number.isNaN(Number(v)) ? Number(v) : v);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearProblem(pbox);
    saved.hidden = true;
    for (const e of [dayErr, ...Object.values(inputs).map((i) => i.err)]) e.textContent = "";
    form.querySelectorAll("[aria-invalid]").forEach((n) => n.removeAttribute("aria-invalid"));
    const sent = SERVICES.filter((s) => inputs[s].count.value.trim() !== "");
    const body = { day: day.value, services: sent.map((s) => ({ service: s, count: num(inputs[s].count.value.trim()), fee_yuan: num(inputs[s].fee.value.trim() || "0") })) };
    submit.disabled = true;
    try {
      const r = await api(`/counties/${a}/stations/${station}/services`, { method: "POST", json: body });
      saved.replaceChildren(el("span", { i18n: "svc.saved" }), ` ${r.day} · ${r.services.length} · ${r.recorded_by}`);
      saved.hidden = false;
      for (const s of sent) inputs[s].count.value = "";
      await reload();
      applyI18n();
    } catch (err) {
      showProblem(pbox, err);
      if (err instanceof ApiError && Array.isArray(err.problem.errors)) {
        for (const e of err.problem.errors) {
          const where = String(e.where || "").split("/");
          if (where[1] === "day") {
            dayErr.textContent = e.message;
            day.setAttribute("aria-invalid", "true");
          }
          const i = where.indexOf("services");
          const s = i >= 0 ? sent[Number(where[i + 1])] : undefined;
          if (s) {
            inputs[s].err.textContent = `${err.problem.detail || ""} ${e.message}`.trim();
            (where[i + 2] === "fee_yuan" ? inputs[s].fee : inputs[s].count).setAttribute("aria-invalid", "true");
          }
        }
      }
    } finally {
      submit.disabled = false;
    }
  });
  return el("section", { id: "record-section" }, el("h2", { i18n: "svc.record_title" }), form);
}

function countyView(county, gaps, places) {
  const placeName = Object.fromEntries(places.map((p) => [p.id, p.name]));
  const names = Object.fromEntries(Object.entries(gaps.lacking).map(([id, v]) => [id, v]));
  const svcs = SERVICES.filter((s) => gaps.services[s]);
  return [
    el("h2", { i18n: "svc.stations" }),
    county.stations.length ? table([
      { i18n: "svc.station", value: (r) => el("a", { href: `/app/services?station=${r.station}` }, `${r.name} (${r.station})`) },
      { i18n: "svc.days", key: "days", num: true, digits: 0 },
      { i18n: "svc.service_income", key: "service_income_yuan", num: true, digits: 2 },
      { i18n: "svc.parcels_n", key: "parcels", num: true, digits: 0 },
      { i18n: "svc.parcel_income", key: "parcel_income_yuan", num: true, digits: 2 },
      { i18n: "svc.share", value: (r) => (r.service_share === null || r.service_share === undefined ? "—" : `${fmt(100 * r.service_share, 1)}%`) },
    ], county.stations, { id: "county-stations", class: "grid stack" }) : el("p", { class: "muted", id: "county-stations", i18n: "svc.no_ledger" }),
    el("p", { class: "hint" }, el("span", { i18n: "svc.parcel_fee" }), ` ${fmt(county.parcel_fee_yuan.value, 2)} · ${county.parcel_fee_yuan.source}`),
    el("h2", { i18n: "svc.gaps" }),
    el("p", { class: "hint", i18n: "svc.gaps_hint" }),
    table([
      { i18n: "svc.service", value: (r) => svcLabel(r) },
      { i18n: "svc.n_stations", value: (r) => fmt(gaps.services[r].stations, 0) },
      { i18n: "svc.villages_with", value: (r) => fmt(gaps.services[r].villages_with, 0) },
      { i18n: "svc.villages_lacking", value: (r) => fmt(gaps.services[r].villages_lacking.length, 0) },
      { i18n: "svc.households_lacking", value: (r) => fmt(gaps.services[r].households_lacking, 0) },
      { i18n: "svc.coverage", value: (r) => `${fmt(100 * gaps.services[r].household_coverage, 1)}%` },
      { i18n: "svc.lacking_list", value: (r) => gaps.services[r].villages_lacking.slice(0, 12).map((v) => (names[v] ? names[v].name : v)).join("、") + (gaps.services[r].villages_lacking.length > 12 ? " …" : "") },
    ], svcs, { id: "gaps", class: "grid stack" }),
    el("h2", { i18n: "svc.lacking" }),
    table([
      { i18n: "svc.village", value: (r) => `${r[1].name} (${r[0]})` },
      { i18n: "svc.households", value: (r) => fmt(r[1].households, 0) },
      { i18n: "svc.parent", value: (r) => (placeName[r[1].parent] ? `${placeName[r[1].parent]} (${r[1].parent})` : r[1].parent) },
      { i18n: "svc.missing", value: (r) => el("span", {}, ...svcs.filter((s) => gaps.services[s].villages_lacking.includes(r[0])).flatMap((s, i) => [i ? "、" : "", svcLabel(s)])) },
    ], Object.entries(gaps.lacking).sort((x, y) => y[1].households - x[1].households), { id: "lacking", class: "grid stack" }),
  ];
}
