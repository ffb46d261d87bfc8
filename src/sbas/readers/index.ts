/**
 * The stack formats this folder adds (native GAMMA, ISCE2 topsStack, ROI_PAC, ARIA GUNW) and the
 * block-wise MintPy reader, behind one detection step that src/sbas/load.ts consults first.
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { looksLikeGamma } from "../gamma";
import { looksLikeHyp3 } from "../hyp3";
import type { IfgramStack } from "../types";
import { looksLikeAria, readAriaStack } from "./aria";
import { looksLikeGammaNative, readGammaNativeStack } from "./gamma-native";
import { looksLikeIsce2, readIsce2Stack } from "./isce2";
import { readMintpyStackStreamed } from "./mintpy-stream";
import { looksLikeRoipac, readRoipacStack } from "./roipac";

export type ReaderFormat = "mintpy-h5" | "gamma-native" | "isce2" | "roipac" | "aria";

export interface ReaderOptions {
  quiet?: boolean;
  /** Drop pairs whose unwrapped file is missing (with a note) instead of refusing the stack. */
  dropPairsWithoutUnw?: boolean;
  onNote?: (msg: string) => void;
}

/** The format of `input` when it is one of this folder's, else undefined (load.ts then tries its own). */
export function detectReaderFormat(input: string): ReaderFormat | undefined {
  if (!existsSync(input)) return undefined;
  if (statSync(input).isFile()) return /\.(h5|he5|hdf5)$/i.test(input) ? "mintpy-h5" : undefined;
  if (looksLikeIsce2(input)) return "isce2";
  if (looksLikeAria(input)) return "aria";
  if (looksLikeRoipac(input)) return "roipac";
  if (looksLikeGammaNative(input)) return "gamma-native";
  // A MintPy folder (not a product folder that also holds a stack written from it).
  if (existsSync(join(input, "ifgramStack.h5")) && !looksLikeHyp3(input) && !looksLikeGamma(input)) return "mintpy-h5";
  return undefined;
}

export async function readStackAs(format: ReaderFormat, input: string, opts: ReaderOptions = {}): Promise<IfgramStack> {
  const note = opts.onNote ?? ((m: string) => process.stderr.write(`note: ${m}\n`));
  const drop = { dropPairsWithoutUnw: opts.dropPairsWithoutUnw, onNote: note };
  switch (format) {
    case "mintpy-h5":
      return readMintpyStackStreamed(statSync(input).isFile() ? input : join(input, "ifgramStack.h5"), opts);
    case "isce2":
      return readIsce2Stack(input, drop);
    case "aria":
      return readAriaStack(input);
    case "roipac":
      return readRoipacStack(input, drop);
    case "gamma-native":
      return readGammaNativeStack(input, drop);
  }
}
