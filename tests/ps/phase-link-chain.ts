/**
 * Test helper: the PS chain of src/ps/pipeline.ts (runPs: select → link → network → integrate → filter →
 * outputs) on a simulated stack, as one record per point the tests score against truth. Points the
 * outputs step rejected for their phase-linking coherence are listed too (velocity NaN, `rejected`), so
 * tests can count what the γ_PL rejection removes.
 */
import type { StackSource } from "../../src/ps/stack";
import { runPs } from "../../src/ps/pipeline";
import { REJECT } from "../../src/ps/quality";
import type { DsMethod } from "../../src/ps/phase-link";
import { FOSHAN_PS } from "../../src/studies/foshan/ps";
import type { PsParams } from "../../src/ps/params";

export interface ChainOptions {
  classicOnly?: boolean;
  dsMethod?: DsMethod;
  params?: Partial<PsParams>;
}

export interface ChainPoint {
  row: number;
  col: number;
  kind: number;
  /** 1 PS tier (classic or PS-dominated cell), 2 DS tier. */
  tier: number;
  velocity: number;
  /** Calibrated σ_v (the output's velocityStd) and its noise-only part. */
  sigma: number;
  sigmaNoise: number;
  /** Phase-linking coherence γ_PL (NaN for PS tier). */
  quality: number;
  /** Rejected by the outputs step for γ_PL < dsLinkingMin (not in the output). */
  rejected: boolean;
}

export async function runChain(stack: StackSource, o: ChainOptions = {}): Promise<ChainPoint[]> {
  const params: PsParams = { ...FOSHAN_PS, workers: 0, ...o.params, ...(o.dsMethod ? { dsMethod: o.dsMethod } : {}) };
  const run = await runPs(stack, params, { quiet: true, classicOnly: o.classicOnly });
  const cand = run.selection.candidates;
  const out: ChainPoint[] = run.result.points.map((p, q) => ({
    row: run.pointRow[q],
    col: run.pointCol[q],
    kind: run.pointKind[q],
    tier: run.pointTier[q],
    velocity: p.velocity,
    sigma: p.velocityStd,
    sigmaNoise: run.pointNoiseStd[q],
    quality: run.pointLinking[q],
    rejected: false,
  }));
  run.verdict.forEach((v, c) => {
    if (v !== REJECT.linkingCoherence) return;
    out.push({ row: cand.row[c], col: cand.col[c], kind: cand.kind[c], tier: 2, velocity: NaN, sigma: NaN, sigmaNoise: NaN, quality: run.linking[c], rejected: true });
  });
  return out;
}
