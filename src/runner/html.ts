/**
 * Static HTML for executed notebooks and the report index. Everything is offline: plotly.js from the
 * installed package is copied once into the report folder (not embedded in every 5 MB page) and figures are drawn
 * from their `application/vnd.plotly.v1+json` part, so the per-figure copies the notebook carries for
 * Jupyter are not repeated.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../core/atomic";
import { marked } from "marked";
import { escapeHtml, plotlyBundlePath, PLOTLY_MIME } from "../notebook/display";
import { TSVIEW_MIME } from "../notebook/tsview";
import { cellSource, type Notebook, type Output } from "./notebook";

export const REPORT_CSS = `
:root { --fg:#1d2430; --muted:#5b6676; --line:#d9dee6; --accent:#1f5fa8; --bad:#a61b1b; --ok:#1b7a3a; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); margin: 0; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 28px 80px; }
header.run { border-bottom: 1px solid var(--line); margin-bottom: 20px; padding-bottom: 10px; }
h1 { font-size: 1.6em; margin: 0.4em 0; } h2 { font-size: 1.3em; } h3 { font-size: 1.1em; }
a { color: var(--accent); }
.meta { color: var(--muted); font-size: 0.9em; }
.cell { margin: 14px 0; }
.cell.code pre.src { white-space: pre-wrap; background: #f5f7fa; border: 1px solid var(--line); border-left: 3px solid var(--accent); padding: 8px 10px; overflow-x: auto; font-size: 13px; margin: 0; }
.count { color: var(--muted); font: 12px monospace; }
.output { margin: 6px 0 0 0; overflow-x: auto; }
pre.stream { margin: 0; padding: 6px 10px; font-size: 12.5px; background: #fff; border-left: 3px solid #e3e7ee; white-space: pre-wrap; }
pre.stderr { border-left-color: #e8c46a; }
pre.error { margin: 0; padding: 8px 10px; background: #fff3f3; border-left: 3px solid var(--bad); color: var(--bad); white-space: pre-wrap; font-size: 12.5px; }
table.dlab-table { border-collapse: collapse; margin: 6px 0; font-size: 13.5px; }
table.dlab-table caption { text-align: left; font-weight: 600; padding: 4px 0; }
table.dlab-table th, table.dlab-table td { border: 1px solid var(--line); padding: 3px 8px; }
table.dlab-table th { background: #f0f3f7; }
table.dlab-table td.num { text-align: right; font-variant-numeric: tabular-nums; }
.dlab-caption { color: var(--muted); font-size: 0.9em; }
.status-ok { color: var(--ok); font-weight: 600; } .status-failed { color: var(--bad); font-weight: 600; }
.status-warning { color: #9a6700; font-weight: 600; } .status-skipped { color: var(--muted); font-weight: 600; }
.dlab-banner { border: 1px solid var(--line); border-left: 4px solid var(--accent); padding: 8px 12px; margin: 10px 0; background: #f7f9fc; }
.dlab-banner.origin-simulated, .dlab-banner.origin-mixed { border-left-color: #d4a017; background: #fffaf0; }
.dlab-skip, .dlab-warning, .dlab-origin { padding: 6px 10px; margin: 4px 0; border-left: 3px solid #d4a017; background: #fffaf0; }
.dlab-origin { border-left-color: var(--accent); background: #f7f9fc; }
`;

function text(v: unknown): string {
  return Array.isArray(v) ? v.join("") : typeof v === "string" ? v : JSON.stringify(v, null, 2);
}

let renderCounter = 0;

export function renderOutput(o: Output): string {
  if (o.output_type === "stream") {
    return `<pre class="stream ${o.name}">${escapeHtml(text(o.text))}</pre>`;
  }
  if (o.output_type === "error") {
    // ANSI colour codes from Node's inspect have no meaning in HTML.
    const tb = o.traceback.join("\n").replace(/\x1b\[[0-9;]*m/g, "");
    return `<pre class="error">${escapeHtml(tb || `${o.ename}: ${o.evalue}`)}</pre>`;
  }
  const d = o.data;
  const tsview = d[TSVIEW_MIME] as { html?: string } | undefined;
  if (tsview && typeof tsview.html === "string") return tsview.html;
  if (d[PLOTLY_MIME]) {
    const id = `fig-${++renderCounter}`;
    const spec = JSON.stringify(d[PLOTLY_MIME]).replace(/</g, "\\u003c");
    const caption = typeof o.metadata.caption === "string" ? `<div class="dlab-caption">${escapeHtml(o.metadata.caption)}</div>` : "";
    return (
      `<div id="${id}" class="dlab-figure js-plotly-target" style="width:100%;min-height:420px"></div>${caption}` +
      `<script>(function(){var s=${spec};Plotly.newPlot(${JSON.stringify(id)},s.data,s.layout,s.config||{responsive:true});})();</script>`
    );
  }
  if (d["text/html"] !== undefined) return text(d["text/html"]);
  if (d["image/svg+xml"] !== undefined) return text(d["image/svg+xml"]);
  if (d["image/png"] !== undefined) return `<img alt="figure" src="data:image/png;base64,${text(d["image/png"]).trim()}">`;
  if (d["image/jpeg"] !== undefined) return `<img alt="figure" src="data:image/jpeg;base64,${text(d["image/jpeg"]).trim()}">`;
  if (d["text/markdown"] !== undefined) return marked.parse(text(d["text/markdown"]), { async: false }) as string;
  if (d["text/plain"] !== undefined) return `<pre class="stream">${escapeHtml(text(d["text/plain"]))}</pre>`;
  return "";
}

export function notebookTitle(nb: Notebook, fallback: string): string {
  for (const c of nb.cells) {
    if (c.cell_type !== "markdown") continue;
    const m = /^#\s+(.+)$/m.exec(cellSource(c));
    if (m) return m[1].trim();
  }
  return fallback;
}

/** plotly.js is written once beside the pages of a report folder, which load it by relative path. */
export const PLOTLY_FILE = "plotly.min.js";

export function writePlotlyBeside(outDir: string): void {
  const dest = join(outDir, PLOTLY_FILE);
  const src = plotlyBundlePath();
  if (!existsSync(dest) || statSync(dest).size !== statSync(src).size) writeFileAtomic(dest, readFileSync(src));
}

export function pageHtml(title: string, body: string, opts: { plotly?: boolean } = {}): string {
  const plotly = opts.plotly ? `<script src="${PLOTLY_FILE}"></script>` : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${REPORT_CSS}</style>${plotly}</head>
<body><main>
${body}
</main></body></html>
`;
}

export interface NotebookPageInfo {
  name: string;
  ok: boolean;
  durationMs: number;
  parameters: Record<string, string>;
  profile: string;
  failure?: string;
  ipynbHref: string;
  indexHref: string;
}

export function renderNotebookHtml(nb: Notebook, info: NotebookPageInfo): string {
  const title = notebookTitle(nb, info.name);
  const params = Object.entries(info.parameters)
    .map(([k, v]) => `<code>${escapeHtml(k)} = ${escapeHtml(v)}</code>`)
    .join(", ");
  const head =
    `<header class="run"><div class="meta"><a href="${info.indexHref}">← all notebooks</a> · ` +
    `<a href="${info.ipynbHref}">executed notebook (.ipynb)</a></div>` +
    `<div class="meta">${escapeHtml(info.name)} · profile <b>${escapeHtml(info.profile)}</b> · ` +
    `<span class="${info.ok ? "status-ok" : "status-failed"}">${info.ok ? "ok" : "failed"}</span> · ` +
    `${(info.durationMs / 1000).toFixed(1)} s</div>` +
    (params ? `<div class="meta">parameters: ${params}</div>` : "") +
    (info.failure ? `<pre class="error">${escapeHtml(info.failure)}</pre>` : "") +
    `</header>`;
  let hasPlotly = false;
  const cells = nb.cells
    .map((c) => {
      if (c.cell_type === "markdown") return `<section class="cell md">${marked.parse(cellSource(c), { async: false }) as string}</section>`;
      if (c.cell_type !== "code") return "";
      const tags = (c.metadata.tags ?? []).join(" ");
      const outs = c.outputs
        .map((o) => {
          if (o.output_type !== "stream" && o.output_type !== "error" && (o.data[PLOTLY_MIME] || o.data[TSVIEW_MIME])) hasPlotly = true;
          return `<div class="output">${renderOutput(o)}</div>`;
        })
        .join("");
      return (
        `<section class="cell code ${escapeHtml(tags)}"><div class="count">[${c.execution_count ?? " "}]${tags ? " " + escapeHtml(tags) : ""}</div>` +
        `<pre class="src"><code>${escapeHtml(cellSource(c))}</code></pre>${outs}</section>`
      );
    })
    .join("\n");
  return pageHtml(title, head + cells, { plotly: hasPlotly });
}
