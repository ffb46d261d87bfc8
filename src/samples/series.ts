/**
 * A seeded synthetic displacement series (linear rate + annual term + white noise) and its least-squares
 * fit, for the environment notebook's end-to-end check that planted values come back. The fit is SBAS's
 * own small least-squares solver, so the demo exercises the code the studies use.
 */
import { mulberry32, normal } from "../core/random";
import { DAY_MS, parseDate, yearsSince } from "../core/dates";
import { lstsqSmall } from "../sbas/linalg";

export interface SyntheticSeriesOptions {
  seed: number;
  days: number;
  stepDays: number;
  velocityMmYr: number;
  seasonalAmplitudeMm: number;
  noiseMm: number;
  start?: string;
}

export function syntheticSeries(o: SyntheticSeriesOptions): { dates: string[]; tYears: Float64Array; valueMm: Float64Array } {
  const g = normal(mulberry32(o.seed));
  const t0 = parseDate(o.start ?? "2023-02-09");
  const dates: string[] = [];
  for (let d = 0; d <= o.days; d += o.stepDays) dates.push(new Date(t0 + d * DAY_MS).toISOString().slice(0, 10));
  const tYears = yearsSince(dates);
  const valueMm = Float64Array.from(tYears, (t) => o.velocityMmYr * t + o.seasonalAmplitudeMm * Math.sin(2 * Math.PI * t) + o.noiseMm * g());
  return { dates, tYears, valueMm };
}

export interface LinearSeasonalFit {
  offset: number;
  velocity: number;
  velocityStd: number;
  annualAmplitude: number;
  fitted: Float64Array;
  residualRms: number;
}

/** Fits offset + velocity·t + annual sine/cosine; velocity in the unit of `y` per year. */
export function fitLinearSeasonal(tYears: ArrayLike<number>, y: ArrayLike<number>): LinearSeasonalFit {
  const m = tYears.length;
  const P = 4;
  if (m <= P) throw new Error(`least squares needs more observations (${m}) than unknowns (${P})`);
  const G = new Float64Array(m * P);
  for (let k = 0; k < m; k++) {
    const t = tYears[k];
    G.set([1, t, Math.sin(2 * Math.PI * t), Math.cos(2 * Math.PI * t)], k * P);
  }
  const { x, rss, covDiag, rankDeficient } = lstsqSmall(G, m, P, y);
  if (rankDeficient) throw new Error("the time functions are not independent over these dates");
  const fitted = Float64Array.from({ length: m }, (_, k) => G[k * P] * x[0] + G[k * P + 1] * x[1] + G[k * P + 2] * x[2] + G[k * P + 3] * x[3]);
  return {
    offset: x[0],
    velocity: x[1],
    velocityStd: Math.sqrt((covDiag[1] * rss) / (m - P)),
    annualAmplitude: Math.hypot(x[2], x[3]),
    fitted,
    residualRms: Math.sqrt(rss / m),
  };
}
