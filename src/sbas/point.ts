/**
 * Point and polygon time series and the analyses of the paper's Figs 10–12 and §3.3: displacement at
 * a pixel or averaged over a polygon, a linear fit (slope, intercept, R²) in a chosen unit, and the
 * monthly / seasonal rates behind "sliding Mar–Aug, strongest Apr–May, stable Sep–Feb".
 */
import { dateToJs, daysBetween } from "./dates";

/** Displacement (m) of one pixel over the dates. */
export function pixelSeries(ts: ArrayLike<number>[], index: number): number[] {
  return ts.map((t) => t[index]);
}

/** Ray-casting point-in-polygon (ring of [x, y]). */
export function pointInRing(x: number, y: number, ring: [number, number][]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Pixel indices whose centres fall inside a polygon given in pixel (col, row) coordinates. */
export function pixelsInPolygon(ringColRow: [number, number][], width: number, height: number): number[] {
  const xs = ringColRow.map((p) => p[0]);
  const ys = ringColRow.map((p) => p[1]);
  const c0 = Math.max(0, Math.floor(Math.min(...xs)));
  const c1 = Math.min(width - 1, Math.ceil(Math.max(...xs)));
  const r0 = Math.max(0, Math.floor(Math.min(...ys)));
  const r1 = Math.min(height - 1, Math.ceil(Math.max(...ys)));
  const out: number[] = [];
  for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) if (pointInRing(c + 0.5, r + 0.5, ringColRow)) out.push(r * width + c);
  return out;
}

/** Mean displacement over pixels, optionally only those passing `mask`; NaN pixels ignored. */
export function meanSeries(ts: ArrayLike<number>[], pixels: number[], mask?: Uint8Array): number[] {
  const use = mask ? pixels.filter((p) => mask[p]) : pixels;
  return ts.map((t) => {
    let s = 0;
    let n = 0;
    for (const p of use) {
      const v = t[p];
      if (v === v) {
        s += v;
        n++;
      }
    }
    return n ? s / n : NaN;
  });
}

export type SlopeUnit = "mm/acquisition" | "mm/day" | "mm/month" | "mm/year";

export interface LinearFit {
  slope: number;
  intercept: number;
  r2: number;
  unit: SlopeUnit;
}

/** Least-squares line through (x, y mm); x = acquisition index, days, months or years since the first date. */
export function linearFit(dates: string[], valuesMm: number[], unit: SlopeUnit): LinearFit {
  const x = dates.map((d, i) => {
    const days = daysBetween(dates[0], d);
    return unit === "mm/acquisition" ? i : unit === "mm/day" ? days : unit === "mm/month" ? days / (365.25 / 12) : days / 365.25;
  });
  const pts = x.map((xi, i) => [xi, valuesMm[i]]).filter(([, y]) => y === y);
  const n = pts.length;
  if (n < 2) return { slope: NaN, intercept: NaN, r2: NaN, unit };
  const mx = pts.reduce((a, p) => a + p[0], 0) / n;
  const my = pts.reduce((a, p) => a + p[1], 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const [a, b] of pts) {
    sxx += (a - mx) ** 2;
    sxy += (a - mx) * (b - my);
    syy += (b - my) ** 2;
  }
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, r2: syy > 0 ? (sxy * sxy) / (sxx * syy) : 1, unit };
}

export interface MonthlyRate {
  month: number;
  /** Mean displacement rate during that calendar month over the record (mm/month). */
  rateMmPerMonth: number;
  /** Days of the record falling in the month. */
  days: number;
}

/**
 * Rate per calendar month: each interval's displacement change is spread uniformly over its days,
 * then summed by month and divided by the days observed in that month (mm/day × 30.44).
 */
export function monthlyRates(dates: string[], valuesMm: number[]): MonthlyRate[] {
  const sum = new Float64Array(12);
  const days = new Float64Array(12);
  for (let i = 1; i < dates.length; i++) {
    const a = valuesMm[i - 1];
    const b = valuesMm[i];
    if (a !== a || b !== b) continue;
    const nd = daysBetween(dates[i - 1], dates[i]);
    const perDay = (b - a) / nd;
    let d = dateToJs(dates[i - 1]);
    for (let k = 0; k < nd; k++) {
      const m = d.getUTCMonth();
      sum[m] += perDay;
      days[m]++;
      d = new Date(d.getTime() + 86_400_000);
    }
  }
  return Array.from({ length: 12 }, (_, m) => ({
    month: m + 1,
    rateMmPerMonth: days[m] ? (sum[m] / days[m]) * (365.25 / 12) : NaN,
    days: days[m],
  }));
}

export interface SeasonSummary {
  season: string;
  months: number[];
  rateMmPerMonth: number;
}

/** Mean monthly rate over each named season (weighted by observed days). */
export function seasonalRates(monthly: MonthlyRate[], seasons: Record<string, number[]>): SeasonSummary[] {
  return Object.entries(seasons).map(([season, months]) => {
    let s = 0;
    let n = 0;
    for (const m of months) {
      const r = monthly[m - 1];
      if (r && r.days > 0 && r.rateMmPerMonth === r.rateMmPerMonth) {
        s += r.rateMmPerMonth * r.days;
        n += r.days;
      }
    }
    return { season, months, rateMmPerMonth: n ? s / n : NaN };
  });
}

/** Displacement (mm) at the last acquisition in or before the end of `month` of the first year on record. */
export function displacementAtMonthEnd(dates: string[], valuesMm: number[], month: number): { date: string; valueMm: number } | null {
  const y0 = Number(dates[0].slice(0, 4));
  const year = Number(dates[0].slice(4, 6)) <= month ? y0 : y0 + 1;
  const end = `${year}${String(month).padStart(2, "0")}31`;
  let best = -1;
  dates.forEach((d, i) => {
    if (d <= end) best = i;
  });
  return best >= 0 ? { date: dates[best], valueMm: valuesMm[best] } : null;
}
