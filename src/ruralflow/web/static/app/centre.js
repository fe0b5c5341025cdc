// The one-stop policy window (一站式政策服务窗口) for an applicant: every policy of every bureau
// it may apply for today, with amounts, budgets and the documents needed, the others with the
// reasons why not (GET .../centre/eligible?all=true); one application per policy (POST
// .../centre/applications); its applications with their status history.
import { api, showProblem } from "./api.js";
import { apiForm, appStatus, facts, historyList, yuan } from "./centre-ui.js";
import { applyI18n } from "./i18n.js";
import { boot, el, kpi, problemBox, ready, rendered, table } from "./shell.js";

const me = await boot("centre");
if (me) {
  const a = me.county;
  const main = document.getElementById("main");
  const box = problemBox("centre-problem");
  const state = { elig: null, apps: [], saved: null, history: null };
  const load = async () => {
    const [elig, apps] = await Promise.all([
      api(`/counties/${a}/centre/eligible?all=true`),
      api(`/counties/${a}/centre/applications`),
    ]);
    state.elig = elig;
    state.apps = apps.data;
  };
  const draw = () => drawWindow(main, box, a, state, load);
  try {
    await load();
    await rendered(draw);
  } catch (err) {
    main.replaceChildren(el("h1", { i18n: "page.centre" }), box);
    showProblem(box, err);
    ready();
  }
}

function drawWindow(main, box, a, state, load) {
  const { elig, apps } = state;
  const yes = elig.data.filter((p) => p.eligible);
  const no = elig.data.filter((p) => !p.eligible);
  const byId = Object.fromEntries(apps.map((x) => [x.id, x]));
  const redraw = async () => {
    await load();
    drawWindow(main, box, a, state, load);
    applyI18n();
  };
  const saved = state.saved
    ? el("p", { class: "ok", id: "apply-saved", role: "status" }, el("span", { i18n: "cw.applied_ok" }), ` ${state.saved}`)
    : "";
  main.replaceChildren(
    el("h1", {}, el("span", { i18n: "page.centre" }), ` · ${elig.applicant}`),
    el("p", { class: "hint" }, el("span", { i18n: "cw.intro" }), " ", el("span", { i18n: "cw.day" }), ` ${elig.day}`),
    el("div", { class: "kpis", id: "centre-kpis" },
      kpi("cw.n_eligible", String(yes.length), { id: "kpi-eligible" }),
      kpi("cw.n_bureaus", String(new Set(yes.map((p) => p.bureau)).size), { id: "kpi-bureaus" }),
      kpi("cw.n_applied", String(apps.length), { id: "kpi-applied" })),
    box,
    saved,
    el("h2", { i18n: "cw.eligible" }),
    yes.length
      ? el("div", { class: "policy-list", id: "eligible" }, yes.map((p) => policyCard(a, p, byId, state, redraw)))
      : el("p", { class: "muted", i18n: "cw.none_eligible" }),
    el("h2", { i18n: "cw.my_apps" }),
    apps.length ? table([
      { i18n: "capp.id", key: "id" },
      { i18n: "capp.policy", value: (r) => `${r.policy_name} (${r.policy})` },
      { i18n: "capp.amount", key: "amount_yuan", num: true, digits: 2 },
      { i18n: "capp.status", value: (r) => appStatus(r.status) },
      { i18n: "capp.day", key: "day" },
      { i18n: "capp.decided_by", value: (r) => r.decided_by || "—" },
      { i18n: "common.history", value: (r) => el("button", { type: "button", class: "hist", i18n: "common.history", dataset: { app: r.id },
        onclick: async () => { state.history = await api(`/counties/${a}/centre/applications/${r.id}`); drawHistory(); } }) },
    ], apps, { id: "my-applications", class: "grid stack" }) : el("p", { class: "muted", id: "no-applications", i18n: "cw.no_apps" }),
    el("div", { id: "app-history" }),
    el("h2", { i18n: "cw.not_eligible" }),
    no.length ? table([
      { i18n: "cp.name", value: (r) => `${r.name} (${r.id})` },
      { i18n: "cp.bureau", key: "bureau_label" },
      { i18n: "cp.purpose", key: "purpose_label" },
      { i18n: "cw.reasons", value: (r) => el("ul", { class: "reasons" }, r.reasons.map((x) => el("li", {}, x))) },
    ], no, { id: "ineligible", class: "grid stack" }) : el("p", { class: "muted", i18n: "common.none" }),
  );
  const drawHistory = () => {
    const h = state.history;
    const node = document.getElementById("app-history");
    if (!h || !node) return;
    node.replaceChildren(el("h3", {}, el("span", { i18n: "cw.history_of" }), ` ${h.id} · ${h.policy_name}`), historyList(h));
    applyI18n(node);
  };
  drawHistory();
}

function policyCard(a, p, byId, state, redraw) {
  const mine = p.application ? byId[p.application] : null;
  const left = Math.max(0, p.budget_yuan - p.granted_yuan);
  const card = el("section", { class: "card policy", dataset: { policy: p.id, bureau: p.bureau } },
    el("h3", {}, p.name),
    facts([
      ["cp.id", p.id],
      ["cp.bureau", p.bureau_label],
      ["cp.purpose", p.purpose_label],
      ["cp.amount", `${yuan(p.amount_yuan)}`],
      ["cp.budget", `${yuan(p.budget_yuan)}`],
      ["cp.left", `${yuan(left)}`],
      ["cp.period", `${p.start} – ${p.end}`],
      ["cp.rules", p.rules.length ? p.rules.join("; ") : null],
    ]),
    el("div", { class: "docs" }, el("strong", { i18n: "cp.documents" }),
      el("ul", { class: "documents" }, p.documents.map((d) => el("li", {}, d)))));
  if (mine || p.application) {
    card.append(el("p", { class: "applied" }, el("span", { i18n: "cw.already" }), ` ${p.application} · `,
      mine ? appStatus(mine.status) : ""));
    return card;
  }
  const f = apiForm(`apply-${p.id}`, [
    { name: "amount_yuan", i18n: "cw.amount", type: "number", step: "0.01", inputmode: "decimal", num: true, value: p.amount_yuan },
    { name: "note", i18n: "cw.note", type: "textarea" },
  ], "cw.apply", async (body) => {
    const made = await api(`/counties/${a}/centre/applications`, { method: "POST", json: { policy: p.id, ...body } });
    state.saved = made.id;
    await redraw();
  }, { class: "apply", dataset: { policy: p.id } });
  card.append(f.form);
  return card;
}
