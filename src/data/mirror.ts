/**
 * A mirror is a local folder holding verbatim copies of public files (such as ../shared/data on
 * machines without a network). Files are matched by SHA-256 (MD5 and size for search products whose
 * API publishes nothing stronger), never by name: `SOURCES.json` (a
 * `files` list of `{path, sha256, bytes?}`) says which file should hold which hash; without it the
 * folder is scanned and only files of the expected size are hashed. The fetcher re-hashes whatever
 * it copies, so a mirror file that no longer matches its listed hash is caught, not trusted.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { delimiter, join, relative, resolve } from "node:path";
import { hashFile } from "./download";

export interface MirrorHit {
  /** Absolute path of the mirror file. */
  file: string;
  mirror: string;
}

interface Listed {
  file: string;
  size?: number;
}

export class Mirror {
  private readonly listed = new Map<string, Listed[]>();
  private readonly hasSources: boolean;
  private scanned?: { file: string; size: number }[];
  private readonly hashed = new Map<string, { sha256: string; md5: string }>();

  constructor(readonly dir: string) {
    this.dir = resolve(dir);
    if (!existsSync(this.dir) || !statSync(this.dir).isDirectory()) {
      throw new Error(`Mirror folder ${this.dir} does not exist (from --mirror or DLAB_MIRROR)`);
    }
    const sources = join(this.dir, "SOURCES.json");
    this.hasSources = existsSync(sources);
    if (this.hasSources) {
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(sources, "utf8"));
      } catch (e) {
        throw new Error(`Mirror index ${sources} is not valid JSON: ${(e as Error).message}`);
      }
      const files = (json as { files?: unknown }).files;
      if (!Array.isArray(files)) throw new Error(`Mirror index ${sources} has no "files" list`);
      files.forEach((f: unknown, i: number) => {
        const e = f as { path?: unknown; sha256?: unknown; bytes?: unknown };
        if (typeof e.path !== "string" || typeof e.sha256 !== "string") {
          throw new Error(`Mirror index ${sources}: files[${i}] needs "path" and "sha256"`);
        }
        const file = resolve(this.dir, e.path);
        if (!file.startsWith(this.dir)) throw new Error(`Mirror index ${sources}: files[${i}].path leaves the mirror folder`);
        const list = this.listed.get(e.sha256.toLowerCase()) ?? [];
        list.push({ file, size: typeof e.bytes === "number" ? e.bytes : undefined });
        this.listed.set(e.sha256.toLowerCase(), list);
      });
    }
  }

  private scan(): { file: string; size: number }[] {
    if (this.scanned) return this.scanned;
    const out: { file: string; size: number }[] = [];
    const walk = (d: string): void => {
      for (const ent of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, ent.name);
        if (ent.isDirectory()) walk(p);
        else if (ent.isFile() && !ent.name.endsWith(".part")) out.push({ file: p, size: statSync(p).size });
      }
    };
    walk(this.dir);
    this.scanned = out;
    return out;
  }

  /**
   * The mirror file that should hold these bytes, or undefined. Products known only by MD5 (search
   * results) are matched by size and MD5, so a shared disk of SLC zips can serve as a mirror too.
   */
  async find(want: { sha256?: string; md5?: string; size?: number }): Promise<MirrorHit | undefined> {
    const sha = want.sha256?.toLowerCase();
    const md5 = want.md5?.toLowerCase();
    if (!sha && !md5) return undefined;
    if (sha) {
      for (const l of this.listed.get(sha) ?? []) {
        if (existsSync(l.file)) return { file: l.file, mirror: this.dir };
      }
    }
    // Not listed (or no SOURCES.json): look at files of the right size and hash them once each.
    for (const f of this.scan()) {
      if (want.size !== undefined && f.size !== want.size) continue;
      let h = this.hashed.get(f.file);
      if (!h) {
        const r = await hashFile(f.file);
        h = { sha256: r.sha256, md5: r.md5 };
        this.hashed.set(f.file, h);
      }
      if (sha ? h.sha256 === sha : h.md5 === md5) return { file: f.file, mirror: this.dir };
    }
    return undefined;
  }

  describe(file: string): string {
    return `mirror ${this.dir} (${relative(this.dir, file)})`;
  }
}

/** Mirror folders from `--mirror` (repeatable) and `DLAB_MIRROR` (a path list). */
export function mirrorDirs(flags: string[] = [], env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = (env.DLAB_MIRROR ?? "").split(delimiter).filter((s) => s.length > 0);
  return [...flags, ...fromEnv];
}

export async function findInMirrors(
  mirrors: Mirror[],
  want: { sha256?: string; md5?: string; size?: number },
): Promise<{ hit: MirrorHit; mirror: Mirror } | undefined> {
  for (const m of mirrors) {
    const hit = await m.find(want);
    if (hit) return { hit, mirror: m };
  }
  return undefined;
}
