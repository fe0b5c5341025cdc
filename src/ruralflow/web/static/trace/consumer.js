// The consumer page of a lot (GS1 Digital Link path /01/{gtin}/10/{lot}): the batch's story
// from field to shelf, freshness, brand, and the check of its events against the signed log,
// done here in the browser (verify.js). When the check is over, <body> carries
// data-proof="verified" or data-proof="failed" (a contract for outside checks).

import { STAGES, stageLabel, verifyBatch, hex } from "./verify.js";

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else node.setAttribute(k, v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

/** "中文" with its English beside, in a smaller span. */
function bi(zh, en) {
  return [zh, " ", el("span", { class: "en", lang: "en" }, en)];
}

function fmt(value, digits = 1) {
  return Number(value).toLocaleString("zh-CN", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function when(t) {
  if (typeof t !== "string") return "";
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/.exec(t);
  if (!m) return t;
  return `${m[1]} ${m[2]}${m[3] && m[3] !== "+08:00" ? ` (UTC${m[3] === "Z" ? "" : m[3]})` : ""}`;
}

let PLACES = {}; // location URI -> {name_zh, name_en} (the view's "places")

function place(id, lotData) {
  if (typeof id !== "string") return null;
  const known = PLACES[id];
  if (known && known.name_zh) return known.name_en ? `${known.name_zh} / ${known.name_en}` : known.name_zh;
  const village = /\/loc\/cn\/(\d{12})$/.exec(id);
  if (village) {
    const name = lotData && lotData["rf:village"] === village[1] ? lotData["rf:villageName"] : null;
    return name ? `${name}（${village[1]}）` : `村 / village ${village[1]}`;
  }
  const gln = /\/414\/(\d{13})$/.exec(id);
  if (gln) return `GLN ${gln[1]}`;
  const loc = /\/loc\/cn\/(.+)$/.exec(id);
  if (loc) return loc[1];
  return id;
}

function quantities(ev) {
  return [
    ...(ev.quantityList || []),
    ...(ev.childQuantityList || []),
    ...(ev.inputQuantityList || []),
    ...(ev.outputQuantityList || []),
  ].filter((q) => q && typeof q.epcClass === "string");
}

function kgOf(ev, lot) {
  const q = quantities(ev).find((x) => x.epcClass === lot);
  return q && typeof q.quantity === "number" ? q.quantity : null;
}

const DEVICES = [
  [/vehicle-logger-reefer$/, ["冷藏车", "reefer truck"], ["冷链", "cold chain"]],
  [/vehicle-logger-van$/, ["厢式货车", "van"], ["常温", "ambient"]],
  [/vehicle-logger-bus$/, ["客车带货", "passenger bus"], ["常温", "ambient"]],
  [/precooler/, ["预冷设备", "pre-cooler"], null],
  [/coldstore/, ["冷库", "cold store"], null],
];

function sensorFacts(ev) {
  const out = [];
  for (const element of ev.sensorElementList || []) {
    const meta = (element && element.sensorMetadata) || {};
    const temps = (element.sensorReport || []).filter(
      (r) => r && r.type === "Temperature" && typeof r.value === "number",
    );
    if (!temps.length) continue;
    const values = temps.map((r) => r.value);
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    const alarms = temps.filter((r) => r.exception === "ALARM_CONDITION").length;
    const device = DEVICES.find(([re]) => re.test(String(meta.deviceID || "")));
    let klass = device ? device[2] : null;
    if (!klass && ev.bizStep === "transporting") {
      klass = hi <= 8 ? ["冷藏", "chilled"] : ["常温", "ambient"];
    }
    out.push({ lo, hi, n: temps.length, alarms, meta, device: device ? device[1] : null, klass });
  }
  return out;
}

function facts(item, ev, view) {
  const lot = view.lot;
  const lotData = view.lot_data || {};
  const rows = [];
  const add = (zh, en, value) => rows.push(el("div", { class: "fact" }, el("dt", {}, bi(zh, en)), el("dd", {}, value)));
  if (!ev) {
    add("记录", "record", "无法读取的字节 / unreadable stored bytes");
    return rows;
  }
  const where = place((ev.bizLocation && ev.bizLocation.id) || (ev.readPoint && ev.readPoint.id), lotData);
  if (where) add("地点", "place", where);
  const kg = kgOf(ev, lot);
  if (item.stage === "harvest") {
    if (lotData["rf:productName"]) add("产品", "product", lotData["rf:productName"]);
    const q = quantities(ev)[0];
    if (q && typeof q.quantity === "number") add("采收量", "harvested", `${fmt(q.quantity)} kg`);
    if (ev.ilmd && ev.ilmd["cbvmda:lotNumber"]) add("批号", "lot number", ev.ilmd["cbvmda:lotNumber"]);
  } else if (item.stage === "grading") {
    const names = new Map(((ev.ilmd && ev.ilmd["rf:grades"]) || []).map((g) => [g["rf:lot"], g]));
    const list = el("ul", { class: "grades" });
    for (const q of ev.outputQuantityList || []) {
      const g = names.get(q.epcClass);
      const mine = q.epcClass === lot;
      list.append(
        el(
          "li",
          { class: mine ? "mine" : null },
          `${g ? g["rf:gradeName"] : q.epcClass.split("/").pop()} ${fmt(q.quantity)} kg`,
          mine ? el("strong", {}, " ← 本批 / this lot") : null,
        ),
      );
    }
    add("分级结果", "grades", list);
  } else if (kg !== null) {
    add("本批重量", "this lot", `${fmt(kg)} kg`);
  }
  if (item.stage === "shipping" || item.stage === "receiving") {
    const from = (ev.sourceList || []).find((s) => s.type === "location");
    const to = (ev.destinationList || []).find((d) => d.type === "location");
    if (from || to) add("路线", "route", `${place(from && from.source, lotData) || "?"} → ${place(to && to.destination, lotData) || "?"}`);
  }
  for (const s of sensorFacts(ev)) {
    if (s.device) add("设备", "device", bi(s.device[0], s.device[1]));
    if (s.klass) add("温度等级", "temperature class", bi(s.klass[0], s.klass[1]));
    add("温度", "temperature", `${fmt(s.lo)} – ${fmt(s.hi)} °C（${s.n} 次读数 / readings）`);
    if (typeof s.meta["rf:alarmMinC"] === "number" && typeof s.meta["rf:alarmMaxC"] === "number") {
      add("允许范围", "allowed range", `${fmt(s.meta["rf:alarmMinC"])} – ${fmt(s.meta["rf:alarmMaxC"])} °C`);
    }
    if (s.meta.startTime && s.meta.endTime) add("时段", "period", `${when(s.meta.startTime)} → ${when(s.meta.endTime)}`);
    add(
      "温度报警",
      "alarms",
      s.alarms ? el("span", { class: "alarm" }, `${s.alarms} 次超出范围 / readings out of range`) : "无 / none",
    );
  }
  return rows;
}

function storyItem(item, res, view) {
  const ev = res && res.event ? res.event : item.event || null;
  const stage = STAGES[item.stage] ? item.stage : "other";
  const mark = !res
    ? el("span", { class: "mark pending" }, "待签入 / not yet in a checkpoint")
    : res.ok
      ? el("span", { class: "mark ok" }, "✓ 已核对 / checked")
      : el("span", { class: "mark bad" }, "✗ 未通过 / failed");
  return el(
    "li",
    { class: `step stage-${stage}${res && !res.ok ? " bad" : ""}`, "data-index": item.index, "data-stage": item.stage },
    el("div", { class: "step-head" }, el("h3", {}, stageLabel(item.stage)), mark),
    el("p", { class: "time" }, when((ev && ev.eventTime) || item.eventTime)),
    el("dl", {}, facts(item, ev, view)),
  );
}

const GI = {
  registered: ["已登记", "registered"],
  applied: ["申请中", "applied for"],
  none: ["无", "none"],
  unknown: ["未知", "unknown"],
};

function brandSection(view) {
  const b = view.brand;
  const box = el("section", { class: "card brand", id: "brand" }, el("h2", {}, bi("品牌与地理标志", "Brand and GI")));
  if (!b) {
    box.append(el("p", {}, bi("没有品牌信息", "no brand information")));
    return box;
  }
  const dl = el("dl");
  const add = (zh, en, value) => dl.append(el("div", { class: "fact" }, el("dt", {}, bi(zh, en)), el("dd", {}, value)));
  const r = b.regional_public_brand;
  add("区域公共品牌", "regional brand", r ? bi(r.name_zh, r.name_en) : "无 / none");
  const s = b.enterprise_sub_brand;
  add(
    "企业子品牌",
    "sub-brand",
    s ? [bi(s.name_zh, s.name_en), s.enterprise_zh ? `（${s.enterprise_zh}）` : "", s.synthetic ? el("span", { class: "tag" }, "示例 / demo") : ""] : "无 / none",
  );
  const gi = GI[b.gi_status] || [b.gi_status, b.gi_status];
  const g = r && r.geographical_indication;
  add(
    "地理标志",
    "GI status",
    el("span", { class: `gi gi-${b.gi_status}` }, bi(gi[0], gi[1]), g ? ` · ${g.scheme_zh}${g.registration ? ` ${g.registration}` : ""}` : ""),
  );
  box.append(dl);
  return box;
}

function freshnessSection(view) {
  const f = view.freshness;
  const box = el("section", { class: "card freshness", id: "freshness" }, el("h2", {}, bi("新鲜度", "Freshness")));
  if (!f) {
    box.append(el("p", {}, bi("无法计算（缺少产品参数）", "not computed (no product parameters)")));
    return box;
  }
  if (f.status !== "ok") {
    box.append(el("p", {}, f.reason || f.status));
    return box;
  }
  const pct = Math.min(100, Math.max(0, f.consumed_fraction * 100));
  box.append(
    el("p", { class: "big" }, bi("已消耗货架期", "shelf life consumed"), el("strong", { id: "consumed" }, ` ${fmt(pct)} %`)),
    el("div", { class: "bar", role: "img", "aria-label": `${fmt(pct)} %` }, el("span", { style: `width:${pct.toFixed(1)}%` })),
    el(
      "p",
      {},
      `按 ${fmt(f.t_ref_c)} °C 储存约剩 ${fmt(f.remaining_days_at_ref)} 天 / about ${fmt(f.remaining_days_at_ref)} d left if kept at ${fmt(f.t_ref_c)} °C` +
        `（参考货架期 / reference shelf life ${fmt(f.shelf_life_ref_days, 0)} d）`,
    ),
    el(
      "p",
      { class: "small" },
      `${when(f.from)} → ${when(f.to)}，${fmt(f.hours)} h，${f.readings} 次温度读数 / temperature readings，` +
        `${fmt(f.min_c)} – ${fmt(f.max_c)} °C`,
    ),
    el("p", { class: "small" }, f.method),
  );
  return box;
}

function proofSection(outcome, view, problem) {
  const box = el("section", { class: `card proof ${outcome && outcome.ok ? "ok" : "bad"}`, id: "proof" });
  if (outcome && outcome.ok) {
    const cp = outcome.checkpoint;
    box.append(
      el("h2", { id: "proof-status" }, "已验证 / verified"),
      el(
        "p",
        {},
        `本页脚本在您的浏览器中重新计算了 ${outcome.results.length} 个事件的 SHA-256 叶哈希，` +
          `核对了它们到日志根的 RFC 9162 包含证明，并用日志公钥验证了检查点的 Ed25519 签名。`,
      ),
      el(
        "p",
        { class: "en", lang: "en" },
        `This page's script recomputed the SHA-256 leaf hashes of ${outcome.results.length} events in your browser, ` +
          `checked their RFC 9162 inclusion proofs to the log root, and verified the checkpoint's Ed25519 signature with the log's public key.`,
      ),
    );
    const dl = el("dl");
    const add = (zh, en, value) => dl.append(el("div", { class: "fact" }, el("dt", {}, bi(zh, en)), el("dd", {}, value)));
    add("日志", "log", cp.origin);
    add("检查点", "checkpoint", `树大小 / tree size ${cp.size}，根 / root ${hex(cp.rootHash).slice(0, 16)}…`);
    add("公钥", "public key", el("code", {}, `${cp.key.name}+${hex(cp.key.keyId)}`));
    box.append(dl);
  } else {
    box.append(el("h2", { id: "proof-status" }, "验证失败 / verification failed"));
    const list = el("ul", { id: "proof-failures" });
    for (const msg of problem ? [problem] : outcome.failures) list.append(el("li", {}, msg));
    box.append(list);
  }
  if (outcome && outcome.pending) {
    box.append(
      el("p", { class: "small" }, `另有 ${outcome.pending} 个较新的事件尚未签入检查点 / ${outcome.pending} newer events are not yet covered by a signed checkpoint`),
    );
  }
  return box;
}

async function getJson(url) {
  const r = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.json();
}

async function getText(url) {
  const r = await fetch(url, { cache: "no-store" });
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.text();
}

async function main() {
  const body = document.body;
  const app = document.getElementById("app");
  const status = document.getElementById("proof-checking");
  let view = null;
  let outcome = null;
  let problem = null;
  try {
    const [v, key] = await Promise.all([getJson(body.dataset.verification), getText(body.dataset.publicKey)]);
    view = v;
    PLACES = (view && view.places) || {};
    outcome = await verifyBatch(view, key);
  } catch (e) {
    problem = `无法完成验证 / the check could not be done: ${e.message}`;
  }
  const parts = [];
  if (view) {
    const lotData = view.lot_data || {};
    const product = lotData["rf:productName"] || (view.freshness && view.freshness.product_name) || "";
    const header = el(
      "header",
      { class: "card hero" },
      el("h1", {}, product ? `${product}` : "溯源 / Trace", view.brand && view.brand.regional_public_brand ? ` · ${view.brand.regional_public_brand.name_zh}` : ""),
      el(
        "p",
        { class: "en", lang: "en" },
        [
          (view.freshness && view.freshness.product_name_en) || lotData["rf:product"] || "",
          view.brand && view.brand.regional_public_brand ? view.brand.regional_public_brand.name_en : "",
        ]
          .filter(Boolean)
          .join(" · "),
      ),
      el("p", { class: "lot" }, "批次 / lot ", el("code", {}, view.lot)),
      lotData["rf:villageName"] ? el("p", {}, bi(`产地：${lotData["rf:villageName"]}`, `origin: village ${lotData["rf:village"] || ""}`)) : null,
      lotData["rf:synthetic"] ? el("p", { class: "tag" }, "演示数据 / synthetic demo data") : null,
    );
    parts.push(header);
  }
  parts.push(proofSection(outcome, view, problem));
  if (view) {
    parts.push(freshnessSection(view), brandSection(view));
    const byIndex = new Map((outcome ? outcome.results : []).map((r) => [r.index, r]));
    const steps = el("ol", { class: "story", id: "story" });
    // in the order things happened (the log's order is the order of capture)
    const timeOf = (item) => {
      const r = byIndex.get(item.index);
      const t = Date.parse((r && r.event && r.event.eventTime) || item.eventTime || "");
      return Number.isNaN(t) ? Infinity : t;
    };
    const items = [
      ...(view.events || []).map((item) => [item, byIndex.get(item.index)]),
      ...(view.pending || []).map((item) => [item, null]),
    ].sort(([a], [b]) => timeOf(a) - timeOf(b) || a.index - b.index);
    // the lot's own path; events of its siblings (other grades of the same harvest) are
    // checked too but told apart
    const others = el("ol", { class: "story", id: "family" });
    for (const [item, res] of items) (item.own === false ? others : steps).append(storyItem(item, res, view));
    const story = el("section", { class: "card" }, el("h2", {}, bi("从田间到货架", "From field to shelf")), steps);
    if (others.children.length) {
      story.append(
        el(
          "details",
          {},
          el("summary", {}, `同一采收批次其他等级的 ${others.children.length} 个事件（也已核对）/ ${others.children.length} events of other lots from the same harvest (checked too)`),
          others,
        ),
      );
    }
    parts.push(story);
  }
  if (status) status.remove();
  app.append(...parts);
  body.dataset.proof = outcome && outcome.ok && !problem ? "verified" : "failed";
}

main().catch((e) => {
  // Never leave the page without a verdict.
  const p = document.createElement("p");
  p.textContent = `验证失败 / verification failed: ${e.message}`;
  document.getElementById("app").append(p);
  document.body.dataset.proof = "failed";
});
