/**
 * The SBAS stack each data profile uses: the simulated `sbas-stack` sample (built on first use) or the
 * real PyRate cropA stack (`pyrate-cropA` manifest, taken from the mirror under the `mirror` profile).
 * The paper's own Zigui stack is not public.
 */
import { join } from "node:path";
import type { DataProfile } from "../core/project";
import { describeDataset, ensureProfileInput } from "./locate";

export interface SbasInput {
  input: string;
  description: string;
  /** Landslide outlines (GeoJSON polygons), when the profile has them. */
  landslides?: string;
  /** Markdown provenance of real data (title, licence, citation, how this copy was obtained). */
  provenance?: string;
}

export async function resolveSbasInput(profile: DataProfile, opts: { quiet?: boolean } = {}): Promise<SbasInput> {
  const r = await ensureProfileInput({ sample: "sbas-stack", real: "pyrate-cropA" }, profile, { quiet: opts.quiet });
  if (r.kind === "sample")
    return {
      input: r.dir,
      description: "simulated HyP3 stack (43 dates, Zigui-like valley, three landslides; src/samples/sbas-stack.ts)",
      landslides: join(r.dir, "truth", "landslides.geojson"),
    };
  const provenance = describeDataset(r.id);
  return { input: r.dir, description: `${provenance.split("\n")[0]}: real Sentinel-1 data over Mexico City (no landslides)`, provenance };
}
