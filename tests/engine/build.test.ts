import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildWasm, WASM_FLAVOURS } from "../../src/engine/build";
import { projectRoot } from "../../src/core/project";

describe("committed engine wasm", () => {
  it("is what `npm run build:wasm` makes from src/engine/assembly/kernels.ts (byte for byte)", () => {
    const dir = mkdtempSync(join(tmpdir(), "dlab-wasm-test-"));
    try {
      buildWasm(dir);
      for (const file of Object.values(WASM_FLAVOURS)) {
        const fresh = readFileSync(join(dir, file));
        const committed = readFileSync(join(projectRoot(), "src", "engine", "assembly", file));
        expect(fresh.equals(committed), `${file} is stale: run npm run build:wasm`).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
