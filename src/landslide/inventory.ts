/**
 * Identified landslides against a reference inventory (the simulated truth, or surveyed outlines):
 * pixel precision/recall/F1 over the scene and object-level detection — a reference landslide counts
 * as found when any identified pixel falls inside it, an identified polygon counts as correct when it
 * touches any reference pixel (how Fig 6 judges "identified within the surveyed landslide").
 */
import { booleanIntersects } from "@turf/turf";
import type { Point, Polygon } from "geojson";
import { connectedComponents, type LandslideCollection, type LandslideFeature } from "./polygons";

export interface InventoryMatch {
  truePositivePixels: number;
  falsePositivePixels: number;
  falseNegativePixels: number;
  precision: number;
  recall: number;
  f1: number;
  referenceObjects: number;
  referenceFound: number;
  identifiedObjects: number;
  identifiedCorrect: number;
  objectRecall: number;
  objectPrecision: number;
}

const ratio = (a: number, b: number): number => (b > 0 ? a / b : NaN);

/** Compares an identified mask (≥ threshold) with a reference mask (> 0), both width×height. */
export function matchInventory(
  identified: ArrayLike<number>,
  reference: ArrayLike<number>,
  width: number,
  height: number,
  threshold = 0.5,
  connectivity: 4 | 8 = 8,
): InventoryMatch {
  const n = width * height;
  if (identified.length !== n || reference.length !== n) {
    throw new Error(`matchInventory: masks of ${identified.length} and ${reference.length} pixels for a ${width}×${height} scene`);
  }
  const pred = new Uint8Array(n);
  const ref = new Uint8Array(n);
  let tp = 0, fp = 0, fn = 0;
  for (let i = 0; i < n; i++) {
    pred[i] = identified[i] >= threshold ? 1 : 0;
    ref[i] = reference[i] > 0 ? 1 : 0;
    if (pred[i] && ref[i]) tp++;
    else if (pred[i]) fp++;
    else if (ref[i]) fn++;
  }
  const rc = connectedComponents(ref, width, height, connectivity);
  const pc = connectedComponents(pred, width, height, connectivity);
  const refHit = new Uint8Array(rc.count + 1);
  const predHit = new Uint8Array(pc.count + 1);
  for (let i = 0; i < n; i++) {
    if (pred[i] && ref[i]) {
      refHit[rc.labels[i]] = 1;
      predHit[pc.labels[i]] = 1;
    }
  }
  const found = refHit.reduce((s, v) => s + v, 0);
  const correct = predHit.reduce((s, v) => s + v, 0);
  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  return {
    truePositivePixels: tp,
    falsePositivePixels: fp,
    falseNegativePixels: fn,
    precision,
    recall,
    f1: ratio(2 * precision * recall, precision + recall),
    referenceObjects: rc.count,
    referenceFound: found,
    identifiedObjects: pc.count,
    identifiedCorrect: correct,
    objectRecall: ratio(found, rc.count),
    objectPrecision: ratio(correct, pc.count),
  };
}

/**
 * Identified polygons that intersect a surveyed landslide (its outline, or a point such as a surveyed
 * location) — Fig 6's "identified within the surveyed landslide".
 */
export function identifiedAt(surveyed: Polygon | Point, identified: LandslideCollection): LandslideFeature[] {
  return identified.features.filter((f) => booleanIntersects(f.geometry, surveyed));
}
