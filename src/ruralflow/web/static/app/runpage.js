// The pages of the other runs (siting, season, value matrix): the newest finished run of the
// kind (GET /counties/{adcode}/runs?kind=...), a button that starts one and follows its progress,
// and the run's stored result drawn by the page (or as tables of its figures).
import { api, clearProblem, showProblem } from "./api.js";
import { applyI18n } from "./i18n.js";
import { boot, el, fmt, follow, problemBox, rendered, statusText, table } from "./shell.js";

function scalarRows(obj, prefix = "") {
  const out = [];
  for (const [k, v] of Object.entries(obj || {})) {
    if (v === null || ["string", "number", "boolean"].includes(typeof v)) out.push({ field: prefix + k, value: v });
    else if (!Array.isArray(v) && typeof v === "object" && prefix === "") out.push(...scalarRows(v, `${k}.`));
  }
  return out;
}

// The run's scalar figures, then each list of records as a table (first 100 rows).
export function genericResult(result) {
  const parts = [
    el("h2", { i18n: "common.result" }),
    table([
      { i18n: "common.field", key: "field" },
      { i18n: "common.value", value: (r) => (typeof r.value === "number" && !/(year|adcode|seed|version)$/.test(r.field) ? fmt(r.value, 3) : String(r.value)) },
    ], scalarRows(result).slice(0, 80), { class: "grid stack result-figures" }),
  ];
  for (const [k, v] of Object.entries(result || {})) {
    if (!Array.isArray(v) || !v.length || typeof v[0] !== "object" || v[0] === null) continue;
    const cols = Object.keys(v[0]).filter((c) => v.slice(0, 20).every((r) => r[c] === null || typeof r[c] !== "object")).slice(0, 9);
    if (!cols.length) continue;
    parts.push(el("h3", {}, el("span", { i18n: "common.details" }), `: ${k} (${v.length})`));
    const head = el("tr", {}, cols.map((c) => el("th", {}, c)));
    const rows = v.slice(0, 100).map((r) => el("tr", {}, cols.map((c) => el("td", { "data-label": c, class: typeof r[c] === "number" ? "num" : null },
      typeof r[c] === "number" ? fmt(r[c], 3) : String(r[c] ?? "")))));
    parts.push(el("div", { class: "scroll" }, el("table", { class: "grid stack", dataset: { list: k } }, el("thead", {}, head), el("tbody", {}, rows))));
  }
  return parts;
}

// cfg: {page, kind, startLabel, params: () => object, inputs: [nodes], draw(result, run, me) -> nodes}
export async function runPage(cfg) {
  const me = await boot(cfg.page);
  if (!me) return;
  const a = me.county;
  const main = document.getElementById("main");
  const box = problemBox(`${cfg.kind}-problem`);
  const progress = el("progress", { id: "run-progress", max: "1", value: "0" });
  const status = el("div", { id: "run-status", "aria-live": "polite" });
  const start = el("button", { type: "button", id: `start-${cfg.kind}`, class: "primary", i18n: cfg.startLabel });
  const cancel = el("button", { type: "button", id: `cancel-${cfg.kind}`, hidden: true, i18n: "runs.cancel" });
  const body = el("div", { id: `${cfg.kind}-body` });
  let activeId = null;
  cancel.addEventListener("click", async () => {
    if (!activeId) return;
    try { showRun(await api(`/counties/${a}/runs/${activeId}/cancel`, { method: "POST" })); } catch (err) { showProblem(box, err); }
  });
  let run = null;
  const showRun = (r) => {
    progress.value = r.progress;
    status.dataset.status = r.status;
    status.replaceChildren(statusText(r.status), " ", el("span", { class: "muted" }, r.message || ""), ` · v${r.version}`);
  };
  const draw = async () => {
    body.replaceChildren(...(run ? [el("p", { class: "muted" }, el("span", { i18n: "common.latest_run" }),
      `: v${run.version} · ${run.finished_at ? run.finished_at.slice(0, 19) : ""} · ${run.created_by}`),
    ...(await cfg.draw(run.result, run, me))] : [el("p", { class: "muted", i18n: "common.no_run" })]));
  };
  main.replaceChildren(
    el("h1", { i18n: `page.${cfg.page}` }),
    el("section", { class: "card no-print" },
      el("div", { class: "controls" }, ...(cfg.inputs || []), start, cancel),
      progress, status, box),
    body,
  );
  start.addEventListener("click", async () => {
    clearProblem(box);
    start.disabled = true;
    try {
      const r = await api(`/counties/${a}/runs`, { method: "POST", json: { kind: cfg.kind, params: cfg.params() } });
      showRun(r);
      activeId = r.id;
      cancel.hidden = false;
      const end = await follow(a, r.id, showRun);
      activeId = null;
      cancel.hidden = true;
      if (end.status === "done") { run = end; await draw(); applyI18n(); } else showProblem(box, new Error(end.message || end.status));
    } catch (err) {
      showProblem(box, err);
    } finally {
      start.disabled = false;
    }
  });
  try {
    const list = await api(`/counties/${a}/runs?kind=${cfg.kind}`);
    const done = list.data.find((r) => r.status === "done");
    if (done) { run = await api(`/counties/${a}/runs/${done.id}`); showRun(run); }
  } catch (err) {
    showProblem(box, err);
  }
  await rendered(draw);
}
