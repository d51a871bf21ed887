// AttentionHeatmap: the current head's L x L matrix on a canvas (protattn_widgets/widgets/heatmap.py).
//
// Traits read:
//   _matrix            bytes   uint8 (L, L), row-major: code q means q / 255 * _scale
//   _scale             float   attention weight of code 255 (the head's maximum)
//   _contacts          bytes   (L*L) bits, numpy packbits(bitorder="little") of the overlay
//                              (the 3D contact map, or e.g. predicted contacts)
//   overlay_label      str     what the overlay is ("contacts"), shown by its checkbox
//   show_contacts      bool    draw the overlay
//   residue_ids, residue_names [str] (L), chain_id str
//   layer, head, n_layers, n_heads, threshold, mode, selected_residue, caption, size
// Written: selected_residue (click: the row's residue; shift-click: the column's),
//          layer / head (arrow keys), show_contacts (checkbox).
// Threshold and mode are applied here, from the codes: cells that are not edges under
// (threshold, mode) are drawn faded; changing them sends no data.

import { asBytes, bitAt, codeValue, thresholdCode } from "./lib/buffers.js";
import { HIGHLIGHT, lut } from "./lib/colormaps.js";
import {
  batched, connect, element, hideTooltip, localPoint, pickHead, showCanvasTooltip, showError, sizeCanvas, stamp,
} from "./lib/dom.js";
import { pairTooltip } from "./lib/format.js";
import { stepHead } from "./lib/keys.js";
import { cellAt, matrixLayout } from "./lib/layout.js";

const MARGIN = 34;
const CONTACT = [214, 39, 40];
const CONTACT_MIX = 0.45; // share of red in a contact cell: the attention colour still shows
const FADE = 0.6; // how far cells below the threshold are pulled toward white

/** Colour-table entry of each code: a square-root scale, as the static figure's (figures.py). */
export const SQRT_INDEX = Uint8Array.from({ length: 256 }, (_, q) => Math.round(255 * Math.sqrt(q / 255)));

const CSS = `
.protattn-heatmap { position: relative; font: 12px sans-serif; color: #222; display: inline-block; }
.protattn-heatmap canvas { display: block; outline: none; cursor: crosshair; }
.protattn-heatmap canvas:focus { box-shadow: 0 0 0 2px #9ecae1; }
.protattn-heatmap .pa-bar { display: flex; gap: 12px; align-items: center; margin-bottom: 2px; }
.protattn-heatmap .pa-caption { font-weight: 600; }
.protattn-tooltip { position: absolute; display: none; pointer-events: none; background: rgba(30,30,30,.9);
  color: #fff; padding: 2px 6px; border-radius: 3px; white-space: nowrap; font: 12px sans-serif; z-index: 10; }
.protattn-error { color: #a00; background: #fee; border: 1px solid #d88; padding: 6px; font: 12px monospace; }
`;

/** Fill ``rgba`` (ImageData.data of n x n) with the matrix; pure apart from writing into rgba. */
export function paintMatrix(rgba, codes, n, table, opts) {
  const { thresholdQ = 0, mode = "directed", contacts = null } = opts;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const k = i * n + j;
      const q = codes[k];
      let strong;
      if (mode === "max") strong = Math.max(q, codes[j * n + i]) >= thresholdQ;
      else if (mode === "mean") strong = (q + codes[j * n + i]) / 2 >= thresholdQ;
      else strong = q >= thresholdQ;
      const c = SQRT_INDEX[q] * 3;
      let r = table[c], g = table[c + 1], b = table[c + 2];
      if (!strong) {
        r += (255 - r) * FADE; g += (255 - g) * FADE; b += (255 - b) * FADE;
      }
      if (contacts && contacts[k]) {
        r += (CONTACT[0] - r) * CONTACT_MIX; g += (CONTACT[1] - g) * CONTACT_MIX; b += (CONTACT[2] - b) * CONTACT_MIX;
      }
      const o = k * 4;
      rgba[o] = r; rgba[o + 1] = g; rgba[o + 2] = b; rgba[o + 3] = 255;
    }
  }
}

function render({ model, el }) {
  const table = lut("Blues", 0, 1);
  const root = element("div", "protattn-heatmap", el);
  element("style", null, root, CSS);
  const bar = element("div", "pa-bar", root);
  const caption = element("span", "pa-caption", bar);
  const label = element("label", null, bar);
  const toggle = element("input", null, label);
  toggle.type = "checkbox";
  const overlayText = label.appendChild(document.createTextNode(""));
  const overlayLabel = () => model.get("overlay_label") || "contacts";
  const canvas = element("canvas", null, root);
  canvas.tabIndex = 0;
  canvas.setAttribute("aria-label", "attention heatmap; arrow keys change layer and head");
  const tip = element("div", "protattn-tooltip", root);
  const offscreen = document.createElement("canvas");
  let layout = matrixLayout(0, 0, MARGIN);
  let contactBits = null; // Uint8Array of 0/1, decoded once per chain
  let hover = null;
  let painted = false; // the offscreen image holds the current data, threshold and mode

  function residues() {
    return { ids: model.get("residue_ids") || [], names: model.get("residue_names") || [], chain: model.get("chain_id") };
  }

  function decodeContacts() {
    const n = (model.get("residue_ids") || []).length;
    const bits = asBytes(model.get("_contacts"));
    if (bits.length * 8 < n * n) { contactBits = null; return; }
    contactBits = new Uint8Array(n * n);
    for (let k = 0; k < n * n; k++) contactBits[k] = (bits[k >> 3] >> (k & 7)) & 1;
  }

  // One message may change several traits (_matrix and _scale): draw once, after all of them.
  const schedule = batched(draw, () => { if (el.protattnView) el.protattnView.lastChangeAt = performance.now(); });
  function repaint() { painted = false; schedule(); }

  function draw() {
    const start = performance.now();
    try {
      const { ids } = residues();
      const n = ids.length;
      const codes = asBytes(model.get("_matrix"));
      const size = model.get("size") || 420;
      caption.textContent = model.get("caption") || "";
      toggle.checked = !!model.get("show_contacts");
      toggle.disabled = !contactBits;
      layout = matrixLayout(n, size, MARGIN);
      const ctx = sizeCanvas(canvas, MARGIN + size + 4, MARGIN + size + 4);
      ctx.clearRect(0, 0, MARGIN + size + 4, MARGIN + size + 4);
      if (codes.length !== n * n || n === 0) {
        ctx.fillStyle = "#888";
        ctx.fillText("no attention data", MARGIN, MARGIN + 12);
        return;
      }
      if (!painted || offscreen.width !== n) {
        offscreen.width = n;
        offscreen.height = n;
        const octx = offscreen.getContext("2d");
        const image = octx.createImageData(n, n);
        paintMatrix(image.data, codes, n, table, {
          thresholdQ: thresholdCode(model.get("threshold") || 0, model.get("_scale") || 0),
          mode: model.get("mode"),
          contacts: model.get("show_contacts") ? contactBits : null,
        });
        octx.putImageData(image, 0, 0);
        painted = true;
      }
      // One device pixel per cell or more: sharp cells.  Fewer (L = 500 on 420 px): smooth, so that
      // no row or column is dropped by nearest-neighbour sampling.
      ctx.imageSmoothingEnabled = n > layout.size * ((typeof window !== "undefined" && window.devicePixelRatio) || 1);
      ctx.drawImage(offscreen, layout.left, layout.top, layout.size, layout.size);
      ctx.strokeStyle = "#999";
      ctx.lineWidth = 1;
      ctx.strokeRect(layout.left - 0.5, layout.top - 0.5, layout.size + 1, layout.size + 1);
      drawTicks(ctx, ids);
      const sel = model.get("selected_residue");
      if (sel != null && sel >= 0 && sel < n) {
        const c = layout.cell;
        ctx.fillStyle = HIGHLIGHT;
        ctx.globalAlpha = 0.35;
        ctx.fillRect(layout.left, layout.top + sel * c, layout.size, Math.max(c, 1.5));
        ctx.fillRect(layout.left + sel * c, layout.top, Math.max(c, 1.5), layout.size);
        ctx.globalAlpha = 1;
        ctx.fillRect(layout.left - 6, layout.top + sel * c, 5, Math.max(c, 2));
        ctx.fillRect(layout.left + sel * c, layout.top - 6, Math.max(c, 2), 5);
      }
      if (hover) {
        ctx.strokeStyle = "#222";
        ctx.strokeRect(layout.left + hover.col * layout.cell - 0.5, layout.top + hover.row * layout.cell - 0.5,
                       Math.max(layout.cell, 2) + 1, Math.max(layout.cell, 2) + 1);
      }
    } catch (error) {
      showError(el, error);
    } finally {
      const api = stamp(el, "heatmap", start, { layer: model.get("layer"), head: model.get("head") });
      api.summary = () => ({ draws: api.draws, layer: model.get("layer"), head: model.get("head"),
                             selected: model.get("selected_residue"), lastDrawMs: api.lastDrawMs,
                             layout: { ...layout }, n: (model.get("residue_ids") || []).length });
      api.cellCenter = (row, col) => {
        const box = canvas.getBoundingClientRect();
        return { x: box.left + layout.left + (col + 0.5) * layout.cell,
                 y: box.top + layout.top + (row + 0.5) * layout.cell };
      };
    }
  }

  function drawTicks(ctx, ids) {
    const n = ids.length;
    const every = Math.max(1, Math.ceil(n / 8 / 10) * 10);
    ctx.fillStyle = "#444";
    ctx.font = "10px sans-serif";
    for (let i = 0; i < n; i += every) {
      const p = (i + 0.5) * layout.cell;
      ctx.textAlign = "right";
      ctx.textBaseline = "middle";
      ctx.fillText(ids[i], layout.left - 8, layout.top + p);
      ctx.save();
      ctx.translate(layout.left + p, layout.top - 8);
      ctx.rotate(-Math.PI / 2);
      ctx.textAlign = "left";
      ctx.fillText(ids[i], 0, 0);
      ctx.restore();
    }
    ctx.textAlign = "left";
    ctx.textBaseline = "alphabetic";
    ctx.fillText("from \u2193  to \u2192", 2, 10);
  }

  function onMove(event) {
    const p = localPoint(canvas, event);
    const cell = cellAt(layout, p.x, p.y);
    const changed = (cell && hover && (cell.row !== hover.row || cell.col !== hover.col)) || (!cell !== !hover);
    hover = cell;
    if (!cell) { hideTooltip(tip); if (changed) schedule(); return; }
    const { ids, names, chain } = residues();
    const code = asBytes(model.get("_matrix"))[cell.row * ids.length + cell.col];
    let text = pairTooltip(chain, names, ids, cell.row, cell.col, codeValue(code, model.get("_scale") || 0));
    if (contactBits && contactBits[cell.row * ids.length + cell.col]) text += ` (${overlayLabel().replace(/\bcontacts\b/, "contact")})`;
    showCanvasTooltip(tip, root, canvas, p, text);
    if (changed) schedule();
  }

  function onLeave() { hover = null; hideTooltip(tip); schedule(); }

  function onClick(event) {
    const p = localPoint(canvas, event);
    const cell = cellAt(layout, p.x, p.y);
    canvas.focus();
    if (!cell) return;
    model.set("selected_residue", event.shiftKey ? cell.col : cell.row);
    model.save_changes();
  }

  function onKey(event) {
    if (event.key === "Escape") { model.set("selected_residue", null); model.save_changes(); return; }
    const next = stepHead(event.key, model.get("layer"), model.get("head"), model.get("n_layers"), model.get("n_heads"));
    if (!next) return;
    event.preventDefault();
    pickHead(model, next.layer, next.head);
  }

  function onToggle() { model.set("show_contacts", toggle.checked); model.save_changes(); }

  function onChain() { overlayText.textContent = ` ${overlayLabel()}`; decodeContacts(); repaint(); }

  onChain();
  draw();
  const repaintOn = ["_matrix", "_scale", "threshold", "mode", "show_contacts"];
  const redrawOn = ["selected_residue", "caption", "size"];
  return connect(el, model, [[repaintOn, repaint], [redrawOn, schedule], [["_contacts", "residue_ids", "overlay_label"], onChain]], [
    [canvas, "mousemove", onMove], [canvas, "mouseleave", onLeave], [canvas, "click", onClick],
    [canvas, "keydown", onKey], [toggle, "change", onToggle],
  ]);
}

export default { render };
