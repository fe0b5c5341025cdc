// What the service centre's pages share (issue 19, docs/centre.md): status labels, amounts in
// yuan, a form whose fields show the API's own messages (the forms do not validate on their
// own, as the station page), and an application's status history as a timeline.
import { ApiError, clearProblem, showProblem } from "./api.js";
import { el, fmt, problemBox, t } from "./shell.js";

export const APP_STATUSES = ["submitted", "reviewing", "approved", "rejected", "paid"];

// An application's or a lead's status, labelled (keys capp.status.* and lead.status.*).
export function appStatus(status) {
  return el("span", { class: `status app-status app-status-${status}`, i18n: `capp.status.${status}`, dataset: { status } });
}

export function leadStatus(status) {
  return el("span", { class: `status lead-status lead-status-${status}`, i18n: `lead.status.${status}`, dataset: { status } });
}

export function yuan(n) {
  return fmt(n, 2);
}

export function when(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString("zh-CN", { hour12: false });
}

// A form of fields [{name, i18n, type, value, options: [[value, i18n-key or text, isKey]], num, step}];
// onSubmit(body) posts it; errors of the API's problem document go to their fields.
export function apiForm(id, fields, submitKey, onSubmit, extra = {}) {
  const inputs = {};
  const errs = {};
  const rows = fields.map((f) => {
    let inp;
    const fid = `${id}-${f.name}`;
    if (f.type === "select") {
      inp = el("select", { id: fid, name: f.name },
        f.options.map(([v, label, isKey]) => el("option", { value: v, i18n: isKey ? label : null }, isKey ? "" : label)));
    } else if (f.type === "textarea") {
      inp = el("textarea", { id: fid, name: f.name, rows: 3 });
    } else {
      inp = el("input", { id: fid, name: f.name, type: f.type || "text", step: f.step, inputmode: f.inputmode, autocomplete: "off" });
    }
    if (f.value !== undefined && f.value !== null) inp.value = String(f.value);
    inputs[f.name] = inp;
    errs[f.name] = el("div", { class: "field-error", dataset: { for: f.name } });
    return [el("label", { for: fid, i18n: f.i18n }), inp, errs[f.name]];
  });
  const box = problemBox(`${id}-problem`);
  const submit = el("button", { type: "submit", class: "primary", id: `${id}-submit`, i18n: submitKey });
  const form = el("form", { id, class: `form ${extra.class || ""}`.trim(), novalidate: true, dataset: extra.dataset }, rows, box, el("div", {}, submit));
  const clear = () => {
    clearProblem(box);
    for (const [k, e] of Object.entries(errs)) {
      e.textContent = "";
      inputs[k].removeAttribute("aria-invalid");
    }
  };
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clear();
    const body = {};
    for (const f of fields) {
      const v = inputs[f.name].value.trim();
      if (f.num) {
        if (v === "" && f.optional) continue;
        body[f.name] = v !== "" && !Number.isNaN(Number(v)) ? Number(v) : v;
      } else body[f.name] = v;
    }
    submit.disabled = true;
    try {
      await onSubmit(body);
    } catch (err) {
      showProblem(box, err);
      if (err instanceof ApiError && Array.isArray(err.problem.errors)) {
        for (const e of err.problem.errors) {
          const field = String(e.where || "").split("/").pop();
          if (errs[field]) {
            errs[field].textContent = e.message;
            inputs[field].setAttribute("aria-invalid", "true");
          }
        }
      }
    } finally {
      submit.disabled = false;
    }
  });
  return { form, inputs, box };
}

// The status history of an application (GET .../applications/{id}: history), oldest first.
export function historyList(detail) {
  return el("ol", { class: "timeline", id: `history-${detail.id}` },
    detail.history.map((h) => el("li", { dataset: { version: String(h.version) } },
      el("strong", {}, h.after && h.after.status ? appStatus(h.after.status) : `v${h.version}`),
      " · ", when(h.at), " · ", el("span", { i18n: "capp.by" }), " ", h.actor,
      h.note ? el("div", { class: "muted" }, h.note) : "")));
}

// A definition list of [i18n key, value] pairs.
export function facts(pairs, attrs = {}) {
  return el("dl", { class: "facts", ...attrs },
    pairs.filter(([, v]) => v !== undefined && v !== null && v !== "").flatMap(([k, v]) => [el("dt", { i18n: k }), el("dd", {}, v)]));
}

export { t };
