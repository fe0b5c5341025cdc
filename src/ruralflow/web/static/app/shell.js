// What every dashboard page shares: the logged-in user (GET /auth/me), the nav with only the
// pages of the user's role (static/app/pages.json), the language switch, DOM helpers.

import { api, ApiError, setToken, showProblem, token } from "./api.js";
import { applyI18n, t, toggleLang } from "./i18n.js";

// el("td", {class: "num"}, "12"), el("th", {i18n: "st.kg"})
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "i18n") e.dataset.i18n = v;
    else if (k === "class") e.className = v;
    else if (k === "dataset") Object.assign(e.dataset, v);
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  if (attrs && attrs.i18n) e.textContent = t(attrs.i18n);
  return e;
}

export function fmt(n, digits = 1) {
  if (n === null || n === undefined || Number.isNaN(Number(n))) return "—";
  return Number(n).toLocaleString("en-US", {
    maximumFractionDigits: digits,
    minimumFractionDigits: 0,
  });
}

// A table: columns [{i18n, key | value(row), num}], rows.
export function table(columns, rows, attrs = {}) {
  const head = el("tr", {}, columns.map((c) => el("th", { i18n: c.i18n, class: c.num ? "num" : null })));
  const body = rows.map((r) =>
    el(
      "tr",
      {},
      columns.map((c) => {
        const v = c.value ? c.value(r) : r[c.key];
        const td = el("td", { class: c.num ? "num" : null, "data-label": t(c.i18n) });
        td.dataset.labelKey = c.i18n;
        td.append(v instanceof Node ? v : document.createTextNode(c.num ? fmt(v, c.digits ?? 1) : v ?? ""));
        return td;
      }),
    ),
  );
  return el("table", { class: "grid", ...attrs }, el("thead", {}, head), el("tbody", {}, body));
}

export function kpi(i18n, value, attrs = {}) {
  return el("div", { class: "kpi", ...attrs }, el("span", { class: "kpi-label", i18n }), el("span", { class: "kpi-value" }, value));
}

let pagesMeta = null;

async function pages() {
  if (!pagesMeta) {
    const r = await fetch("/static/app/pages.json");
    pagesMeta = (await r.json()).pages;
  }
  return pagesMeta;
}

export function param(name) {
  return new URLSearchParams(location.search).get(name);
}

function langButton() {
  return el("button", { type: "button", id: "lang-switch", class: "lang", i18n: "lang.switch", onclick: toggleLang });
}

// The page's frame; resolves to the user, or to null when the role may not see the page.
export async function boot(page) {
  if (!token()) {
    location.assign(`/app/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    return new Promise(() => {});
  }
  const nav = document.getElementById("nav");
  const main = document.querySelector("main");
  let me;
  try {
    me = await api("/auth/me");
  } catch (err) {
    nav.replaceChildren(langButton());
    const box = el("div", { class: "problem", role: "alert" });
    main.prepend(box);
    showProblem(box, err);
    applyI18n();
    ready();
    return null;
  }
  const all = await pages();
  const mine = all.filter((p) => p.roles.includes(me.role));
  const links = mine.map((p) =>
    el("a", { href: `/app/${p.page}`, i18n: `page.${p.page}`, class: p.page === page ? "active" : null, dataset: { page: p.page } }),
  );
  nav.replaceChildren(
    el("span", { class: "brand", i18n: "app.name" }),
    el("nav", { class: "links" }, links),
    el(
      "span",
      { class: "who" },
      el("span", { id: "me-name" }, me.name),
      " · ",
      el("span", { i18n: `role.${me.role}` }),
      " · ",
      me.county,
    ),
    langButton(),
    el("button", {
      type: "button",
      id: "logout",
      i18n: "nav.logout",
      onclick: () => {
        setToken(null);
        location.assign("/app/login");
      },
    }),
  );
  document.body.dataset.role = me.role;
  applyI18n();
  const entry = all.find((p) => p.page === page);
  if (entry && !entry.roles.includes(me.role)) {
    main.replaceChildren(el("div", { class: "problem", role: "alert", dataset: { status: "403" } }, el("strong", { i18n: "common.not_allowed" })));
    applyI18n();
    ready();
    return null;
  }
  return me;
}

// The page has drawn what it first shows (<body data-ready>; the browser tests wait for it).
export function ready() {
  document.body.dataset.ready = "1";
}

// Re-render with fn() now and whenever the language changes.
export async function rendered(fn) {
  const run = async () => {
    await fn();
    applyI18n();
  };
  window.addEventListener("rf:lang", run);
  await run();
  ready();
}

export function problemBox(id) {
  return el("div", { class: "problem", id, role: "alert", hidden: true });
}

export function statusText(status) {
  return el("span", { i18n: `status.${status}`, class: `status status-${status}` });
}

// Poll a run until it has finished; onTick(run) after each read.
export async function follow(adcode, runId, onTick) {
  for (;;) {
    const run = await api(`/counties/${adcode}/runs/${runId}`);
    onTick(run);
    if (!["queued", "running", "cancelling"].includes(run.status)) return run;
    await new Promise((r) => setTimeout(r, 500));
  }
}

// The newest finished run of `kind` (with its result), or null.
export async function latestRun(adcode, kind) {
  const list = await api(`/counties/${adcode}/runs?kind=${kind}`);
  const done = list.data.find((r) => r.status === "done");
  return done ? api(`/counties/${adcode}/runs/${done.id}`) : null;
}

export { ApiError, t };
