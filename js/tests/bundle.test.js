// The committed files in protattn_widgets/widgets/static/ are what `npm run build` makes
// from js/: rebuild into a temporary folder with the pinned esbuild and compare bytes.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import { STATIC, buildAll } from "../build.mjs";

test("committed bundles equal a fresh build", async () => {
  const out = mkdtempSync(join(tmpdir(), "protattn-build-"));
  try {
    await buildAll(out);
    const fresh = readdirSync(out).sort();
    assert.deepEqual(readdirSync(STATIC).filter((f) => f.endsWith(".js")).sort(), fresh);
    for (const name of fresh) {
      assert.ok(readFileSync(join(out, name)).equals(readFileSync(join(STATIC, name))),
                `${name} is stale: run \`npm run build\` and commit protattn_widgets/widgets/static/`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
