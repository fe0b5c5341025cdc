// A bureau's review desk: the applications to its policies (a county admin: all), filtered by
// status, each moved on with the statuses the API allows next (`next`: submitted → reviewing →
// approved or rejected, approved → paid) and a note; who decided and when, and the history.
import { api, clearProblem, showProblem } from "./api.js";
import { APP_STATUSES, appStatus, historyList, when } from "./centre-ui.js";
import { applyI18n } from "./i18n.js";
import { boot, el, param, problemBox, ready, rendered, table } from "./shell.js";

const me = await boot("centre-review");
if (me) {
  const a = me.county;
  const main = document.getElementById("main");
  const box = problemBox("review-problem");
  const status = param("status") || "";
  const state = { apps: [], history: null, moved: null };
  const load = async () => {
    const q = status ? `?status=${encodeURIComponent(status)}` : "";
    state.apps = (await api(`/counties/${a}/centre/applications${q}`)).data;
  };
  const draw = () => drawDesk(main, box, a, me, status, state, load);
  try {
    await load();
    await rendered(draw);
  } catch (err) {
    main.replaceChildren(el("h1", { i18n: "page.centre-review" }), box);
    showProblem(box, err);
    ready();
  }
}

function drawDesk(main, box, a, me, status, state, load) {
  const again = async () => {
    await load();
    drawDesk(main, box, a, me, status, state, load);
    applyI18n();
  };
  const move = async (r, to, note) => {
    clearProblem(box);
    try {
      const d = await api(`/counties/${a}/centre/applications/${r.id}/status`, { method: "POST", json: { status: to, note } });
      state.moved = `${d.id} → ${d.status}`;
      state.history = d;
      await again();
    } catch (err) {
      showProblem(box, err);
    }
  };
  const actions = (r) => {
    if (!r.next.length) return el("span", { class: "muted" }, "—");
    const note = el("input", { class: "note", name: "note", autocomplete: "off", "data-i18n-ph": "cr.note", "data-i18n-title": "cr.note" });
    return el("div", { class: "actions", dataset: { app: r.id } }, note,
      r.next.map((to) => el("button", { type: "button", class: `move move-${to}`, dataset: { status: to }, i18n: `cr.to.${to}`,
        onclick: () => move(r, to, note.value.trim()) })));
  };
  main.replaceChildren(
    el("h1", {}, el("span", { i18n: "page.centre-review" }), me.role === "bureau" ? ` · ${me.scope}` : ""),
    el("p", { class: "hint", i18n: me.role === "bureau" ? "cr.intro_bureau" : "cr.intro_admin" }),
    el("div", { class: "controls" }, el("label", {}, el("span", { i18n: "cr.filter" }),
      el("select", { id: "status-pick", onchange: (e) => location.assign(`/app/centre-review${e.target.value ? `?status=${e.target.value}` : ""}`) },
        el("option", { value: "", i18n: "common.all" }),
        APP_STATUSES.map((s) => el("option", { value: s, selected: s === status, i18n: `capp.status.${s}` }))))),
    box,
    state.moved ? el("p", { class: "ok", id: "review-saved", role: "status" }, el("span", { i18n: "cr.moved" }), ` ${state.moved}`) : "",
    state.apps.length ? table([
      { i18n: "capp.id", key: "id" },
      { i18n: "capp.applicant", value: (r) => `${r.applicant} (${r.applicant_type})` },
      { i18n: "capp.policy", value: (r) => `${r.policy_name} (${r.policy})` },
      { i18n: "capp.amount", key: "amount_yuan", num: true, digits: 2 },
      { i18n: "capp.day", key: "day" },
      { i18n: "capp.status", value: (r) => appStatus(r.status) },
      { i18n: "capp.decided_by", value: (r) => (r.decided_by ? `${r.decided_by} · ${when(r.decided_at)}` : "—") },
      { i18n: "capp.note", value: (r) => r.note || "" },
      { i18n: "cr.actions", value: actions },
      { i18n: "common.history", value: (r) => el("button", { type: "button", class: "hist", i18n: "common.history",
        onclick: async () => { state.history = await api(`/counties/${a}/centre/applications/${r.id}`); showHistory(); } }) },
    ], state.apps, { id: "review-list", class: "grid stack" }) : el("p", { class: "muted", id: "no-applications", i18n: "cw.no_apps" }),
    el("div", { id: "app-history" }),
  );
  const showHistory = () => {
    const node = document.getElementById("app-history");
    if (!state.history || !node) return;
    node.replaceChildren(el("h3", {}, el("span", { i18n: "cw.history_of" }), ` ${state.history.id} · ${state.history.policy_name}`),
      historyList(state.history));
    applyI18n(node);
  };
  showHistory();
}
