// The cloud expo (云展会): the county's products for visitors, no login. /app/expo?county=A lists
// the products the centre shows; &product=P is one product's page: brand (regional public
// brand, enterprise sub-brand), GI status, grades, the season's availability from the
// database, the trace codes (links to the consumer trace page) and an enquiry form that becomes
// a channel-matching lead for the centre (POST /public/counties/{a}/expo/{p}/enquiries).
import { api, showProblem, token } from "./api.js";
import { apiForm, facts } from "./centre-ui.js";
import { applyI18n, toggleLang } from "./i18n.js";
import { el, fmt, kpi, param, problemBox, ready, rendered, table } from "./shell.js";

const CHANNELS = ["wholesale", "live_stream", "front_warehouse", "supermarket", "export", "other"];
const main = document.getElementById("main");
const box = problemBox("expo-problem");

document.getElementById("nav").replaceChildren(
  el("span", { class: "brand", i18n: "page.expo" }),
  el("nav", { class: "links" }, el("a", { href: "/app/login", id: "expo-login", i18n: "ex.staff_login" })),
  el("span", { class: "spacer" }),
  el("button", { type: "button", id: "lang-switch", class: "lang", i18n: "lang.switch", onclick: toggleLang }),
);

let county = param("county");
if (!county && token()) {
  try {
    county = (await api("/auth/me", { noRedirect: true })).county;
  } catch {
    county = null;
  }
}
const product = param("product");

try {
  if (!county || !/^\d{6}$/.test(county)) {
    await rendered(() => askCounty());
  } else if (product) {
    const p = await api(`/public/counties/${county}/expo/${encodeURIComponent(product)}`);
    const state = { sent: null };
    await rendered(() => drawProduct(county, p, state));
  } else {
    const list = await api(`/public/counties/${county}/expo`);
    await rendered(() => drawList(county, list));
  }
} catch (err) {
  main.replaceChildren(el("h1", { i18n: "page.expo" }), box);
  showProblem(box, err);
  applyI18n();
  ready();
}

function askCounty() {
  const input = el("input", { id: "expo-county", name: "county", inputmode: "numeric", autocomplete: "off", "data-i18n-ph": "ex.county_ph" });
  main.replaceChildren(
    el("h1", { i18n: "page.expo" }),
    el("form", { class: "form card narrow", id: "county-form", onsubmit: (e) => { e.preventDefault(); location.assign(`/app/expo?county=${encodeURIComponent(input.value.trim())}`); } },
      el("label", { for: "expo-county", i18n: "ex.county" }), input,
      el("button", { type: "submit", class: "primary", i18n: "common.show" })));
}

function giLabel(status) {
  return el("span", { class: `gi gi-${status}`, i18n: `ex.gi.${status}`, dataset: { gi: status } });
}

function season(av) {
  return av.first_day ? `${av.first_day} – ${av.last_day}` : "—";
}

function drawList(a, list) {
  main.replaceChildren(
    el("h1", {}, el("span", { i18n: "page.expo" }), ` · ${list.county}`),
    el("p", { class: "hint", i18n: "ex.intro" }),
    list.data.length
      ? el("div", { class: "expo-grid", id: "expo-products" }, list.data.map((p) =>
        el("article", { class: "card product", dataset: { product: p.product } },
          el("h2", {}, el("a", { href: `/app/expo?county=${a}&product=${encodeURIComponent(p.product)}`, class: "product-link" }, p.name),
            p.name_en ? el("span", { class: "muted" }, ` ${p.name_en}`) : ""),
          p.headline ? el("p", { class: "headline" }, p.headline) : "",
          facts([
            ["ex.brand", brandName(p.brand)],
            ["ex.gi_status", giLabel(p.gi_status)],
            ["ex.season", season(p.availability)],
            ["ex.supply_kg", fmt(p.availability.supply_kg, 0)],
          ]))))
      : el("p", { class: "muted", i18n: "ex.nothing" }),
  );
}

function brandName(b) {
  const r = b && b.regional_public_brand;
  return r ? `${r.name_zh}${r.name_en ? ` (${r.name_en})` : ""}` : "—";
}

function drawProduct(a, p, state) {
  const av = p.availability;
  const r = p.brand.regional_public_brand;
  const sub = p.brand.enterprise_sub_brand;
  const gi = r && r.geographical_indication;
  const f = apiForm("enquiry-form", [
    { name: "name", i18n: "ex.f.name" },
    { name: "contact", i18n: "ex.f.contact" },
    { name: "organisation", i18n: "ex.f.organisation" },
    { name: "channel", i18n: "ex.f.channel", type: "select", options: CHANNELS.map((c) => [c, `ex.channel.${c}`, true]) },
    { name: "kg", i18n: "ex.f.kg", type: "number", step: "1", inputmode: "decimal", num: true, optional: true },
    { name: "message", i18n: "ex.f.message", type: "textarea" },
  ], "ex.f.send", async (body) => {
    const ack = await api(p.enquiry, { method: "POST", json: body });
    state.sent = ack;
    drawProduct(a, p, state);
    applyI18n();
  }, { class: "card" });
  main.replaceChildren(
    el("p", {}, el("a", { href: `/app/expo?county=${a}`, id: "expo-back", i18n: "ex.back" })),
    el("h1", { id: "product-name", dataset: { product: p.product } }, p.name, p.name_en ? el("span", { class: "muted" }, ` ${p.name_en}`) : ""),
    p.headline ? el("p", { class: "headline", id: "product-headline" }, p.headline) : "",
    p.story ? el("p", { class: "story", id: "product-story" }, p.story) : "",
    el("h2", { i18n: "ex.brand_h" }),
    el("section", { class: "card", id: "product-brand" }, facts([
      ["ex.regional", r ? `${r.name_zh}${r.name_en ? ` (${r.name_en})` : ""}` : "—"],
      ["ex.owner", r ? r.owner_zh : null],
      ["ex.sub_brand", sub ? `${sub.name_zh}${sub.name_en ? ` (${sub.name_en})` : ""}` : "—"],
      ["ex.gi_status", giLabel(p.gi_status)],
      ["ex.gi_scheme", gi ? gi.scheme_zh : null],
      ["ex.gi_registration", gi ? gi.registration : null],
      ["ex.gi_source", gi ? gi.source : null],
      ["ex.gtins", (p.brand.gtins || []).join(", ") || null],
    ])),
    el("h2", { i18n: "ex.grades" }),
    p.grades.length ? table([
      { i18n: "ex.grade", key: "grade" }, { i18n: "ex.grade_kg", key: "kg", num: true },
    ], p.grades, { id: "product-grades", class: "grid" }) : el("p", { class: "muted", id: "product-grades", i18n: "ex.no_grades" }),
    el("h2", { i18n: "ex.availability" }),
    el("div", { class: "kpis", id: "product-availability" },
      kpi("ex.season", season(av), { id: "kpi-season" }),
      kpi("ex.supply_kg", fmt(av.supply_kg, 0), { id: "kpi-supply" }),
      kpi("ex.intake_kg", fmt(av.intake_kg, 0), { id: "kpi-intake" })),
    av.days.length ? table([
      { i18n: "common.day", key: "day" }, { i18n: "ex.day_kg", key: "kg", num: true, digits: 0 },
    ], av.days.slice(0, 14), { id: "season-days", class: "grid" }) : "",
    av.days.length > 14 ? el("p", { class: "muted" }, el("span", { i18n: "ex.more_days" }), ` ${av.days.length}`) : "",
    el("h2", { i18n: "ex.trace" }),
    p.trace_codes.length
      ? el("ul", { id: "trace-codes" }, p.trace_codes.map((c) => el("li", {},
        el("a", { href: c.url, class: "trace-code", dataset: { lot: c.lot } }, el("span", { i18n: "ex.trace_story" }), ` · ${c.lot}`))))
      : el("p", { class: "muted", id: "trace-codes", i18n: "ex.no_trace" }),
    el("h2", { i18n: "ex.enquiry" }),
    el("p", { class: "hint", i18n: "ex.enquiry_hint" }),
    state.sent
      ? el("p", { class: "ok", id: "enquiry-sent", role: "status", dataset: { lead: String(state.sent.id) } }, el("span", { i18n: "ex.sent" }), ` #${state.sent.id}`)
      : f.form,
  );
}
