import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { l4sDir, sceneDir } from "../../src/samples/landslide-input";
import { readL4SFolder } from "../../src/landslide/l4s";
import { defaultMirrors } from "../../src/samples/locate";
import { useTempDataDir } from "../helpers/data-dir";

describe("landslide data locations", () => {
  useTempDataDir();

  it("full profile without downloads names what is missing", async () => {
    await expect(l4sDir("full", { quiet: true })).rejects.toThrow(/landslide4sense/);
    await expect(sceneDir("full")).rejects.toThrow(/zigui\/scene\.tif/);
  });

  it.skipIf(defaultMirrors().length === 0)("mirror profile takes the 15 real patches from the mirror (../shared/data)", async () => {
    const dir = await l4sDir("mirror", { quiet: true });
    expect(existsSync(join(dir, "image_150.h5"))).toBe(true);
    expect((await readL4SFolder(dir)).length).toBe(15);
  });
});
