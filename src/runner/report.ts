/** The report index: run metadata, one row per notebook, and every paper-vs-run comparison. */
import { comparisonRows, escapeHtml, tableHtml, type Comparison } from "../notebook/display";
import { pageHtml } from "./html";

export interface RunMetadata {
  startedAt: string;
  finishedAt: string;
  gitCommit: string;
  gitDirty: boolean;
  profile: string;
  /** Overrides given on the command line. */
  parameters: Record<string, string>;
  node: string;
  tslab: string;
  platform: string;
  ok: boolean;
}

export interface NotebookSummary {
  name: string;
  source: string;
  ok: boolean;
  durationMs: number;
  /** Every parameter of the notebook with the value in effect. */
  parameters: Record<string, string>;
  failure?: string;
  comparisons: Comparison[];
}

export function renderIndexHtml(meta: RunMetadata, notebooks: NotebookSummary[]): string {
  const overrides = Object.entries(meta.parameters);
  const head =
    `<h1>Reproduction report</h1>` +
    `<p class="meta">Zigui landslides (U-Net + SBAS InSAR) and Foshan subway (improved PS-InSAR): every table and figure of the two studies, executed from the notebooks.</p>` +
    tableHtml(
      [
        { field: "status", value: meta.ok ? "all notebooks ran" : "some notebooks failed" },
        { field: "started", value: meta.startedAt },
        { field: "finished", value: meta.finishedAt },
        { field: "git commit", value: meta.gitCommit + (meta.gitDirty ? " (with uncommitted changes)" : "") },
        { field: "data profile", value: meta.profile },
        { field: "parameter overrides", value: overrides.length ? overrides.map(([k, v]) => `${k}=${v}`).join(", ") : "none (papers' values)" },
        { field: "node / tslab", value: `${meta.node} / ${meta.tslab}` },
        { field: "machine", value: meta.platform },
      ],
      { caption: "Run" },
    );
  const rows = notebooks
    .map((n) => {
      const params = Object.entries(n.parameters)
        .map(([k, v]) => `<code>${escapeHtml(k)}=${escapeHtml(v.length > 60 ? v.slice(0, 57) + "…" : v)}</code>`)
        .join(" ");
      return (
        `<tr><td><a href="${escapeHtml(n.name)}.html">${escapeHtml(n.name)}</a></td>` +
        `<td class="${n.ok ? "status-ok" : "status-failed"}">${n.ok ? "ok" : "failed"}</td>` +
        `<td class="num">${(n.durationMs / 1000).toFixed(1)} s</td><td>${params}</td>` +
        `<td>${n.failure ? `<pre class="error">${escapeHtml(n.failure)}</pre>` : ""}<a href="${escapeHtml(n.name)}.ipynb">.ipynb</a></td></tr>`
      );
    })
    .join("");
  const nbTable =
    `<h2>Notebooks</h2><table class="dlab-table notebooks"><thead><tr><th>notebook</th><th>status</th><th>duration</th>` +
    `<th>parameters in effect</th><th>details</th></tr></thead><tbody>${rows}</tbody></table>`;
  const comps = notebooks.flatMap((n) => n.comparisons.map((c) => ({ n, c })));
  const compHtml = comps.length
    ? `<h2>Paper vs this run</h2>` +
      comps.map(({ n, c }) => tableHtml(comparisonRows(c), { caption: `${c.item} — ${n.name}` })).join("")
    : "";
  return pageHtml("Reproduction report", head + nbTable + compHtml);
}
