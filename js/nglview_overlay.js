// One head's attention on a user's own nglview.NGLWidget (draw_on_nglview in Python).
//
// nglview evaluates this bundle with `this` = its NGL view and NGL = nglview's own NGL; the
// Python side appends `protattnNglview.draw(this, NGL, data)`.  The drawing is the explorer's
// (lib/ngl_overlay.js) in overlay-only mode: the user's representations stay as they are and
// nothing of ours is a stage component, so re-displaying the widget (nglview replays this call)
// draws the same overlay again on the user's cartoon.

import { drawAttention } from "./lib/ngl_overlay.js";
import { PageModel } from "./lib/page_model.js";

const BINARY = ["_pa_edges", "_pa_weights", "_pa_ca", "_pa_received", "_pa_colormaps", "_pa_residue_stats"];

function base64Bytes(text) {
  const binary = atob(text || "");
  const out = new Uint8Array(binary.length);
  for (let k = 0; k < binary.length; k++) out[k] = binary.charCodeAt(k);
  return out;
}

/** Draw ``data`` (the StructureAttentionView traits; binary ones base64) on nglview's ``view``. */
export function draw(view, NGL, data) {
  if (!view || !view.stage || !NGL) {
    console.warn("protattn: no NGL stage here; attention overlay not drawn");
    return null;
  }
  // nglview's stage sits in `$container` (3.x) inside the widget's element.
  const host = view.$container && view.$container[0] ? view.$container[0] : view.el;
  if (host.protattnOverlay) host.protattnOverlay.dispose();
  const traits = { ...data };
  for (const name of BINARY) traits[name] = base64Bytes(data[name]);
  const model = new PageModel(traits);
  const overlay = drawAttention({ stage: view.stage, model, host, NGL, overlayOnly: true });
  const notice = noBackboneNotice(view.stage, host);
  const summary = overlay.api.summary;
  overlay.api.summary = () => ({ ...summary(), noBackbone: notice.shown() });
  host.protattnOverlay = { api: overlay.api, dispose: () => { notice.dispose(); overlay.dispose(); } };
  host.protattn = overlay.api;
  return overlay.api;
}

/**
 * Say so on the view when NGL built no polymer from the user's structure: nglview then draws
 * no cartoon at all (e.g. a PDB file whose columns 77-78 hold a segment id, not the element:
 * NGL bonds no residues), and an empty canvas with our edges would be a riddle.
 */
function noBackboneNotice(stage, host) {
  const box = document.createElement("div");
  box.className = "protattn-no-backbone";
  box.dataset.testid = "structure-no-backbone";
  box.style.cssText = "position:absolute;top:34px;right:8px;max-width:55%;z-index:10;display:none;" +
    "font:12px sans-serif;color:#222;background:#fff4e5;border:1px solid #e0a050;border-radius:3px;padding:2px 6px;";
  box.textContent = "NGL built no protein backbone from this file, so nglview draws no cartoon (in a PDB file, " +
    "columns 77-78 must hold the element). Load it with view.add_structure(nglview_structure(structure)) " +
    "from protattn_widgets.widgets.nglview_interop.";
  host.appendChild(box);
  const check = (component) => {
    if (!component || component.type !== "structure" || !component.structure) return;
    let polymers = 0;
    component.structure.eachPolymer(() => { polymers += 1; });
    if (polymers === 0 && component.structure.residueStore.count > 1) box.style.display = "block";
  };
  const first = stage.compList.find((c) => c.type === "structure");
  if (first) check(first);
  const onAdded = (component) => { if (stage.compList.find((c) => c.type === "structure") === component) check(component); };
  stage.signals.componentAdded.add(onAdded);
  return {
    shown: () => box.style.display === "block",
    dispose() { stage.signals.componentAdded.remove(onAdded); box.remove(); },
  };
}
