// The value matrix: the newest matrix run's figures; start one.
import { genericResult, runPage } from "./runpage.js";

await runPage({
  page: "matrix",
  kind: "matrix",
  startLabel: "runs.start_matrix",
  params: () => ({}),
  draw: async (res) => genericResult(res),
});
