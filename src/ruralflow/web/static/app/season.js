// Season synergy: the newest season run (the season's trace events and batches); start one.
import { el } from "./shell.js";
import { genericResult, runPage } from "./runpage.js";

const limit = el("input", { id: "season-limit", type: "number", min: "1", max: "10000", value: "40" });

await runPage({
  page: "season",
  kind: "season",
  startLabel: "runs.start_season",
  inputs: [el("label", {}, el("span", { i18n: "runs.limit" }), limit)],
  params: () => ({ limit: Number(limit.value) }),
  draw: async (res) => genericResult(res),
});
