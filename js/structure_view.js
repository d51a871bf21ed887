// The 3D view: a structure in NGL (bundled, see lib/ngl_loader.js) with one head drawn on it
// (lib/ngl_overlay.js).  StructureAttentionView renders this module on its own; the explorer
// (explorer.js) mounts the same thing in its 3D box.
//
// Traits read besides the drawing's (lib/ngl_overlay.js): _pa_structure (the structure file's
// text, as NGL should read it), _pa_ext ("pdb" or "cif"), _pa_name, height (CSS, own view only).
// If NGL cannot load the structure the box says why and nothing else is affected.

import { element } from "./lib/dom.js";
import { drawAttention } from "./lib/ngl_overlay.js";
import { loadNGL } from "./lib/ngl_loader.js";

const CSS = `
.protattn-structure-box { position: relative; resize: both; overflow: hidden; min-width: 300px; min-height: 260px;
  border: 1px solid #ddd; box-sizing: border-box; background: #fff; }
.protattn-structure-box .protattn-ngl-viewport { position: absolute; inset: 0; }
.protattn-structure-box .protattn-structure-error { position: absolute; inset: 40px 12px auto 12px; z-index: 30;
  color: #a00; background: #fee; border: 1px solid #d88; padding: 6px; font: 12px sans-serif; }
`;

/**
 * Mount the 3D view in ``box`` (sized by its CSS) for ``model``.
 * Sets ``box.protattn`` (the drawing's test/tooling API); returns the cleanup function.
 */
export function mountStructure(box, model) {
  box.classList.add("protattn-structure-box");
  element("style", null, box, CSS);
  let NGL;
  let stage = null;
  let overlay = null;
  const viewport = element("div", "protattn-ngl-viewport", box);
  const fail = (error) => {
    const message = error && error.message ? error.message : String(error);
    let note = box.querySelector(".protattn-structure-error");
    if (!note) {
      note = element("div", "protattn-structure-error", box);
      note.dataset.testid = "structure-error";
    }
    note.textContent = `The 3D view could not show this structure (${message}); the other views still work.`;
    box.protattnError = message;
    console.warn("protattn 3D:", error);
  };
  // One structure in the stage at a time: a new one (the explorer's show_protein) replaces the drawing and the
  // component; a load still running when another structure arrives is dropped when it ends (latest wins).
  let loading = 0;
  let loads = 0;
  function load() {
    const mine = ++loading;
    loads += 1;
    if (overlay) overlay.dispose();
    stage.removeAllComponents();
    const note = box.querySelector(".protattn-structure-error");
    if (note) note.remove();
    delete box.protattnError;
    overlay = drawAttention({ stage, model, host: box, NGL });
    box.protattn = Object.assign(overlay.api, { loads: () => loads });
    const file = new Blob([model.get("_pa_structure") || ""], { type: "text/plain" });
    NGL.autoLoad(file, { ext: model.get("_pa_ext") || "pdb", name: model.get("_pa_name") || "structure" })
      .then((structure) => { if (mine === loading && stage) stage.addComponentFromObject(structure); })
      .catch((error) => { if (mine === loading) fail(error); });
  }
  // After the whole message: marimo emits each trait's change while it applies the message's traits in turn
  // (_pa_structure before _pa_ext and _pa_name), Backbone once all are set.
  let queued = null;
  const onStructure = () => {
    if (queued == null) queued = setTimeout(() => { queued = null; if (stage) load(); }, 0);
  };
  try {
    NGL = loadNGL();
    stage = new NGL.Stage(viewport, { backgroundColor: "white", tooltip: false });
    load();
    model.on("change:_pa_structure", onStructure);
  } catch (error) {
    fail(error);
  }
  let size = "";
  const observer = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(() => {
    const now = `${box.clientWidth}x${box.clientHeight}`;
    if (!stage || now === size || box.clientWidth === 0 || box.clientHeight === 0) return;
    size = now;
    stage.handleResize();
    if (overlay) overlay.api.frameIfUntouched();
  });
  if (observer) observer.observe(box);
  return () => {
    model.off("change:_pa_structure", onStructure);
    clearTimeout(queued);
    if (observer) observer.disconnect();
    if (overlay) overlay.dispose();
    if (stage) stage.dispose();
    stage = null;
    delete box.protattn;
  };
}

function render({ model, el }) {
  const box = element("div", null, el);
  box.dataset.testid = "protattn-structure";
  box.style.width = model.get("width") || "100%";
  box.style.height = model.get("height") || "420px";
  return mountStructure(box, model);
}

export default { render };
