// Calls to the RuralFlow API with the bearer token kept in sessionStorage, and the API's
// problem+json answers shown as they are (their detail is already "中文 / English").

const TOKEN = "rf.token";

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && problem.detail) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || { status, detail: `HTTP ${status}` };
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN);
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN, value);
  else sessionStorage.removeItem(TOKEN);
}

export async function login(username, password) {
  const body = new URLSearchParams({ username, password });
  const r = await fetch("/auth/token", { method: "POST", body });
  const data = await r.json().catch(() => null);
  if (!r.ok) throw new ApiError(r.status, data);
  setToken(data.access_token);
  return data;
}

// api("/counties/610425"), api(path, {method: "POST", json: {...}})
export async function api(path, opts = {}) {
  const headers = { Accept: "application/json" };
  const t = token();
  if (t) headers.Authorization = `Bearer ${t}`;
  const init = { method: opts.method || "GET", headers };
  if (opts.json !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(opts.json);
  } else if (opts.form !== undefined) {
    init.body = opts.form; // FormData: the browser sets the multipart boundary
  }
  const r = await fetch(path, init);
  const text = await r.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { detail: text };
    }
  }
  if (r.status === 401 && !opts.noRedirect) {
    setToken(null);
    location.assign(`/app/login?next=${encodeURIComponent(location.pathname + location.search)}`);
  }
  if (!r.ok) throw new ApiError(r.status, data);
  return data;
}

// The problem document shown in `box`: its detail, and each field error ("where: message").
export function showProblem(box, err) {
  box.replaceChildren();
  box.hidden = false;
  const p = err instanceof ApiError ? err.problem : { detail: String(err) };
  box.dataset.status = String(err instanceof ApiError ? err.status : 0);
  const head = document.createElement("strong");
  head.textContent = p.detail || p.title || String(err);
  box.append(head);
  const lines = [
    ...(Array.isArray(p.errors) ? p.errors.map((e) => (e.where ? `${e.where}: ${e.message}` : String(e.message || e))) : []),
    ...(Array.isArray(p.problems) ? p.problems.map(String) : []),
  ];
  if (lines.length) {
    const ul = document.createElement("ul");
    for (const line of lines) {
      const li = document.createElement("li");
      li.textContent = line;
      ul.append(li);
    }
    box.append(ul);
  }
}

export function clearProblem(box) {
  box.hidden = true;
  box.replaceChildren();
  delete box.dataset.status;
}
