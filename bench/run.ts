/**
 * `npm run bench -- <name...>` runs `bench/<name>.ts` (each exports `run(): Promise<object>`) and writes
 * `bench/results/<name>.json` (latest) and `bench/results/history/<name>-<date>-<commit>.json`, stamped with
 * the commit and machine so results compare across commits. Speed is measured here, never in tests.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { projectRoot } from "../src/core/project";
import { writeFileAtomic } from "../src/core/atomic";

function commit(root: string): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

export function available(root: string): string[] {
  return readdirSync(join(root, "bench"))
    .filter((f) => f.endsWith(".ts") && f !== "run.ts")
    .map((f) => f.slice(0, -3))
    .sort();
}

export async function main(argv: string[]): Promise<number> {
  const root = projectRoot();
  const names = argv.filter((a) => !a.startsWith("-"));
  const all = available(root);
  if (names.length === 0 || argv.includes("--help")) {
    process.stdout.write(`usage: npm run bench -- <${all.join("|")}|all>\n`);
    return names.length === 0 ? 2 : 0;
  }
  const selected = names.includes("all") ? all : names;
  for (const name of selected) {
    const file = join(root, "bench", `${name}.ts`);
    if (!existsSync(file)) {
      process.stderr.write(`bench: no benchmark "${name}" (available: ${all.join(", ")})\n`);
      return 2;
    }
    const mod = (await import(pathToFileURL(file).href)) as { run(args: string[]): Promise<object> };
    process.stderr.write(`▶ bench ${name}\n`);
    const started = new Date();
    const result = await mod.run(argv.filter((a) => a.startsWith("-")));
    const record = {
      benchmark: name,
      commit: commit(root),
      date: started.toISOString(),
      machine: { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
      result,
    };
    const json = JSON.stringify(record, null, 2) + "\n";
    writeFileAtomic(join(root, "bench", "results", `${name}.json`), json);
    writeFileAtomic(join(root, "bench", "results", "history", `${name}-${started.toISOString().slice(0, 19).replace(/:/g, "")}-${record.commit}.json`), json);
    process.stdout.write(json);
  }
  return 0;
}
