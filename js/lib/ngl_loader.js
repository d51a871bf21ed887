// NGL, evaluated once per page however many views (and widget modules) ask for it.
//
// anywidget imports each widget model's ES module afresh (a new blob: URL per model), so an
// ES module that bundled NGL as code would run all of NGL again for every view shown.  Our
// bundles carry NGL 2.5 (npm, built by js/build.mjs into one IIFE) as TEXT instead; the first
// view on the page evaluates it and keeps the module on the window, every later view reuses it.
import nglSource from "protattn:ngl-source";

const KEY = "__protattnNGL";

/** The NGL module (the same object for every caller on this page). */
export function loadNGL() {
  const g = globalThis;
  if (!g[KEY]) {
    // Another three.js on the page (nglview's JupyterLab extension loads its own) makes ours warn
    // "Multiple instances of Three.js": they are separate on purpose, and ours is loaded once.
    const other = g.__THREE__;
    delete g.__THREE__;
    // eslint-disable-next-line no-new-func
    g[KEY] = new Function(`${nglSource}\nreturn protattnNGLlib;`)();
    if (other !== undefined) g.__THREE__ = other;
    g.__protattnNGLLoads = (g.__protattnNGLLoads || 0) + 1;
  }
  return g[KEY];
}
