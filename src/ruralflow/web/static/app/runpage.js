// The pages of the other runs (siting, season, value matrix): the newest finished run of the
// kind (GET /counties/{adcode}/runs?kind=...), a button that starts one and follows its progress,
// and the run's stored result drawn by the page (labelled figures with units, and tables).
import { api, clearProblem, showProblem } from "./api.js";
import { applyI18n } from "./i18n.js";
import { boot, el, fmt, follow, problemBox, rendered, statusText } from "./shell.js";

// Labelled figures: [{key, i18n, value, digits, unit (an i18n key), text}] -> <dl>; each
// figure's label comes from the dictionary (its unit in the label or as a unit key).
export function figures(list, attrs = {}) {
  const items = list.filter((f) => f && (f.text !== undefined || (f.value !== undefined && f.value !== null)));
  return el("dl", { class: "figures result-figures", ...attrs }, items.map((f) => [
    el("dt", { i18n: f.i18n, dataset: { figure: f.key } }),
    el("dd", { dataset: { figure: f.key } },
      f.text !== undefined ? f.text : (f.pct ? `${fmt(100 * f.value, f.digits ?? 1)} %` : fmt(f.value, f.digits ?? 1)),
      f.unit ? [" ", el("span", { i18n: f.unit })] : "",
      f.rawUnit ? ` ${f.rawUnit}` : ""),
  ]));
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
    ...(await cfg.draw(run.result, run, me)).flat(Infinity).filter((n) => n !== "" && n !== null && n !== undefined)] : [el("p", { class: "muted", i18n: "common.no_run" })]));
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
