// Builds the front-end in js/ into protattn_widgets/widgets/static/ (or the folder given).
//   node js/build.mjs [OUTDIR]        (npm run build)
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
export const STATIC = join(root, "protattn_widgets", "widgets", "static");
/** anywidget views: one self-contained ES module each. */
export const VIEWS = ["heatmap.js", "head_grid.js", "sequence_track.js", "dataset_browser.js"];
/** The standalone page (AttentionExplorer.to_html): NGL, the views and the page's controller in one script. */
export const STANDALONE = "standalone.js";
/** Scripts nglview evaluates itself (`this` is its NGL view): shipped as written, not bundled. */
export const NGL_SCRIPTS = ["ngl_attention.js"];

export async function buildAll(outdir = STATIC) {
  await build({
    entryPoints: VIEWS.map((name) => join(root, "js", name)),
    bundle: true,
    format: "esm",
    target: "es2020",
    legalComments: "none",
    outdir,
    logLevel: "warning",
  });
  // One classic script (the page inlines it): minified, since it carries NGL and three.js.
  await build({
    entryPoints: [join(root, "js", STANDALONE)],
    bundle: true,
    format: "iife",
    target: "es2020",
    minify: true,
    legalComments: "none",
    outfile: join(outdir, STANDALONE),
    logLevel: "warning",
  });
  mkdirSync(outdir, { recursive: true });
  for (const name of NGL_SCRIPTS) copyFileSync(join(root, "js", name), join(outdir, name));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildAll(process.argv[2] ?? STATIC);
}
