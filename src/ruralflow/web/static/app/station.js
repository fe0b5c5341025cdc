// A station's daily records: produce intake and parcel deliveries, recorded and corrected
// (with a reason; the API keeps every version). Mobile first; the API's validation messages are
// shown as they come (the forms do not validate on their own).
import { api, clearProblem, showProblem, ApiError } from "./api.js";
import { applyI18n } from "./i18n.js";
import { boot, el, param, problemBox, ready, table, t } from "./shell.js";

const today = () => new Date().toISOString().slice(0, 10);

const me = await boot("station");
if (me) {
  const a = me.county;
  const main = document.getElementById("main");
  const station = param("station") || (me.role === "station_operator" ? me.scope : "");
  const head = el("h1", {}, el("span", { i18n: "page.station" }), station ? ` · ${station}` : "");
  const box = problemBox("station-problem");
  if (me.role === "station_operator" && station !== me.scope) {
    main.replaceChildren(head, el("div", { class: "problem", role: "alert", id: "station-problem", dataset: { status: "403" } },
      el("strong", { i18n: "st.not_yours" })));
    applyI18n();
    ready();
  } else {
    const [places, pub] = await Promise.all([api(`/counties/${a}/places`), api(`/counties/${a}/products`)]);
    const stations = places.data.filter((p) => p.kind === "township_station");
    const picker = me.role === "county_admin"
      ? el("div", { class: "controls" }, el("label", {}, el("span", { i18n: "st.choose" }),
        el("select", { id: "station-pick", onchange: (e) => location.assign(`/app/station?station=${e.target.value}`) },
          el("option", { value: "" }, "—"),
          stations.map((p) => el("option", { value: p.id, selected: p.id === station }, `${p.name} (${p.id})`)))))
      : null;
    const name = (places.data.find((p) => p.id === station) || {}).name;
    if (name) head.append(` ${name}`);
    main.replaceChildren(head, picker || "", box);
    if (station) {
      const intake = recordSection({
        a, station, kind: "intake", title: "st.intake", newTitle: "st.intake_new", fixTitle: "st.intake_fix",
        listTitle: "st.records",
        fields: [
          { name: "day", i18n: "common.day", type: "date", value: today },
          { name: "product", i18n: "st.product", type: "select", options: pub.data.map((p) => [p.id, `${p.name} (${p.id})`]) },
          { name: "kg", i18n: "st.kg", type: "number", step: "0.1", inputmode: "decimal", num: true },
          { name: "farmer", i18n: "st.farmer", type: "text" },
          { name: "grade", i18n: "st.grade", type: "text", value: () => "A" },
        ],
        columns: [
          { i18n: "common.day", key: "day" }, { i18n: "st.product", key: "product" },
          { i18n: "st.kg", key: "kg", num: true }, { i18n: "st.farmer", key: "farmer" },
          { i18n: "st.grade", key: "grade" },
        ],
      });
      const deliveries = recordSection({
        a, station, kind: "deliveries", title: "st.deliveries", newTitle: "st.delivery_new", fixTitle: "st.delivery_fix",
        listTitle: "st.delivery_records",
        fields: [
          { name: "day", i18n: "common.day", type: "date", value: today },
          { name: "parcels", i18n: "st.parcels", type: "number", step: "1", inputmode: "numeric", num: true },
          { name: "kg", i18n: "st.kg", type: "number", step: "0.1", inputmode: "decimal", num: true },
          { name: "recipient", i18n: "st.recipient", type: "text" },
        ],
        columns: [
          { i18n: "common.day", key: "day" }, { i18n: "st.parcels", key: "parcels", num: true, digits: 0 },
          { i18n: "st.kg", key: "kg", num: true }, { i18n: "st.recipient", key: "recipient" },
        ],
      });
      main.append(intake.node, uploadForm(a, station, intake), deliveries.node);
      try {
        await Promise.all([intake.load(), deliveries.load()]);
      } catch (err) {
        showProblem(box, err);
      }
      window.addEventListener("rf:lang", () => { intake.redraw(); deliveries.redraw(); });
    }
    applyI18n();
    ready();
  }
}

function recordSection(cfg) {
  const base = `/counties/${cfg.a}/stations/${cfg.station}/${cfg.kind}`;
  const id = cfg.kind;
  const box = problemBox(`${id}-problem`);
  const done = el("p", { class: "ok", id: `${id}-saved`, hidden: true, i18n: "common.saved" });
  const title = el("h3", { i18n: cfg.newTitle });
  const inputs = {};
  const errs = {};
  const rows = cfg.fields.map((f) => {
    const inp = f.type === "select"
      ? el("select", { id: `${id}-${f.name}`, name: f.name }, f.options.map(([v, label]) => el("option", { value: v }, label)))
      : el("input", { id: `${id}-${f.name}`, name: f.name, type: f.type, step: f.step, inputmode: f.inputmode, autocomplete: "off" });
    if (f.value) inp.value = f.value();
    inputs[f.name] = inp;
    errs[f.name] = el("div", { class: "field-error", dataset: { for: f.name } });
    return [el("label", { for: inp.id, i18n: f.i18n }), inp, errs[f.name]];
  });
  const reason = el("input", { id: `${id}-reason`, name: "reason", autocomplete: "off" });
  errs.reason = el("div", { class: "field-error", dataset: { for: "reason" } });
  const reasonRow = el("div", { class: "form", hidden: true }, el("label", { for: reason.id, i18n: "common.reason" }), reason, errs.reason);
  const submit = el("button", { type: "submit", class: "primary", id: `${id}-submit`, i18n: "common.save" });
  const cancel = el("button", { type: "button", id: `${id}-cancel`, hidden: true, i18n: "common.cancel" });
  const form = el("form", { id: `${id}-form`, class: "form card", novalidate: true }, title, rows, reasonRow, box, done,
    el("div", {}, submit, " ", cancel));
  const list = el("div", { id: `${id}-list`, class: "scroll" });
  const history = el("div", { id: `${id}-history` });
  const node = el("section", { id: `${id}-section` }, el("h2", { i18n: cfg.title }), form, el("h3", { i18n: cfg.listTitle }), list, history);
  let editing = null;
  let records = [];

  const reset = () => {
    editing = null;
    title.dataset.i18n = cfg.newTitle;
    reasonRow.hidden = true;
    cancel.hidden = true;
    reason.value = "";
    for (const f of cfg.fields) if (f.name !== "day" && f.type !== "select" && !f.value) inputs[f.name].value = "";
    applyI18n(node);
  };
  const clearErrors = () => {
    clearProblem(box);
    for (const [k, e] of Object.entries(errs)) { e.textContent = ""; const i = inputs[k] || reason; i.removeAttribute("aria-invalid"); }
  };
  cancel.addEventListener("click", () => { clearErrors(); reset(); });

  const redraw = () => {
    list.replaceChildren(records.length ? table([
      ...cfg.columns,
      { i18n: "common.version", key: "version", num: true, digits: 0 },
      { i18n: "common.recorded_by", key: "recorded_by" },
      { i18n: "st.action", value: (r) => el("span", {},
        el("button", { type: "button", class: "edit", dataset: { id: String(r.id) }, i18n: "common.edit", onclick: () => edit(r) }), " ",
        el("button", { type: "button", class: "hist", dataset: { id: String(r.id) }, i18n: "common.history", onclick: () => showHistory(r) })) },
    ], records, { class: "grid stack records" }) : el("p", { class: "muted", i18n: "common.none" }));
    applyI18n(list);
  };
  const load = async () => {
    records = (await api(base)).data.slice().reverse();
    redraw();
  };
  const edit = (r) => {
    clearErrors();
    editing = r.id;
    for (const f of cfg.fields) inputs[f.name].value = r[f.name];
    title.dataset.i18n = cfg.fixTitle;
    reasonRow.hidden = false;
    cancel.hidden = false;
    applyI18n(node);
    inputs[cfg.fields[1].name].focus();
  };
  const showHistory = async (r) => {
    const h = await api(`${base}/${r.id}/history`);
    history.replaceChildren(el("h3", {}, el("span", { i18n: "st.history_of" }), ` #${r.id}`), table([
      { i18n: "common.version", key: "version", num: true, digits: 0 },
      { i18n: "st.action", key: "action" },
      { i18n: "common.value", value: (e) => JSON.stringify(e.after || {}) },
      { i18n: "common.reason", key: "reason" },
      { i18n: "common.recorded_by", key: "actor" },
      { i18n: "st.at", value: (e) => e.at.slice(0, 19) },
    ], h, { class: "grid stack" }));
    applyI18n(history);
  };

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearErrors();
    done.hidden = true;
    const body = {};
    for (const f of cfg.fields) {
      const v = inputs[f.name].value.trim();
      body[f.name] = f.num && v !== "" && !Number.isNaN(Number(v)) ? Number(v) : v;
    }
    if (editing !== null) body.reason = reason.value.trim();
    submit.disabled = true;
    try {
      await api(editing !== null ? `${base}/${editing}` : base, { method: editing !== null ? "PUT" : "POST", json: body });
      reset();
      done.hidden = false;
      await load();
    } catch (err) {
      showProblem(box, err);
      if (err instanceof ApiError && Array.isArray(err.problem.errors)) {
        for (const e of err.problem.errors) {
          const field = String(e.where || "").split("/").pop();
          if (errs[field]) {
            errs[field].textContent = e.message;
            (inputs[field] || reason).setAttribute("aria-invalid", "true");
          }
        }
      }
    } finally {
      submit.disabled = false;
    }
  });
  return { node, load, redraw };
}

// A day's intake as a CSV file (day,product,kg,farmer,grade): every row is checked by the API
// first, and one bad row writes nothing (its messages name the row and column).
function uploadForm(a, station, intake) {
  const box = problemBox("upload-problem");
  const done = el("p", { class: "ok", id: "upload-saved", hidden: true });
  const file = el("input", { id: "upload-file", name: "file", type: "file", accept: ".csv,text/csv" });
  const form = el("form", { id: "upload-form", class: "form card", novalidate: true },
    el("h3", { i18n: "st.upload" }),
    el("p", { class: "hint", i18n: "st.upload_hint" }),
    el("label", { for: "upload-file", i18n: "st.upload_file" }), file, box, done,
    el("div", {}, el("button", { type: "submit", id: "upload-submit", class: "primary", i18n: "st.upload_send" })));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearProblem(box);
    done.hidden = true;
    if (!file.files.length) return;
    const fd = new FormData();
    fd.append("file", file.files[0]);
    try {
      const r = await api(`/counties/${a}/stations/${station}/intake.csv`, { method: "POST", form: fd });
      done.textContent = `${t("common.saved")}: ${r.created}`;
      done.hidden = false;
      form.reset();
      await intake.load();
    } catch (err) {
      showProblem(box, err);
    }
  });
  return form;
}
