// Cooperative statements: a cooperative's members and, per farmer, what the stations took in
// from them (kg by product and grade), from GET /counties/{a}/cooperatives/{coop}/members and
// .../batches. A cooperative user sees only its own cooperative (the API enforces it).
import { api, showProblem } from "./api.js";
import { boot, el, fmt, param, problemBox, rendered, table, ready } from "./shell.js";

const me = await boot("contracts");
if (me) {
  const a = me.county;
  const main = document.getElementById("main");
  const box = problemBox("contracts-problem");
  try {
    const coops = (await api(`/counties/${a}/cooperatives`)).data;
    const coop = param("coop") || (me.role === "cooperative" ? me.scope : coops[0]);
    const [members, batches] = coop
      ? await Promise.all([api(`/counties/${a}/cooperatives/${coop}/members`), api(`/counties/${a}/cooperatives/${coop}/batches`)])
      : [{ data: [] }, { data: [] }];
    await rendered(() => draw(main, coops, coop, members.data, batches.data));
  } catch (err) {
    main.replaceChildren(el("h1", { i18n: "page.contracts" }), box);
    showProblem(box, err);
    ready();
  }
}

function draw(main, coops, coop, members, batches) {
  const by = new Map();
  for (const b of batches) {
    const s = by.get(b.farmer) || { farmer: b.farmer, records: 0, kg: 0, parts: new Map() };
    s.records += 1;
    s.kg += b.kg;
    const k = `${b.product}/${b.grade}`;
    s.parts.set(k, (s.parts.get(k) || 0) + b.kg);
    by.set(b.farmer, s);
  }
  const names = Object.fromEntries(members.map((m) => [m.farmer, m.name]));
  const rows = [...by.values()].sort((x, y) => y.kg - x.kg);
  main.replaceChildren(
    el("h1", {}, el("span", { i18n: "page.contracts" }), coop ? ` · ${coop}` : ""),
    el("div", { class: "controls" }, el("label", {}, el("span", { i18n: "ct.coop" }),
      el("select", { id: "coop-pick", onchange: (e) => location.assign(`/app/contracts?coop=${e.target.value}`) },
        coops.map((c) => el("option", { value: c, selected: c === coop }, c))))),
    el("h2", { i18n: "ct.statement" }),
    rows.length ? table([
      { i18n: "ct.farmer", key: "farmer" },
      { i18n: "ct.member_name", value: (r) => names[r.farmer] || "" },
      { i18n: "ct.records", key: "records", num: true, digits: 0 },
      { i18n: "ct.total_kg", key: "kg", num: true },
      { i18n: "ct.by_product", value: (r) => [...r.parts].map(([k, v]) => `${k}: ${fmt(v, 1)} kg`).join("; ") },
    ], rows, { id: "statements", class: "grid stack" }) : el("p", { class: "muted", i18n: "common.none" }),
    el("h2", { i18n: "ct.members" }),
    table([
      { i18n: "ct.farmer", key: "farmer" }, { i18n: "ct.member_name", key: "name" }, { i18n: "ct.village", key: "village" },
    ], members, { id: "members", class: "grid stack" }),
  );
}
