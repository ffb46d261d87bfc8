/**
 * `npm run kernel` registers the project's tslab as a Jupyter kernel named `deformation-lab` in a
 * project-local Jupyter folder (`.jupyter/`, git-ignored; `--user` for the per-user folder instead).
 * The generated kernel.json holds this machine's paths and is never committed.
 * `npm run jupyter` starts Jupyter with that folder on JUPYTER_PATH.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { projectRoot } from "../core/project";
import { writeFileAtomic } from "../core/atomic";
import { TSLAB_METADATA } from "./notebook";

export const KERNEL_NAME = TSLAB_METADATA.kernelspec.name;

export function kernelSpec(root: string): Record<string, unknown> {
  return {
    argv: [process.execPath, join(root, "scripts", "tslab-kernel.cjs"), "{connection_file}"],
    display_name: TSLAB_METADATA.kernelspec.display_name,
    language: "typescript",
    env: { DLAB_PROJECT_ROOT: root },
  };
}

export function jupyterPath(root: string, user: boolean): string {
  return user ? join(process.env.XDG_DATA_HOME ?? join(homedir(), ".local", "share"), "jupyter") : join(root, ".jupyter");
}

export function registerKernel(user = false): string {
  const root = projectRoot();
  const dir = join(jupyterPath(root, user), "kernels", KERNEL_NAME);
  writeFileAtomic(join(dir, "kernel.json"), JSON.stringify(kernelSpec(root), null, 2) + "\n");
  return dir;
}

function findJupyter(): string | undefined {
  for (const c of ["/usr/bin/jupyter", "jupyter"]) {
    const r = spawnSync(c, ["--version"], { stdio: "ignore" });
    if (r.status === 0) return c;
  }
  return undefined;
}

export function main(argv: string[]): number {
  const root = projectRoot();
  if (argv[0] === "jupyter") {
    registerKernel(false);
    const jupyter = findJupyter();
    if (!jupyter) {
      process.stderr.write("jupyter not found: install it (Debian: apt-get install jupyter-notebook jupyter-nbconvert)\n");
      return 2;
    }
    const env = { ...process.env, JUPYTER_PATH: [join(root, ".jupyter"), process.env.JUPYTER_PATH].filter(Boolean).join(":") };
    spawn(jupyter, ["notebook", `--notebook-dir=${root}`, ...argv.slice(1)], { stdio: "inherit", env }).on("exit", (c) => process.exit(c ?? 0));
    return -1;
  }
  const user = argv.includes("--user");
  const dir = registerKernel(user);
  const jp = jupyterPath(root, user);
  process.stdout.write(`Registered the "${TSLAB_METADATA.kernelspec.display_name}" kernel in ${dir}\n`);
  if (!user) {
    process.stdout.write(
      `Start Jupyter with it:  npm run jupyter\n  or:  JUPYTER_PATH=${jp} jupyter notebook --notebook-dir=${root}\n` +
        `(npm run kernel -- --user registers it for every Jupyter of this user instead.)\n`,
    );
  }
  const jupyter = findJupyter();
  if (jupyter) {
    const r = spawnSync(jupyter, ["kernelspec", "list"], { encoding: "utf8", env: { ...process.env, JUPYTER_PATH: jp } });
    if (r.status === 0 && !r.stdout.includes(KERNEL_NAME)) process.stderr.write("warning: jupyter kernelspec list does not show the kernel\n");
  } else if (!existsSync("/usr/bin/jupyter")) {
    process.stdout.write("Jupyter itself is not installed here (Debian: apt-get install jupyter-notebook jupyter-nbconvert).\n");
  }
  return 0;
}
