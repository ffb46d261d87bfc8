/**
 * What this installation can do: library versions, optional engines (tfjs-node, WebGPU, MintPy,
 * PyTorch, Chromium) and where data comes from. The environment notebook and the report show it so a
 * reader knows what a run used.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { dataDir, dataProfile, projectRoot } from "../core/project";

export interface ComponentInfo {
  component: string;
  version: string;
  role: string;
}

function pkgVersion(name: string): string {
  try {
    const req = createRequire(join(projectRoot(), "package.json"));
    const p = req.resolve(`${name}/package.json`);
    return (JSON.parse(readFileSync(p, "utf8")) as { version: string }).version;
  } catch {
    try {
      // Packages whose `exports` hide package.json.
      const p = join(projectRoot(), "node_modules", name, "package.json");
      return (JSON.parse(readFileSync(p, "utf8")) as { version: string }).version;
    } catch {
      return "not installed";
    }
  }
}

function commandVersion(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 20_000 }).trim().split("\n")[0];
  } catch {
    return "not available";
  }
}

export function libraryVersions(): ComponentInfo[] {
  const rows: [string, string][] = [
    ["tslab", "TypeScript notebooks (Jupyter kernel and headless runner)"],
    ["typescript", "type checking"],
    ["@tensorflow/tfjs", "U-Net (Zigui)"],
    ["@tensorflow/tfjs-backend-wasm", "U-Net on CPU (WASM SIMD)"],
    ["@tensorflow/tfjs-backend-webgpu", "U-Net on GPU"],
    ["@tensorflow/tfjs-node", "optional: native TensorFlow"],
    ["@tensorflow/tfjs-node-gpu", "optional: native TensorFlow with CUDA"],
    ["webgpu", "optional: Dawn WebGPU for Node"],
    ["geotiff", "GeoTIFF reading"],
    ["h5wasm", "HDF5 (Landslide4Sense, MintPy layout)"],
    ["proj4", "map projections"],
    ["@turf/turf", "buffers, distances"],
    ["gcoord", "GCJ-02 / BD-09 datums"],
    ["delaunator", "PS arc network"],
    ["ml-levenberg-marquardt", "logistic settlement fits"],
    ["arquero", "data frames (stands in for danfojs)"],
    ["d3-array", "statistics (quantiles)"],
    ["plotly.js-dist-min", "figures"],
  ];
  return rows.map(([component, role]) => ({ component, version: pkgVersion(component), role }));
}

export function externalTools(): ComponentInfo[] {
  return [
    { component: "node", version: process.version, role: "runtime" },
    {
      component: "MintPy (python3-mintpy)",
      version: commandVersion("/usr/bin/python3", ["-c", "import mintpy; print(mintpy.__version__)"]),
      role: "reference for the SBAS steps",
    },
    {
      component: "PyTorch (python3-torch)",
      version: commandVersion("/usr/bin/python3", ["-c", "import torch; print(torch.__version__)"]),
      role: "reference for U-Net speed",
    },
    { component: "chromium", version: commandVersion("chromium", ["--version"]), role: "headless report tests" },
    { component: "jupyter", version: commandVersion("jupyter", ["--version"]), role: "interactive notebooks" },
  ];
}

export interface DataSources {
  profile: string;
  dataDir: string;
  mirror: string;
  mirrorPresent: boolean;
}

/** The mirror folder: `DLAB_MIRROR`, else `../shared/data` beside the project when it exists. */
export function mirrorDir(): string | undefined {
  const env = process.env.DLAB_MIRROR;
  if (env) return resolve(env);
  const beside = resolve(projectRoot(), "..", "shared", "data");
  return existsSync(join(beside, "SOURCES.json")) ? beside : undefined;
}

export function dataSources(): DataSources {
  const m = mirrorDir();
  return { profile: dataProfile(), dataDir: dataDir(), mirror: m ?? "(none)", mirrorPresent: m !== undefined };
}
