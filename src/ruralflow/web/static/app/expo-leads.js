// The centre's side of the cloud expo (county admin): the visitors' enquiries as
// channel-matching leads (GET .../centre/leads), moved on to contacted, matched or closed with
// a note (a closed lead stays closed), and what the expo shows of each product (GET and PUT
// .../centre/expo/{product}: shown, headline, story; hidden products' curation included).
import { api, clearProblem, showProblem } from "./api.js";
import { leadStatus, when } from "./centre-ui.js";
import { applyI18n } from "./i18n.js";
import { boot, el, fmt, problemBox, ready, rendered, table } from "./shell.js";

const NEXT = ["contacted", "matched", "closed"];

const me = await boot("expo-leads");
if (me) {
  const a = me.county;
  const main = document.getElementById("main");
  const box = problemBox("leads-problem");
  const state = { leads: [], products: [], shown: new Map(), saved: null };
  const load = async () => {
    const [leads, products] = await Promise.all([
      api(`/counties/${a}/centre/leads`),
      api(`/counties/${a}/products`),
    ]);
    state.leads = leads.data;
    state.products = products.data;
    const curations = await Promise.all(state.products.map(
      (p) => api(`/counties/${a}/centre/expo/${encodeURIComponent(p.id)}`)));
    state.shown = new Map(curations.map((c) => [c.product, c]));
  };
  const draw = () => drawLeads(main, box, a, state, load);
  try {
    await load();
    await rendered(draw);
  } catch (err) {
    main.replaceChildren(el("h1", { i18n: "page.expo-leads" }), box);
    showProblem(box, err);
    ready();
  }
}

function drawLeads(main, box, a, state, load) {
  const again = async () => {
    await load();
    drawLeads(main, box, a, state, load);
    applyI18n();
  };
  const act = async (path, method, json, saved) => {
    clearProblem(box);
    try {
      await api(path, { method, json });
      state.saved = saved;
      await again();
    } catch (err) {
      showProblem(box, err);
    }
  };
  const actions = (r) => {
    if (r.status === "closed") return el("span", { class: "muted" }, "—");
    const note = el("input", { class: "note", name: "note", autocomplete: "off", "data-i18n-ph": "cr.note", "data-i18n-title": "cr.note" });
    return el("div", { class: "actions", dataset: { lead: String(r.id) } }, note,
      NEXT.filter((s) => s !== r.status).map((to) => el("button", { type: "button", class: `move move-${to}`, dataset: { status: to },
        i18n: `lead.to.${to}`, onclick: () => act(`/counties/${a}/centre/leads/${r.id}/status`, "POST", { status: to, note: note.value.trim() }, `#${r.id} → ${to}`) })));
  };
  const curate = (p) => {
    const cur = state.shown.get(p.id);
    const shown = el("input", { type: "checkbox", name: "shown", checked: Boolean(cur && cur.shown) });
    const headline = el("input", { name: "headline", autocomplete: "off", value: cur ? cur.headline : "" });
    const story = el("textarea", { name: "story", rows: 2 }, cur ? cur.story : "");
    return el("form", { class: "curate", dataset: { product: p.id }, novalidate: true,
      onsubmit: (e) => {
        e.preventDefault();
        act(`/counties/${a}/centre/expo/${encodeURIComponent(p.id)}`, "PUT",
          { shown: shown.checked, headline: headline.value.trim(), story: story.value.trim() }, p.id);
      } },
    el("label", {}, shown, " ", el("span", { i18n: "el.shown" })),
    el("label", {}, el("span", { i18n: "el.headline" }), headline),
    el("label", {}, el("span", { i18n: "el.story" }), story),
    el("button", { type: "submit", i18n: "common.save" }));
  };
  main.replaceChildren(
    el("h1", { i18n: "page.expo-leads" }),
    el("p", {}, el("a", { href: `/app/expo?county=${a}`, id: "open-expo", i18n: "el.open_expo" })),
    box,
    state.saved ? el("p", { class: "ok", id: "leads-saved", role: "status" }, el("span", { i18n: "common.saved" }), ` ${state.saved}`) : "",
    el("h2", { i18n: "el.leads" }),
    state.leads.length ? table([
      { i18n: "el.id", key: "id", num: true, digits: 0 },
      { i18n: "el.created", value: (r) => when(r.created_at) },
      { i18n: "el.product", key: "product" },
      { i18n: "ex.f.name", key: "name" },
      { i18n: "ex.f.contact", key: "contact" },
      { i18n: "ex.f.organisation", key: "organisation" },
      { i18n: "ex.f.channel", value: (r) => el("span", { i18n: `ex.channel.${r.channel}` }) },
      { i18n: "ex.f.kg", value: (r) => (r.kg === null ? "—" : fmt(r.kg, 0)) },
      { i18n: "ex.f.message", key: "message" },
      { i18n: "capp.status", value: (r) => leadStatus(r.status) },
      { i18n: "el.handled", value: (r) => (r.handled_by ? `${r.handled_by} · ${when(r.handled_at)}${r.note ? ` · ${r.note}` : ""}` : "—") },
      { i18n: "cr.actions", value: actions },
    ], state.leads, { id: "leads", class: "grid stack" }) : el("p", { class: "muted", id: "no-leads", i18n: "el.no_leads" }),
    el("h2", { i18n: "el.curation" }),
    el("p", { class: "hint", i18n: "el.curation_hint" }),
    table([
      { i18n: "el.product", value: (p) => `${p.name} (${p.id})` },
      { i18n: "el.page", value: curate },
    ], state.products, { id: "curation", class: "grid stack" }),
  );
}
