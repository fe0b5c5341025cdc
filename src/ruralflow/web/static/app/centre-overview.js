// The service centre's overview (GET .../centre/overview): applications by status, the amounts
// granted and paid, and the catalogue analysis of docs/centre.md: policies of different bureaus
// that overlap, applicants funded twice for one purpose, budget by purpose and bureau, and the
// fragmentation of each purpose's money over bureaus (HHI of the bureaus' budget shares).
import { api, showProblem } from "./api.js";
import { APP_STATUSES, yuan } from "./centre-ui.js";
import { boot, el, fmt, kpi, problemBox, ready, rendered, table } from "./shell.js";

const me = await boot("centre-overview");
if (me) {
  const a = me.county;
  const main = document.getElementById("main");
  const box = problemBox("centre-overview-problem");
  try {
    const ov = await api(`/counties/${a}/centre/overview`);
    await rendered(() => draw(main, ov));
  } catch (err) {
    main.replaceChildren(el("h1", { i18n: "page.centre-overview" }), box);
    showProblem(box, err);
    ready();
  }
}

function draw(main, ov) {
  const an = ov.analysis;
  const by = ov.applications_by_status;
  const total = Object.values(by).reduce((s, n) => s + n, 0);
  const labels = an.labels || { purposes: {}, bureaus: {} };
  const purpose = (k) => labels.purposes[k] || k;
  const bureau = (k) => labels.bureaus[k] || k;
  const frag = an.fragmentation;
  main.replaceChildren(
    el("h1", {}, el("span", { i18n: "page.centre-overview" }), ov.scope === "county" ? "" : ` · ${ov.scope}`),
    el("h2", { i18n: "co.applications" }),
    el("div", { class: "kpis", id: "status-kpis" },
      kpi("co.total", String(total), { id: "kpi-status-total" }),
      APP_STATUSES.map((s) => kpi(`capp.status.${s}`, String(by[s] || 0), { id: `kpi-status-${s}`, dataset: { status: s } })),
      kpi("co.granted", yuan(ov.granted_yuan), { id: "kpi-granted" }),
      kpi("co.paid", yuan(ov.paid_yuan), { id: "kpi-paid" })),
    el("h2", { i18n: "co.analysis" }),
    el("div", { class: "kpis", id: "analysis-kpis" },
      kpi("co.n_overlaps", String(an.overlapping_policies.length), { id: "kpi-overlaps" }),
      kpi("co.n_double", String(an.double_funded.length), { id: "kpi-double" }),
      kpi("co.budget_total", yuan(an.budget.total_yuan), { id: "kpi-budget" }),
      kpi("co.hhi", fmt(frag.overall_hhi, 3), { id: "kpi-hhi" }),
      kpi("co.fragmentation", fmt(frag.overall_fragmentation, 3), { id: "kpi-fragmentation" })),
    el("p", { class: "hint", i18n: "co.hhi_note" }),
    el("h2", { i18n: "co.overlaps" }),
    an.overlaps.length ? table([
      { i18n: "co.pair", value: (r) => r.policies.join(" + ") },
      { i18n: "cp.purpose", value: (r) => purpose(r.purpose) },
      { i18n: "co.bureaus", value: (r) => r.bureaus.map(bureau).join("; ") },
      { i18n: "co.types", value: (r) => r.applicant_types.join("; ") },
      { i18n: "co.common_period", value: (r) => `${r.start} – ${r.end}` },
    ], an.overlaps, { id: "overlaps", class: "grid stack" }) : el("p", { class: "muted", i18n: "common.none" }),
    el("h2", { i18n: "co.double" }),
    an.double_funded.length ? table([
      { i18n: "capp.applicant", key: "applicant" },
      { i18n: "cp.purpose", value: (r) => purpose(r.purpose) },
      { i18n: "co.policies", value: (r) => r.policies.join(" + ") },
      { i18n: "co.apps", value: (r) => r.applications.join(", ") },
      { i18n: "co.amount_total", key: "amount_yuan", num: true, digits: 2 },
    ], an.double_funded, { id: "double-funded", class: "grid stack" }) : el("p", { class: "muted", i18n: "common.none" }),
    el("h2", { i18n: "co.fragmentation_by" }),
    table([
      { i18n: "cp.purpose", value: (r) => purpose(r.purpose) },
      { i18n: "co.n_bureaus", key: "bureaus", num: true, digits: 0 },
      { i18n: "co.purpose_budget", key: "budget_yuan", num: true, digits: 0 },
      { i18n: "co.hhi_short", key: "hhi", num: true, digits: 3 },
      { i18n: "co.effective", key: "effective_bureaus", num: true, digits: 2 },
      { i18n: "co.reading", value: (r) => el("span", { i18n: `co.reading.${r.reading}` }) },
      { i18n: "co.shares", value: (r) => Object.entries(r.shares).map(([b, s]) => `${bureau(b)} ${fmt(100 * s, 1)}%`).join("; ") },
    ], frag.by_purpose, { id: "fragmentation", class: "grid stack" }),
    el("h2", { i18n: "co.budget" }),
    table([
      { i18n: "cp.purpose", value: (r) => purpose(r.purpose) },
      { i18n: "cp.bureau", value: (r) => bureau(r.bureau) },
      { i18n: "co.n_policies", key: "policies", num: true, digits: 0 },
      { i18n: "cp.budget", key: "budget_yuan", num: true, digits: 0 },
      { i18n: "co.granted", key: "granted_yuan", num: true, digits: 0 },
      { i18n: "co.paid", key: "paid_yuan", num: true, digits: 0 },
    ], an.budget.by_purpose_bureau, { id: "budget", class: "grid stack" }),
  );
}
