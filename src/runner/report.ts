/** The report index: run metadata, one row per notebook, and every paper-vs-run comparison. */
import { comparisonRows, escapeHtml, tableHtml, type Comparison } from "../notebook/display";
import { pageHtml } from "./html";
import type { DataOrigin } from "../notebook/status";

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
  /** ok, warning (a step produced nothing or something suspect), skipped (inputs missing), failed. */
  status: "ok" | "warning" | "skipped" | "failed";
  /** When this entry was produced (a subset run keeps the other notebooks' entries). */
  ranAt: string;
  /** What the results rest on. */
  origin: { origin: DataOrigin; detail: string };
  /** Skip reasons and warnings, one line each. */
  notes: string[];
  durationMs: number;
  /** Every parameter of the notebook with the value in effect. */
  parameters: Record<string, string>;
  failure?: string;
  comparisons: Comparison[];
  /** Whether this entry was restored from the execution cache, and if not, which inputs changed. */
  cache?: { restored: boolean; storedAt?: string; why?: string };
}

const ORIGIN_TEXT: Record<DataOrigin, string> = {
  real: "real data",
  simulated: "simulated data (agreement with the paper shows only that the method recovers what the simulator planted)",
  mixed: "real and simulated data",
};

/** One line saying what the whole run rests on, from the notebooks' own statements. */
export function provenanceBanner(notebooks: NotebookSummary[]): string {
  const ran = notebooks.filter((n) => n.status !== "skipped" && n.status !== "failed");
  const kinds = new Set(ran.map((n) => n.origin.origin));
  const overall: DataOrigin = kinds.size === 1 ? [...kinds][0] : "mixed";
  const per = ran.map((n) => `${escapeHtml(n.name)}: ${escapeHtml(n.origin.origin)}`).join(" · ");
  return (
    `<div class="dlab-banner origin-${overall}"><b>This run rests on ${escapeHtml(ORIGIN_TEXT[overall])}.</b>` +
    (per ? `<div class="meta">${per}</div>` : "") +
    `</div>`
  );
}

const STATUS_CLASS: Record<NotebookSummary["status"], string> = { ok: "status-ok", warning: "status-warning", skipped: "status-skipped", failed: "status-failed" };

export function renderIndexHtml(meta: RunMetadata, notebooks: NotebookSummary[]): string {
  const overrides = Object.entries(meta.parameters);
  const counts = (["ok", "warning", "skipped", "failed"] as const).map((k) => [k, notebooks.filter((n) => n.status === k).length] as const).filter(([, c]) => c > 0);
  const head =
    `<h1>Reproduction report</h1>` +
    `<p class="meta">Zigui landslides (U-Net + SBAS InSAR) and Foshan subway (improved PS-InSAR): every table and figure of the two studies, executed from the notebooks.</p>` +
    provenanceBanner(notebooks) +
    tableHtml(
      [
        { field: "status", value: counts.map(([k, c]) => `${c} ${k}`).join(", ") },
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
      const notes = n.notes.map((x) => `<div>${escapeHtml(x)}</div>`).join("");
      return (
        `<tr><td><a href="${escapeHtml(n.name)}.html">${escapeHtml(n.name)}</a></td>` +
        `<td class="${STATUS_CLASS[n.status]}">${n.status}</td>` +
        `<td>${escapeHtml(n.origin.origin)}</td>` +
        `<td class="num">${(n.durationMs / 1000).toFixed(1)} s</td><td class="meta">${escapeHtml(n.ranAt.slice(0, 16).replace("T", " "))}</td>` +
        `<td class="meta">${n.cache ? (n.cache.restored ? "restored from cache" : `ran (${escapeHtml(n.cache.why ?? "")})`) : ""}</td><td>${params}</td>` +
        `<td>${notes}${n.failure ? `<pre class="error">${escapeHtml(n.failure)}</pre>` : ""}<a href="${escapeHtml(n.name)}.ipynb">.ipynb</a></td></tr>`
      );
    })
    .join("");
  const nbTable =
    `<h2>Notebooks</h2><table class="dlab-table notebooks"><thead><tr><th>notebook</th><th>status</th><th>data</th><th>duration</th><th>ran</th><th>cache</th>` +
    `<th>parameters in effect</th><th>details</th></tr></thead><tbody>${rows}</tbody></table>`;
  const comps = notebooks.flatMap((n) => n.comparisons.map((c) => ({ n, c })));
  const compHtml = comps.length
    ? `<h2>Paper vs this run</h2><p class="meta">Each row says what its run value rests on and whether it agrees with the paper within the stated tolerance; "circular" marks values a simulator planted to match the paper.</p>` +
      comps.map(({ n, c }) => tableHtml(comparisonRows(c), { caption: `${c.item} — ${n.name}` })).join("")
    : "";
  return pageHtml("Reproduction report", head + nbTable + compHtml);
}
