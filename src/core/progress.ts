/**
 * Progress for long work (training epochs, downloads, inversion blocks). On a terminal it redraws one
 * line on stderr; elsewhere (CI logs, notebook outputs) it prints a line at most every `minIntervalMs`
 * and at the end, so logs stay short but still show that work advances.
 */
export interface ProgressOptions {
  /** What is being counted, e.g. "epochs", "bytes", "blocks". */
  unit?: string;
  /** Render `current/total` as bytes (KiB, MiB) with a rate. */
  bytes?: boolean;
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  minIntervalMs?: number;
  /** Silence everything (tests). Also silenced by DLAB_QUIET=1. */
  quiet?: boolean;
}

export interface Progress {
  update(current: number, extra?: string): void;
  tick(delta?: number, extra?: string): void;
  done(extra?: string): void;
}

export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  if (m < 60) return `${m}m${String(s).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

export function progress(label: string, total: number | undefined, opts: ProgressOptions = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  const quiet = opts.quiet ?? process.env.DLAB_QUIET === "1";
  const tty = Boolean((stream as { isTTY?: boolean }).isTTY);
  const minInterval = opts.minIntervalMs ?? (tty ? 100 : 5000);
  const start = Date.now();
  let current = 0;
  let lastDraw = 0;
  let finished = false;

  const render = (extra?: string): string => {
    const elapsed = (Date.now() - start) / 1000;
    const fmt = (v: number): string => (opts.bytes ? formatBytes(v) : String(Math.round(v * 100) / 100));
    const parts = [label];
    if (total !== undefined && total > 0) {
      const frac = Math.min(1, current / total);
      const width = 24;
      const filled = Math.round(frac * width);
      parts.push(`[${"#".repeat(filled)}${".".repeat(width - filled)}]`);
      parts.push(`${fmt(current)}/${fmt(total)}${opts.unit ? " " + opts.unit : ""}`);
      parts.push(`${(frac * 100).toFixed(0)}%`);
      if (current > 0 && frac < 1) parts.push(`eta ${formatDuration((elapsed / frac) * (1 - frac))}`);
    } else {
      parts.push(`${fmt(current)}${opts.unit ? " " + opts.unit : ""}`);
    }
    if (opts.bytes && elapsed > 0) parts.push(`${formatBytes(current / elapsed)}/s`);
    parts.push(formatDuration(elapsed));
    if (extra) parts.push(extra);
    return parts.join(" ");
  };

  const draw = (force: boolean, extra?: string): void => {
    if (quiet) return;
    const now = Date.now();
    if (!force && now - lastDraw < minInterval) return;
    lastDraw = now;
    if (tty) stream.write(`\r\x1b[2K${render(extra)}`);
    else stream.write(`${render(extra)}\n`);
  };

  return {
    update(value, extra) {
      current = value;
      draw(false, extra);
    },
    tick(delta = 1, extra) {
      current += delta;
      draw(false, extra);
    },
    done(extra) {
      if (finished) return;
      finished = true;
      if (total !== undefined) current = Math.max(current, total);
      draw(true, extra);
      if (tty && !quiet) stream.write("\n");
    },
  };
}
