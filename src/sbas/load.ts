/** Opens any supported stack: a MintPy ifgramStack.h5, a HyP3 product folder or a GAMMA/GeoTIFF folder. */
import { existsSync, statSync } from "node:fs";
import { readGammaStack, looksLikeGamma } from "./gamma";
import { readHyp3Stack, looksLikeHyp3 } from "./hyp3";
import { readMintpyStack } from "./mintpy-h5";
import { type IfgramStack, SbasInputError } from "./types";
import { detectReaderFormat, readStackAs } from "./readers";

export type StackFormat = "mintpy" | "hyp3" | "gamma";

export function detectStackFormat(input: string): StackFormat {
  if (!existsSync(input)) throw new SbasInputError(input, "does not exist");
  if (statSync(input).isFile()) {
    if (/\.(h5|he5|hdf5)$/i.test(input)) return "mintpy";
    throw new SbasInputError(input, "is a file but not an HDF5 ifgramStack; give a stack folder or ifgramStack.h5");
  }
  if (looksLikeHyp3(input)) return "hyp3";
  if (looksLikeGamma(input)) return "gamma";
  const h5 = `${input}/ifgramStack.h5`;
  if (existsSync(h5)) return "mintpy";
  throw new SbasInputError(
    input,
    "holds neither HyP3 products (*_unw_phase.tif), GAMMA GeoTIFFs with .par headers (*_unw.tif + *_mli.par), nor ifgramStack.h5",
  );
}

export async function loadStack(input: string, opts: { quiet?: boolean } = {}): Promise<IfgramStack> {
  // >>> readers hook (scale branch): native GAMMA, ISCE2 topsStack, ROI_PAC, ARIA, block-wise ifgramStack.h5
  const extra = detectReaderFormat(input);
  if (extra) return readStackAs(extra, input, opts);
  // <<< readers hook
  const fmt = detectStackFormat(input);
  if (fmt === "hyp3") return readHyp3Stack(input, opts);
  if (fmt === "gamma") return readGammaStack(input, opts);
  return readMintpyStack(statSync(input).isFile() ? input : `${input}/ifgramStack.h5`);
}
