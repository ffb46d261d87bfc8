/**
 * Names of the papers' figures and tables as the figure files carry them: `figure(spec, { id:
 * figureId("zigui", "Fig 8") })` is written as reports/figures/zigui-fig08.svg/.png, so a manuscript's
 * figure files sort in paper order and say which study they belong to.
 */

/** "Fig 8" → "zigui-fig08", "Fig 10–12" → "zigui-fig10-12", "Table 3" → "zigui-table03", panel "a" → "zigui-fig02a". */
export function figureId(study: string, item: string, panel?: string): string {
  const m = /^\s*(fig(?:ure)?|table|tab)\.?\s*(\d+)(?:\s*[-–—]\s*(\d+))?\s*([a-z])?\s*$/i.exec(item);
  if (!m) throw new Error(`figureId: "${item}" is not a paper item like "Fig 8", "Fig 10–12" or "Table 3"`);
  const kind = m[1].toLowerCase().startsWith("tab") ? "table" : "fig";
  const num = (s: string): string => s.padStart(2, "0");
  const studySlug = study.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
  if (!studySlug) throw new Error(`figureId: empty study name for "${item}"`);
  const p = (panel ?? m[4] ?? "").toLowerCase();
  return `${studySlug}-${kind}${num(m[2])}${m[3] ? `-${num(m[3])}` : ""}${p}`;
}
