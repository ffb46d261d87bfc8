/**
 * Opens an SLC stack whatever its layout, detected from the path:
 *   *.h5 / *.hdf5 / *.he5                          HDF5 (`stack-h5.ts`)
 *   folder with stack.json + <yyyymmdd>.tif files  complex GeoTIFF (`stack-tiff.ts`)
 *   folder with merged/SLC (or merged/, merged/SLC) ISCE2 binary (`stack.ts`)
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { FileError } from "../core/errors";
import { openIsceStack, type StackSource } from "./stack";
import { openH5Stack } from "./stack-h5";
import { isComplexTiffStack, openComplexTiffStack } from "./stack-tiff";

export type StackLayout = "hdf5" | "complex-tiff" | "isce";

export function stackLayout(path: string): StackLayout {
  if (/\.(h5|hdf5|he5)$/i.test(path)) return "hdf5";
  if (isComplexTiffStack(path)) return "complex-tiff";
  return "isce";
}

export async function openStack(path: string): Promise<StackSource> {
  if (!existsSync(path)) throw new FileError(path, "no such stack folder or file");
  const layout = stackLayout(path);
  if (layout === "hdf5") return openH5Stack(path);
  if (layout === "complex-tiff") return openComplexTiffStack(path);
  try {
    return openIsceStack(path);
  } catch (e) {
    if (e instanceof FileError && /not an ISCE2 stack folder/.test(e.message) && !existsSync(join(path, "stack.json"))) {
      throw new FileError(
        path,
        "not an ISCE2 stack folder (no merged/SLC inside), nor a complex GeoTIFF stack (stack.json + <yyyymmdd>.tif), nor a stack .h5",
      );
    }
    throw e;
  }
}
