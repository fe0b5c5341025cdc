// The talent pipeline (issue 19 item 3, docs/centre.md): per cohort the funnel (enrolled ->
// trained -> practised -> incubated -> linked), each stage's conversion from the one before,
// the overall conversion, the linked graduates' orders, kg and sales (yuan), and the villages
// to invite next (supply but no seller). GET /counties/{a}/talent; county admins.
import { api, showProblem } from "./api.js";
import { yuan } from "./centre-ui.js";
import { boot, el, fmt, kpi, problemBox, ready, rendered, table } from "./shell.js";

const pct = (x) => (x === null || x === undefined ? "—" : `${fmt(100 * x, 1)}%`);

const me = await boot("talent");
if (me) {
  const a = me.county;
  const main = document.getElementById("main");
  const box = problemBox("talent-problem");
  try {
    const tl = await api(`/counties/${a}/talent?invite=10`);
    await rendered(() => draw(main, tl));
  } catch (err) {
    main.replaceChildren(el("h1", { i18n: "page.talent" }), box);
    showProblem(box, err);
    ready();
  }
}

function draw(main, tl) {
  const stages = tl.stages;
  const courses = (tl.labels && tl.labels.courses) || {};
  const sum = (f) => tl.cohorts.reduce((s, c) => s + f(c), 0);
  const first = sum((c) => c.funnel[stages[0]]);
  const last = sum((c) => c.funnel[stages[stages.length - 1]]);
  main.replaceChildren(
    el("h1", { i18n: "page.talent" }),
    el("div", { class: "kpis", id: "talent-kpis" },
      kpi("tl.cohorts", String(tl.cohorts.length), { id: "kpi-cohorts" }),
      stages.map((s) => kpi(`tl.stage.${s}`, fmt(sum((c) => c.funnel[s]), 0), { id: `kpi-stage-${s}`, dataset: { stage: s } })),
      kpi("tl.overall", pct(first ? last / first : null), { id: "kpi-overall" }),
      kpi("tl.sales", yuan(sum((c) => c.sales_yuan)), { id: "kpi-sales" })),
    el("h2", { i18n: "tl.funnel" }),
    el("p", { class: "hint", i18n: "tl.funnel_hint" }),
    table([
      { i18n: "tl.cohort", value: (c) => `${c.name} (${c.cohort})` },
      { i18n: "tl.course", value: (c) => courses[c.course] || c.course },
      { i18n: "tl.period", value: (c) => `${c.start} – ${c.end}` },
      ...stages.map((s, i) => ({
        i18n: `tl.stage.${s}`,
        value: (c) => el("span", { dataset: { stage: s, n: String(c.funnel[s]) } },
          fmt(c.funnel[s], 0), i ? ` (${pct(c.conversion[s])})` : ""),
      })),
      { i18n: "tl.overall", value: (c) => pct(c.overall_conversion) },
      { i18n: "tl.orders", key: "orders", num: true, digits: 0 },
      { i18n: "tl.kg", key: "kg", num: true, digits: 1 },
      { i18n: "tl.sales", key: "sales_yuan", num: true, digits: 2 },
    ], tl.cohorts, { id: "cohorts", class: "grid stack" }),
    el("h2", { i18n: "tl.invite" }),
    el("p", { class: "hint", i18n: "tl.invite_hint" }),
    tl.invite_next.length ? table([
      { i18n: "svc.village", value: (v) => `${v.name} (${v.village})` },
      { i18n: "tl.supply", key: "supply_kg", num: true, digits: 1 },
      { i18n: "tl.trainees", key: "trainees", num: true, digits: 0 },
    ], tl.invite_next, { id: "invite-next", class: "grid stack" }) : el("p", { class: "muted", i18n: "common.none" }),
  );
}
