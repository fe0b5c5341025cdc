// Cooperative contracts and statements: per cooperative the contracts its members signed (terms
// with units, the price-risk fund), the simulated outcome of those designs in the newest
// `contracts` run (farmer income, buyer margin, households under the poverty line, verdict),
// each member's settled amounts (yuan) with the bilingual statement, and what the stations took
// in from the members. A cooperative user sees only its own cooperative (the API enforces it);
// a county admin picks one and can start a contracts run and follow its progress.
import { api, clearProblem, showProblem } from "./api.js";
import { boot, el, fmt, follow, kpi, param, problemBox, rendered, statusText, table, ready } from "./shell.js";

// contracts.csv terms: label key and unit ("" for a share shown as %)
const TERMS = {
  price_yuan_per_kg: ["ct.t.price", "yuan/kg"],
  floor_yuan_per_kg: ["ct.t.floor", "yuan/kg"],
  upside_share: ["ct.t.upside", "%"],
  cap_yuan_per_kg: ["ct.t.cap", "yuan/kg"],
  dividend_share: ["ct.t.dividend", "%"],
  guaranteed_yuan_per_share: ["ct.t.guaranteed", "yuan/share"],
  penalty_yuan_per_kg: ["ct.t.penalty", "yuan/kg"],
  buyer_cost_yuan_per_kg: ["ct.t.buyer_cost", "yuan/kg"],
  grade_factors: ["ct.t.grades", ""],
  fund_yuan_per_kg: ["ct.t.fund_levy", "yuan/kg"],
  fund_trigger_yuan_per_kg: ["ct.t.fund_trigger", "yuan/kg"],
  fund_farmer_share: ["ct.t.fund_farmer", "%"],
  fund_buyer_share: ["ct.t.fund_buyer", "%"],
  fund_government_share: ["ct.t.fund_government", "%"],
  fund_payout_share: ["ct.t.fund_payout", "%"],
  fund_cap_share: ["ct.t.fund_cap", "%"],
  fund_opening_yuan: ["ct.t.fund_opening", "yuan"],
};
const UNIT = { "yuan/kg": "unit.yuan_per_kg", yuan: "unit.yuan", "yuan/share": "unit.yuan_per_share" };

function termValue(key, v) {
  const [, unit] = TERMS[key] || ["", ""];
  if (unit === "%") return `${fmt(100 * Number(v), 1)} %`;
  if (UNIT[unit]) return el("span", {}, `${v} `, el("span", { i18n: UNIT[unit] }));
  return String(v);
}

// A text node: table() formats plain numbers itself, a node is shown as it is.
const txt = (s) => document.createTextNode(s);
const yuan = (fen) => txt(fen === null || fen === undefined ? "—" : fmt(fen / 100, 2));
const val = (s) => (s && typeof s === "object" ? s.value : s);

const me = await boot("contracts");
if (me) {
  const a = me.county;
  const main = document.getElementById("main");
  const box = problemBox("contracts-problem");
  try {
    const coops = (await api(`/counties/${a}/cooperatives`)).data;
    const coop = param("coop") || (me.role === "cooperative" ? me.scope : coops[0]);
    const load = async () => (coop
      ? Promise.all([
        api(`/counties/${a}/cooperatives/${coop}/members`),
        api(`/counties/${a}/cooperatives/${coop}/batches`),
        api(`/counties/${a}/cooperatives/${coop}/contracts`),
        api(`/counties/${a}/cooperatives/${coop}/settlement`),
        api(`/counties/${a}/cooperatives/${coop}/statements`),
      ])
      : [{ data: [] }, { data: [] }, { data: [] }, null, { data: [] }]);
    let data = await load();
    const control = me.role === "county_admin" ? runControl(a, async () => { data = await load(); await paint(); }) : null;
    const paint = async () => draw(main, me, coops, coop, data, control);
    await rendered(paint);
  } catch (err) {
    main.replaceChildren(el("h1", { i18n: "page.contracts" }), box);
    showProblem(box, err);
    ready();
  }
}

// The county admin's contracts run: Monte Carlo paths, start, progress, cancel.
function runControl(a, onDone) {
  const box = problemBox("run-problem");
  const paths = el("input", { id: "ct-paths", type: "number", min: "100", max: "200000", value: "2000" });
  const progress = el("progress", { id: "run-progress", max: "1", value: "0" });
  const status = el("div", { id: "run-status", "aria-live": "polite" });
  const start = el("button", { type: "button", id: "start-contracts", class: "primary", i18n: "runs.start_contracts" });
  const cancel = el("button", { type: "button", id: "cancel-contracts", hidden: true, i18n: "runs.cancel" });
  let active = null;
  const show = (r) => {
    progress.value = r.progress;
    status.dataset.status = r.status;
    status.replaceChildren(statusText(r.status), " ", el("span", { class: "muted" }, r.message || ""), ` · v${r.version}`);
  };
  cancel.addEventListener("click", async () => {
    if (!active) return;
    try { show(await api(`/counties/${a}/runs/${active}/cancel`, { method: "POST" })); } catch (err) { showProblem(box, err); }
  });
  start.addEventListener("click", async () => {
    clearProblem(box);
    start.disabled = true;
    try {
      const r = await api(`/counties/${a}/runs`, { method: "POST", json: { kind: "contracts", params: { paths: Number(paths.value), seasons: 1 } } });
      show(r);
      active = r.id;
      cancel.hidden = false;
      const end = await follow(a, r.id, show);
      active = null;
      cancel.hidden = true;
      if (end.status === "done") await onDone(); else showProblem(box, new Error(end.message || end.status));
    } catch (err) {
      showProblem(box, err);
    } finally {
      start.disabled = false;
    }
  });
  return el("section", { class: "card no-print", id: "contracts-run" },
    el("div", { class: "controls" }, el("label", {}, el("span", { i18n: "ct.paths" }), paths), start, cancel),
    progress, status, box);
}

function draw(main, me, coops, coop, [members, batches, contracts, settlement, statements], control) {
  const names = Object.fromEntries(members.data.map((m) => [m.farmer, m.name]));
  main.replaceChildren(
    el("h1", {}, el("span", { i18n: "page.contracts" }), coop ? ` · ${coop}` : ""),
    el("div", { class: "controls" }, el("label", {}, el("span", { i18n: "ct.coop" }),
      el("select", { id: "coop-pick", onchange: (e) => location.assign(`/app/contracts?coop=${e.target.value}`) },
        coops.map((c) => el("option", { value: c, selected: c === coop }, c))))),
    control || "",
    el("h2", { i18n: "ct.contracts" }),
    contractCards(contracts.data),
    el("h2", { i18n: "ct.designs" }),
    designs(settlement),
    el("h2", { i18n: "ct.settled" }),
    settled(settlement, statements, names),
    el("h2", { i18n: "ct.statement" }),
    intake(batches.data, names),
    el("h2", { i18n: "ct.members" }),
    table([
      { i18n: "ct.farmer", key: "farmer" }, { i18n: "ct.member_name", key: "name" }, { i18n: "ct.village", key: "village" },
    ], members.data, { id: "members", class: "grid stack" }),
  );
}

function contractCards(list) {
  if (!list.length) return el("p", { class: "muted", id: "contracts-none", i18n: "ct.no_contracts" });
  return el("div", { id: "contracts", class: "cards" }, list.map((c) => {
    const rows = Object.entries(c.terms).filter(([k]) => TERMS[k]).map(([k, v]) => ({ k, v }));
    const fund = c.fund ? Object.entries(c.fund).filter(([k]) => TERMS[k]).map(([k, v]) => ({ k, v })) : [];
    const term = (r) => el("tr", {}, el("th", { i18n: TERMS[r.k][0] }), el("td", { class: "num" }, termValue(r.k, r.v)));
    return el("section", { class: "card contract", dataset: { contract: c.contract } },
      el("h3", {}, `${c.contract} · `, el("span", { i18n: `ct.type.${c.type}` }), ` · ${c.product}`),
      rows.length ? el("table", { class: "terms" }, el("tbody", {}, rows.map(term))) : el("p", { class: "muted", i18n: "ct.market_price" }),
      c.fund ? [el("h4", {}, el("span", { i18n: "ct.fund" }), ` ${c.fund.id}`), el("table", { class: "terms" }, el("tbody", {}, fund.map(term)))] : "",
      el("p", { class: "muted" }, el("span", { i18n: "ct.source" }), `: ${c.source}`),
      table([
        { i18n: "ct.farmer", key: "farmer" },
        { i18n: "ct.member_name", key: "farmer_name" },
        { i18n: "ct.contracted_kg", value: (m) => (m.contracted_kg ? fmt(m.contracted_kg, 1) : "—") },
        { i18n: "ct.shares", value: (m) => (m.shares ? fmt(m.shares, 2) : "—") },
      ], c.members, { class: "grid stack signatures" }));
  }));
}

function designs(s) {
  if (!s || !s.run) return el("p", { class: "muted", id: "designs-none", i18n: "ct.no_run" });
  const workable = new Set((s.verdict || {}).workable || []);
  const pct = (x) => txt(x === null || x === undefined ? "—" : `${fmt(100 * x, 1)} %`);
  return el("div", {},
    el("p", { class: "muted" }, el("span", { i18n: "common.latest_run" }),
      `: v${s.version} · ${s.finished_at ? s.finished_at.slice(0, 19) : ""} · `,
      el("span", { i18n: "ct.paths" }), ` ${fmt(s.paths, 0)} · `, el("span", { i18n: "ct.poverty_line" }),
      ` ${fmt(s.farm.poverty_line_yuan_per_person, 0)} `, el("span", { i18n: "unit.yuan_per_person" })),
    el("div", { class: "scroll" }, table([
      { i18n: "ct.design", value: (d) => el("span", { title: d.terms }, d.name) },
      { i18n: "ct.income_mean", value: (d) => val(d.income_mean), num: true, digits: 0 },
      { i18n: "ct.income_p5", value: (d) => val(d.income_p5), num: true, digits: 0 },
      { i18n: "ct.margin_mean", value: (d) => val(d.margin_mean), num: true, digits: 0 },
      { i18n: "ct.buyer_loss", value: (d) => pct(val(d.buyer_loss)), num: true },
      { i18n: "ct.poverty", value: (d) => pct(val(d.poverty)), num: true },
      { i18n: "ct.fulfilment", value: (d) => pct(val(d.fulfilment_mean)), num: true },
      { i18n: "ct.verdict", value: (d) => el("span", { class: workable.has(d.id) ? "ok" : "bad", dataset: { verdict: workable.has(d.id) ? "workable" : "not" }, i18n: workable.has(d.id) ? "ct.workable" : "ct.not_workable" }) },
    ], s.designs, { id: "designs", class: "grid stack" })),
    ((s.verdict || {}).reasons || []).map((r) => el("p", { class: "muted" }, r)),
  );
}

function settled(s, statements, names) {
  if (!s || !s.run) return el("p", { class: "muted", i18n: "ct.no_run" });
  if (s.settlement_note) return el("p", { class: "muted", id: "settlement-note" }, s.settlement_note);
  const text = Object.fromEntries(statements.data.map((x) => [x.farmer, x.text]));
  const rows = s.farmers;
  const total = rows.reduce((acc, r) => acc + r.net_fen, 0);
  return el("div", {},
    el("div", { class: "kpis" },
      kpi("ct.members_settled", fmt(rows.length, 0)),
      kpi("ct.net_total", el("span", {}, yuan(total), " ", el("span", { i18n: "unit.yuan" })), { id: "net-total" })),
    el("div", { class: "scroll" }, table([
      { i18n: "ct.farmer", key: "farmer" },
      { i18n: "ct.member_name", value: (r) => r.name || names[r.farmer] || "" },
      { i18n: "ct.contract", key: "contract" },
      { i18n: "ct.delivered_kg", value: (r) => Number(r.kg), num: true },
      { i18n: "ct.purchase", value: (r) => yuan(r.purchase_fen), num: true },
      { i18n: "ct.contribution", value: (r) => yuan(r.contribution_fen), num: true },
      { i18n: "ct.payout", value: (r) => yuan(r.payout_fen + r.guaranteed_fen), num: true },
      { i18n: "ct.dividend_paid", value: (r) => yuan(r.dividend_fen), num: true },
      { i18n: "ct.penalty", value: (r) => yuan(r.penalty_fen), num: true },
      { i18n: "ct.net", value: (r) => yuan(r.net_fen), num: true },
    ], rows, { id: "settled", class: "grid stack" })),
    el("div", { id: "statement-texts" }, rows.filter((r) => text[r.farmer]).map((r) =>
      el("details", { class: "statement", dataset: { farmer: r.farmer } },
        el("summary", {}, el("span", { i18n: "ct.statement_of" }), ` ${r.farmer}`),
        el("pre", {}, text[r.farmer])))),
  );
}

function intake(batches, names) {
  const by = new Map();
  for (const b of batches) {
    const s = by.get(b.farmer) || { farmer: b.farmer, records: 0, kg: 0, parts: new Map() };
    s.records += 1;
    s.kg += b.kg;
    const k = `${b.product}/${b.grade}`;
    s.parts.set(k, (s.parts.get(k) || 0) + b.kg);
    by.set(b.farmer, s);
  }
  const rows = [...by.values()].sort((x, y) => y.kg - x.kg);
  return rows.length ? table([
    { i18n: "ct.farmer", key: "farmer" },
    { i18n: "ct.member_name", value: (r) => names[r.farmer] || "" },
    { i18n: "ct.records", key: "records", num: true, digits: 0 },
    { i18n: "ct.total_kg", key: "kg", num: true },
    { i18n: "ct.by_product", value: (r) => [...r.parts].map(([k, v]) => `${k}: ${fmt(v, 1)} kg`).join("; ") },
  ], rows, { id: "statements", class: "grid stack" }) : el("p", { class: "muted", i18n: "common.none" });
}

