/**
 * Every parameter of the Foshan improved PS-InSAR (Wuhan Univ. Geomatics paper, seed 001, section 2
 * "improved PS-InSAR", eq. 1, Fig 2). Values the paper states carry its location; values it leaves open
 * are documented choices (marked "open:") that the CLI and notebook 20 expose as `--param`.
 */

/** Temporal-coherence estimator for the multilooked network (the paper does not define it; see selection.ts). */
export type TemporalCoherenceMethod = "spatialResidual" | "windowCoherence";

export interface FoshanPsParams {
  /** Radar wavelength, m. Sentinel-1 C-band (paper §1: Sentinel-1 data). */
  wavelength: number;
  /** Classic PS: amplitude-dispersion threshold D_A = σ_A/μ_A (open: Ferretti 2001 uses 0.25). */
  amplitudeDispersionMax: number;
  /** Extra PS: multilook looks in range (paper §2: "距离向和方位向5×1作多视处理"). */
  multilookRange: number;
  /** Extra PS: multilook looks in azimuth (paper §2: 5×1). */
  multilookAzimuth: number;
  /** Each image paired with at least this many temporally following images (paper §2: "至少与时间上相连两景影像"). */
  networkNeighbours: number;
  /** Extra PS: temporal coherence threshold (paper §2: "相干性大于给定阈值(0.38)"). */
  coherenceThreshold: number;
  /** open: which temporal-coherence definition selects extra PS. */
  temporalCoherence: TemporalCoherenceMethod;
  /** open: window (multilooked pixels, odd) of the spatial low-pass used by the temporal-coherence estimators. */
  coherenceWindow: number;
  /** open: Delaunay arcs longer than this (m) are dropped (atmosphere decorrelates with distance). */
  maxArcLength: number;
  /** open: periodogram search range of the arc velocity difference Δv, ± mm/yr. */
  velocitySearch: number;
  /** open: periodogram velocity step, mm/yr (refined afterwards). */
  velocityStep: number;
  /** open: periodogram search range of the arc DEM-error difference Δz, ± m. */
  demSearch: number;
  /** open: periodogram DEM-error step, m (refined afterwards). */
  demStep: number;
  /** open: arcs whose ensemble coherence (eq. 1 fit) is below this are dropped. */
  arcCoherenceMin: number;
  /** open: arcs whose LSQ misclosure exceeds this many robust sigmas are removed, iteratively. */
  arcOutlierSigma: number;
  /** open: PS whose own model coherence ends below this are dropped from the output. */
  psCoherenceMin: number;
  /** open: temporal low-pass window (days, FWHM of the Gaussian-weighted local linear fit) separating nonlinear motion from atmosphere+noise. */
  temporalFilterDays: number;
  /** open: spatial low-pass radius (m, Gaussian σ) estimating atmosphere from the temporal high-pass. */
  spatialFilterMeters: number;
  /** open: cell size (m) of the gridded velocity GeoTIFF. */
  gridCellMeters: number;
  /** open: worker threads for the per-arc search (0 = in-process). */
  workers: number;
  /** open: memory budget (MiB) for row blocks while reading and multilooking, and date chunks of the residual integration. */
  memoryBudgetMiB: number;
}

export const FOSHAN_PS: FoshanPsParams = {
  wavelength: 0.05546576, // Sentinel-1 C-band, 5.405 GHz (paper §1 data: Sentinel-1)
  amplitudeDispersionMax: 0.25, // open: Ferretti et al. 2001 (the paper's "conventional PS selection", ref [15])
  multilookRange: 5, // paper §2: multilook 5 (range) × 1 (azimuth)
  multilookAzimuth: 1, // paper §2: multilook 5 × 1
  networkNeighbours: 2, // paper §2: every image paired with at least its two temporally adjacent images
  coherenceThreshold: 0.38, // paper §2: temporal coherence > 0.38 → PS
  temporalCoherence: "spatialResidual", // open: StaMPS-style phase-noise coherence (Hooper 2004); see src/ps/selection.ts
  coherenceWindow: 5, // open
  maxArcLength: 1000, // open: ~1 km keeps atmospheric differences small
  velocitySearch: 60, // open: covers the paper's −40…5 mm/a (Fig 3, area B)
  velocityStep: 2, // open: the coherence peak is ≈ λ/(2T) wide (≈ 9–19 mm/yr for 3.2–1.5 yr), refined afterwards
  demSearch: 40, // open: building heights / SRTM errors
  demStep: 4, // open: the height peak is tens of metres wide for Sentinel-1 baselines, refined afterwards
  arcCoherenceMin: 0.6, // open
  arcOutlierSigma: 4, // open
  psCoherenceMin: 0.5, // open
  temporalFilterDays: 72, // open: 6 Sentinel-1 revisits; keeps multi-month settlement (tunnelling passes in months), removes per-date atmosphere and noise
  spatialFilterMeters: 400, // open: atmosphere correlation length (km scale) vs. PS spacing
  gridCellMeters: 50, // open
  workers: 2, // open: the reference machine has 2 cores
  memoryBudgetMiB: 512, // open
};

/** The Sentinel-1 stack the paper processed (paper §1: 85 scenes, 2015-06-15 … 2018-09-15). */
export const FOSHAN_STACK = {
  scenes: 85, // paper §1
  firstDate: "2015-06-15", // paper §1
  lastDate: "2018-09-15", // paper §1
  revisitDays: 12, // Sentinel-1A repeat cycle
};

/** Numbers the paper reports that notebook 20 compares with (never printed as results). */
export const FOSHAN_PS_REPORTED = {
  velocityMin: -20, // paper §3.1, Fig 3: "形变量级为-20~5 mm/a"
  velocityMax: 5, // paper §3.1, Fig 3
  localVelocityBeyond: -30, // paper §3.1: locally > 30 mm/a subsidence
  velocityStdMostlyBelow: 1, // paper §3.1: internal precision mostly within 1 mm/a
  areaACumulativeMm: -80, // paper §3.1, Fig 4(a): ≈8 cm since 2016-06
  areaBCumulativeMm: -150, // paper §3.1, Fig 4(b): ≈15 cm
  areaCCumulativeMm: -90, // paper §3.1, Fig 4(c): ≈9 cm, linear
  areaBVelocityMin: -40, // paper §3.1: area B −40…5 mm/a
};

/** Applies `--param name=value` overrides with type checks against the defaults. */
export function withPsOverrides(
  overrides: Record<string, unknown>,
  base: FoshanPsParams = FOSHAN_PS,
): FoshanPsParams {
  const out: FoshanPsParams = { ...base };
  for (const [k, v] of Object.entries(overrides)) {
    if (!(k in base)) throw new Error(`unknown PS parameter "${k}" (known: ${Object.keys(base).join(", ")})`);
    const key = k as keyof FoshanPsParams;
    const cur = base[key];
    if (typeof cur === "number") {
      const n = typeof v === "number" ? v : Number(v);
      if (!Number.isFinite(n)) throw new Error(`PS parameter "${k}" must be a number, got "${String(v)}"`);
      (out as unknown as Record<string, unknown>)[key] = n;
    } else {
      if (key === "temporalCoherence" && v !== "spatialResidual" && v !== "windowCoherence") {
        throw new Error(`PS parameter temporalCoherence must be spatialResidual or windowCoherence, got "${String(v)}"`);
      }
      (out as unknown as Record<string, unknown>)[key] = String(v);
    }
  }
  return out;
}
