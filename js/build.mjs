// Builds the front-end in js/ into protattn_widgets/widgets/static/ (or the folder given).
//   node js/build.mjs [OUTDIR]        (npm run build)
import { build } from "esbuild";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
export const STATIC = join(root, "protattn_widgets", "widgets", "static");
/** anywidget views: one self-contained ES module each (widget.js: the explorer and the 3D view). */
export const VIEWS = ["heatmap.js", "head_grid.js", "sequence_track.js", "widget.js"];
/** The standalone page (AttentionExplorer.to_html): the explorer's front-end and its page data source. */
export const STANDALONE = "standalone.js";
/** The drawing code for a user's own nglview widget (evaluated by nglview, NGL is nglview's). */
export const NGLVIEW = "nglview_overlay.js";

/** NGL 2.5 from npm as one minified IIFE (text) that defines `protattnNGLlib`. */
async function nglSource() {
  const result = await build({
    stdin: { contents: 'export * from "ngl";', resolveDir: root, loader: "js" },
    bundle: true, format: "iife", globalName: "protattnNGLlib", target: "es2020", minify: true,
    legalComments: "none", write: false, logLevel: "warning",
  });
  return result.outputFiles[0].text;
}

/** `import nglSource from "protattn:ngl-source"`: NGL's text, evaluated once per page (lib/ngl_loader.js). */
function nglSourcePlugin(text) {
  return {
    name: "protattn-ngl-source",
    setup(b) {
      b.onResolve({ filter: /^protattn:ngl-source$/ }, (args) => ({ path: args.path, namespace: "protattn" }));
      b.onLoad({ filter: /.*/, namespace: "protattn" }, () => ({ contents: `export default ${JSON.stringify(text)};`, loader: "js" }));
    },
  };
}

export async function buildAll(outdir = STATIC) {
  mkdirSync(outdir, { recursive: true });
  const plugins = [nglSourcePlugin(await nglSource())];
  await build({
    entryPoints: VIEWS.map((name) => join(root, "js", name)),
    bundle: true, format: "esm", target: "es2020", legalComments: "none", outdir, logLevel: "warning", plugins,
  });
  // Classic scripts: the page inlines one; nglview evaluates the other.
  await build({
    entryPoints: [join(root, "js", STANDALONE)],
    bundle: true, format: "iife", target: "es2020", minify: true, legalComments: "none",
    outfile: join(outdir, STANDALONE), logLevel: "warning", plugins,
  });
  await build({
    entryPoints: [join(root, "js", NGLVIEW)],
    bundle: true, format: "iife", globalName: "protattnNglview", target: "es2020", legalComments: "none",
    outfile: join(outdir, NGLVIEW), logLevel: "warning",
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildAll(process.argv[2] ?? STATIC);
}
