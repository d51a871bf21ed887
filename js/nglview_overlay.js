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
  host.protattnOverlay = overlay;
  host.protattn = overlay.api;
  return overlay.api;
}
