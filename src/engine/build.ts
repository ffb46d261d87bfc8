/**
 * `npm run build:wasm` — compiles src/engine/assembly/kernels.ts with AssemblyScript into the two committed
 * modules: `kernels-relaxed.wasm` (relaxed SIMD: f32x4.relaxed_madd) and `kernels-simd.wasm` (plain SIMD128).
 * Both import one shared memory (threads feature) so worker threads run the same code on the same data.
 * The .wasm files are committed, so installing and testing needs no build; tests/engine/build.test.ts checks
 * that they match their source.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectRoot } from "../core/project";

export const WASM_FLAVOURS = { relaxed: "kernels-relaxed.wasm", simd: "kernels-simd.wasm" } as const;

/** asc flags shared by both builds; memory limits match src/engine/engine.ts (MAX_PAGES). */
export function ascArgs(source: string, out: string, relaxed: boolean): string[] {
  return [
    source,
    "-O3",
    "--runtime", "stub",
    "--noAssert",
    "--importMemory",
    "--sharedMemory",
    "--initialMemory", "16",
    "--maximumMemory", "32768",
    "--enable", "simd",
    "--enable", "threads",
    ...(relaxed ? ["--enable", "relaxed-simd"] : []),
    "-o", out,
  ];
}

/** Compiles both flavours into `outDir` (atomically: temp name, then rename); returns the written paths. */
export function buildWasm(outDir = join(projectRoot(), "src", "engine", "assembly")): string[] {
  const root = projectRoot();
  const source = join(root, "src", "engine", "assembly", "kernels.ts");
  const asc = join(root, "node_modules", "assemblyscript", "bin", "asc.js");
  const tmp = mkdtempSync(join(tmpdir(), "dlab-asc-"));
  const written: string[] = [];
  try {
    for (const [flavour, file] of Object.entries(WASM_FLAVOURS)) {
      const t = join(tmp, file);
      try {
        execFileSync(process.execPath, [asc, ...ascArgs(source, t, flavour === "relaxed")], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
      } catch (e) {
        const err = e as { stderr?: Buffer; message: string };
        throw new Error(`build:wasm: asc failed on ${source} (${flavour}): ${err.stderr?.toString() || err.message}`);
      }
      readFileSync(t); // fail here, not at rename, if asc wrote nothing
      const dest = join(outDir, file);
      renameSync(t, dest);
      written.push(dest);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return written;
}

const invoked = process.argv[1] ?? "";
if (invoked.endsWith("engine/build.ts") || invoked.endsWith("engine/build.js")) {
  for (const f of buildWasm(process.argv[2])) process.stdout.write(`wrote ${f}\n`);
}
