// Batch trace: the lots the county knows (GET /counties/{a}/lots: lots named by captured events,
// with a link to their public consumer page, and the rows of lots.csv), a lot's event timeline
// (its consumer page's verification JSON, the same history the consumer sees), the newest
// season run's batches (county admin) or the members' intake (cooperative), and any EPC's
// events from the trace log (GET /epcis/events).
import { api, showProblem } from "./api.js";
import { boot, el, fmt, latestRun, param, problemBox, rendered, table, ready } from "./shell.js";

const me = await boot("trace");
if (me) {
  const a = me.county;
  const main = document.getElementById("main");
  const box = problemBox("trace-problem");
  try {
    let batches = [];
    let source = "tr.from_season";
    if (me.role === "cooperative") {
      source = "tr.from_intake";
      batches = (await api(`/counties/${a}/cooperatives/${me.scope}/batches`)).data.map((b) => ({
        batch: `${b.station}/${b.id}`, day: b.day, product: b.product, kg: b.kg, lot: "", epcs: [],
      }));
    } else {
      const run = await latestRun(a, "season");
      batches = run ? run.result.batches.map((b) => ({
        batch: b.batch, day: b.day, product: b.product, kg: b.kg, lot: b.lot_number,
        epcs: [b.lot, ...(b.graded || []).map((q) => q.epcClass || q.epc_class || "")].filter(Boolean),
      })) : [];
    }
    const lots = (await api(`/counties/${a}/lots`)).data;
    const chosenLot = param("lot");
    const chosen = param("batch");
    const epc = param("epc");
    let events = null;
    let pick = batches.find((b) => b.batch === chosen);
    if (!pick && epc) pick = { batch: epc, epcs: [epc] };
    const lot = chosenLot ? lots.find((l) => l.lot === chosenLot) || { lot: chosenLot, consumer_path: null } : null;
    if (lot) pick = { batch: lot.lot, epcs: [lot.lot], consumer: lot.consumer_path };
    if (pick && pick.consumer) {
      const view = await api(`${pick.consumer}/verification`);
      events = [...(view.events || []), ...(view.pending || [])].filter((e) => e.own !== false);
    } else if (pick && pick.epcs.length) {
      const q = pick.epcs.map((e) => `MATCH_anyEPC=${encodeURIComponent(e)}`).join("&");
      const doc = await api(`/epcis/events?${q}&perPage=200`);
      events = ((doc.epcisBody || {}).queryResults || {}).resultsBody?.eventList || [];
    } else if (pick) events = [];
    await rendered(() => draw(main, source, lots, batches, pick, events, epc || ""));
  } catch (err) {
    main.replaceChildren(el("h1", { i18n: "page.trace" }), box);
    showProblem(box, err);
    ready();
  }
}

function draw(main, source, lots, batches, pick, events, epc) {
  const tl = pick
    ? [el("h2", {}, el("span", { i18n: "tr.timeline" }), ` · ${pick.batch}`),
      pick.consumer ? el("p", {}, el("a", { href: pick.consumer, id: "consumer-link", i18n: "tr.consumer_page" })) : "",
      events && events.length
        ? el("ol", { class: "timeline", id: "timeline" }, events
          .slice().sort((x, y) => String(x.eventTime).localeCompare(String(y.eventTime)))
          .map((e) => el("li", { dataset: { step: String(e.bizStep || "").split(/[:/]/).pop(), stage: e.stage || "" } },
            el("strong", {}, String(e.eventTime || "")), " ",
            el("span", { class: "step" }, String(e.bizStep || "").split(/[:/]/).pop()), " · ", e.type || "",
            e.action ? ` ${e.action}` : "",
            e.disposition ? ` · ${String(e.disposition).split(/[:/]/).pop()}` : "",
            e.readPoint && e.readPoint.id ? ` · ${e.readPoint.id}` : "",
            e.where ? ` · ${e.where}` : "")))
        : el("p", { class: "muted", id: "timeline-empty", i18n: "tr.no_events" })]
    : [];
  main.replaceChildren(
    el("h1", { i18n: "page.trace" }),
    el("form", { class: "controls", id: "epc-form", action: "/app/trace", method: "get" },
      el("label", {}, el("span", { i18n: "tr.epc" }), el("input", { id: "epc-input", name: "epc", value: epc, autocomplete: "off" })),
      el("button", { type: "submit", id: "epc-submit", class: "primary", i18n: "common.show" })),
    ...tl,
    el("h2", { i18n: "tr.lots" }),
    lots.length ? el("div", { class: "scroll" }, table([
      { i18n: "tr.lot", value: (l) => el("a", { href: `/app/trace?lot=${encodeURIComponent(l.lot)}`, class: "lot-link" }, l.lot) },
      { i18n: "tr.lot_source", value: (l) => el("span", { i18n: l.source === "events" ? "tr.src_events" : "tr.src_lots" }) },
      { i18n: "ct.coop", key: "cooperative" },
      { i18n: "st.product", key: "product" },
      { i18n: "st.grade", key: "grade" },
      { i18n: "st.kg", value: (l) => (l.kg === null ? document.createTextNode("—") : l.kg), num: true },
      { i18n: "tr.n_events", key: "events", num: true, digits: 0 },
      { i18n: "tr.first_event", value: (l) => l.first_event || "—" },
      { i18n: "tr.consumer", value: (l) => (l.consumer_path ? el("a", { href: l.consumer_path, class: "consumer-link", i18n: "tr.consumer_page" }) : "—") },
    ], lots.slice(0, 300), { id: "lots", class: "grid stack" })) : el("p", { class: "muted", id: "lots-none", i18n: "tr.no_lots" }),
    el("p", { class: "muted" }, el("span", { i18n: "tr.source" }), ": ", el("span", { i18n: source })),
    el("h2", { i18n: "tr.batches" }),
    batches.length ? el("div", { class: "scroll" }, table([
      { i18n: "tr.batch", value: (b) => el("a", { href: `/app/trace?batch=${encodeURIComponent(b.batch)}` }, b.batch) },
      { i18n: "common.day", key: "day" },
      { i18n: "st.product", key: "product" },
      { i18n: "st.kg", value: (b) => fmt(b.kg, 1) },
      { i18n: "tr.lot", key: "lot" },
    ], batches.slice(0, 300), { id: "batches", class: "grid stack" })) : el("p", { class: "muted", i18n: "common.no_run" }),
  );
}
