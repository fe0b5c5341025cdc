// The login page: OAuth2 password flow at POST /auth/token; the token goes to sessionStorage.
import { api, login, showProblem } from "./api.js";
import { applyI18n, toggleLang } from "./i18n.js";
import { el, ready } from "./shell.js";

const main = document.getElementById("main");
const box = el("div", { class: "problem", id: "login-problem", role: "alert", hidden: true });
const form = el(
  "form",
  { id: "login-form", class: "card form narrow", novalidate: true },
  el("p", { class: "hint", i18n: "login.hint" }),
  el("label", { for: "username", i18n: "login.user" }),
  el("input", { id: "username", name: "username", autocomplete: "username", required: true }),
  el("label", { for: "password", i18n: "login.password" }),
  el("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true }),
  box,
  el("button", { type: "submit", id: "login-submit", class: "primary", i18n: "login.submit" }),
);
document.getElementById("nav").replaceChildren(
  el("span", { class: "brand", i18n: "app.name" }),
  el("span", { class: "spacer" }),
  el("button", { type: "button", id: "lang-switch", class: "lang", i18n: "lang.switch", onclick: toggleLang }),
);
main.replaceChildren(el("h1", { i18n: "page.login" }), form);
applyI18n();
ready();

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  box.hidden = true;
  try {
    await login(form.username.value.trim(), form.password.value);
    const me = await api("/auth/me");
    const pages = (await (await fetch("/static/app/pages.json")).json()).pages;
    const mine = pages.filter((p) => p.roles.includes(me.role)).map((p) => p.page);
    const next = new URLSearchParams(location.search).get("next");
    const okNext = next && next.startsWith("/app/") && mine.some((p) => next.startsWith(`/app/${p}`));
    location.assign(okNext ? next : `/app/${mine[0] || "login"}`);
  } catch (err) {
    showProblem(box, err);
  }
});
