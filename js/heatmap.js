// AttentionHeatmap: the current head's L x L matrix on a canvas (protattn_widgets/widgets/heatmap.py).
//
// Traits read:
//   _matrix            bytes   uint8 (m, m), row-major, m = ceil(L / _block): code q means q / 255 * _scale;
//                              with _block > 1 a cell is the largest weight of its _block x _block block
//   _block             int     residues per cell side (1: the full matrix)
//   _scale             float   attention weight of code 255 (the head's maximum)
//   _detail, _detail_window    full-resolution codes of the zoomed window [r0, r1, c0, c1] (pooled heads only)
//   _contacts          bytes   (L*L) bits, numpy packbits(bitorder="little") of the overlay
//                              (the 3D contact map, or e.g. predicted contacts)
//   overlay_label      str     what the overlay is ("contacts"), shown by its checkbox
//   show_contacts      bool    draw the overlay
//   residue_ids, residue_names [str] (L), chain_id str
//   layer, head, n_layers, n_heads, threshold, mode, selected_residue, caption, size
// Written: selected_residue (click: the row's residue; shift-click: the column's),
//          layer / head (arrow keys), show_contacts (checkbox), zoom ([r0, r1, c0, c1] shown; [] = all).
// Zoom: mouse wheel (around the cursor), drag to pan, double-click to reset; the ticks follow.
// Threshold and mode are applied here, from the codes: cells that are not edges under
// (threshold, mode) are drawn faded; changing them sends no data.

import { controlsCss } from "./lib/controls_css.js";
import { asBytes, bitAt, codeValue, thresholdCode } from "./lib/buffers.js";
import { HIGHLIGHT, cssColor, lut } from "./lib/colormaps.js";
import {
  batched, connect, element, hideTooltip, localPoint, pickHead, showCanvasTooltip, showError, sizeCanvas, stamp,
} from "./lib/dom.js";
import { formatWeight, pairTooltip, roundTicks } from "./lib/format.js";
import { stepHead, stepResidue } from "./lib/keys.js";
import { clampView, fullView, isFull, niceTicks, panBy, residueAtPixel, viewWindow, zoomAt } from "./lib/zoom.js";

const MARGIN = 34;
const BAR = 30; // colour bar and its labels, under the matrix
const CONTACT = [214, 39, 40];
const CONTACT_MIX = 0.3; // share of red in a contact cell when cells are too small to outline
const OUTLINE_PX = 4; // from this cell size on, contacts are outlined instead of tinted
const FADE = 0.6; // how far cells below the threshold are pulled toward white

/** Colour-table entry of each code: a square-root scale, as the static figure's (figures.py). */
export const SQRT_INDEX = Uint8Array.from({ length: 256 }, (_, q) => Math.round(255 * Math.sqrt(q / 255)));

const CSS = controlsCss(".protattn-heatmap") + `
/* min-content: as wide as the canvas; a long caption wraps instead of widening the view (which would
   push it under the 3D view in a ~850 px notebook column). */
.protattn-heatmap { position: relative; font: 12px sans-serif; color: #222; display: inline-block; width: min-content; }
.protattn-heatmap canvas { display: block; outline: none; cursor: crosshair; touch-action: none; }
.protattn-heatmap .pa-zoom { color: #555; }
.protattn-heatmap button { font: 11px sans-serif; padding: 0 6px; }
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
      paintCell(rgba, k, codes[k], codes[j * n + i], table, thresholdQ, mode, contacts && contacts[k]);
    }
  }
}

/** Window codes with their transposed partners: fill ``rgba`` (w x h image) like paintMatrix. */
export function paintWindow(rgba, codes, partner, w, h, table, opts) {
  const { thresholdQ = 0, mode = "directed", contacts = null } = opts;
  for (let k = 0; k < w * h; k++) {
    const q = codes[k];
    paintCell(rgba, k, q, partner ? partner[k] : q, table, thresholdQ, mode, contacts && contacts[k]);
  }
}

/** One cell: code ``q`` (its transposed partner ``p``) coloured, faded below the threshold, tinted on a contact. */
function paintCell(rgba, k, q, p, table, thresholdQ, mode, contact) {
  const strong = mode === "max" ? Math.max(q, p) >= thresholdQ : mode === "mean" ? (q + p) / 2 >= thresholdQ : q >= thresholdQ;
  const c = SQRT_INDEX[q] * 3;
  let r = table[c], g = table[c + 1], b = table[c + 2];
  if (!strong) { r += (255 - r) * FADE; g += (255 - g) * FADE; b += (255 - b) * FADE; }
  if (contact) {
    r += (CONTACT[0] - r) * CONTACT_MIX; g += (CONTACT[1] - g) * CONTACT_MIX; b += (CONTACT[2] - b) * CONTACT_MIX;
  }
  const o = k * 4;
  rgba[o] = r; rgba[o + 1] = g; rgba[o + 2] = b; rgba[o + 3] = 255;
}

/** Overlay bits of an n x n matrix pooled like the codes: cell (I, J) is set when any pair of its block is. */
export function poolBits(bits, n, block) {
  if (block <= 1) return bits;
  const m = Math.ceil(n / block);
  const out = new Uint8Array(m * m);
  for (let i = 0; i < n; i++) {
    const row = Math.floor(i / block) * m;
    for (let j = 0; j < n; j++) if (bits[i * n + j]) out[row + Math.floor(j / block)] = 1;
  }
  return out;
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
  const zoomBar = element("div", "pa-bar", root);
  const zoomText = element("span", "pa-zoom", zoomBar);
  const reset = element("button", null, zoomBar, "reset zoom");
  reset.type = "button";
  const canvas = element("canvas", null, root);
  canvas.tabIndex = 0;
  canvas.setAttribute("aria-label", "attention heatmap; wheel zooms, drag pans, double-click resets; arrow keys change layer and head, shift + left/right step the selected residue");
  const tip = element("div", "protattn-tooltip", root);
  const offscreen = document.createElement("canvas");
  const detailImage = document.createElement("canvas");
  let contactBits = null; // Uint8Array of 0/1 (n x n), decoded once per chain
  let pooledContacts = null; // the same at the pooled resolution
  let hover = null;
  let view = fullView(0);
  let drawnView = view; // the view on screen (summary() reports it: tests wait on what is drawn)
  let drawnDetail = false; // the kernel's full-resolution window is on screen
  let paintedKey = null; // what the offscreen image holds
  let detailKey = null;
  let drag = null;
  let lastRequest = "";
  let requestTimer = null;
  const geometry = { left: MARGIN, top: MARGIN, size: 0, cell: 0, n: 0 };

  function residues() {
    return { ids: model.get("residue_ids") || [], names: model.get("residue_names") || [], chain: model.get("chain_id") };
  }
  const blockOf = () => Math.max(1, model.get("_block") || 1);

  function decodeContacts() {
    const n = (model.get("residue_ids") || []).length;
    const bits = asBytes(model.get("_contacts"));
    pooledContacts = null;
    if (bits.length * 8 < n * n || n === 0) { contactBits = null; return; }
    contactBits = new Uint8Array(n * n);
    for (let k = 0; k < n * n; k++) contactBits[k] = (bits[k >> 3] >> (k & 7)) & 1;
  }

  function pooled(block, n) {
    if (!contactBits) return null;
    if (!pooledContacts || pooledContacts.block !== block) {
      pooledContacts = { block, bits: poolBits(contactBits, n, block) };
    }
    return pooledContacts.bits;
  }

  /** The full-resolution window the kernel sent, if it covers the current view. */
  function detail(n) {
    const w = model.get("_detail_window") || [];
    const codes = asBytes(model.get("_detail"));
    if (w.length !== 4) return null;
    const [r0, r1, c0, c1] = w;
    const cells = (r1 - r0) * (c1 - c0);
    if (codes.length !== 2 * cells) return null;
    const [vr0, vr1, vc0, vc1] = viewWindow(view, n);
    if (vr0 < r0 || vr1 > r1 || vc0 < c0 || vc1 > c1) return null;
    return { r0, r1, c0, c1, codes: codes.subarray(0, cells), partner: codes.subarray(cells) };
  }

  const schedule = batched(draw, () => { if (el.protattnView) el.protattnView.lastChangeAt = performance.now(); });
  function repaint() { paintedKey = null; detailKey = null; schedule(); }

  function requestDetail(n) {
    // Ask the kernel for full detail of what is shown, once the wheel or drag has settled.
    const block = blockOf();
    const wanted = block > 1 && view.span * 1 <= Math.ceil(n / block) ? viewWindow(view, n) : [];
    const key = JSON.stringify(wanted);
    if (key === lastRequest) return;
    clearTimeout(requestTimer);
    requestTimer = setTimeout(() => {
      lastRequest = key;
      model.set("zoom", wanted);
      model.save_changes();
    }, 120);
  }

  function draw() {
    const start = performance.now();
    try {
      const { ids } = residues();
      const n = ids.length;
      const block = blockOf();
      const m = Math.ceil(n / block);
      const codes = asBytes(model.get("_matrix"));
      const size = model.get("size") || 420;
      const scale = model.get("_scale") || 0;
      caption.textContent = model.get("caption") || "";
      toggle.checked = !!model.get("show_contacts");
      toggle.disabled = !contactBits;
      if (geometry.n !== n) view = fullView(n);
      view = clampView(view, n);
      drawnView = { ...view };
      drawnDetail = false;
      Object.assign(geometry, { size, n, cell: n > 0 ? size / view.span : 0 });
      const width = MARGIN + size + 4, height = MARGIN + size + BAR;
      const ctx = sizeCanvas(canvas, width, height);
      ctx.clearRect(0, 0, width, height);
      if (codes.length !== m * m || n === 0) {
        ctx.fillStyle = "#888";
        ctx.fillText("no attention data", MARGIN, MARGIN + 12);
        return;
      }
      const thresholdQ = thresholdCode(model.get("threshold") || 0, scale);
      const mode = model.get("mode");
      const outline = geometry.cell >= OUTLINE_PX;
      const showOverlay = !!model.get("show_contacts") && !!contactBits;
      const key = `${thresholdQ}|${mode}|${showOverlay && !outline}|${m}|${block}`;
      if (paintedKey !== key) {
        offscreen.width = m;
        offscreen.height = m;
        const octx = offscreen.getContext("2d");
        const image = octx.createImageData(m, m);
        paintMatrix(image.data, codes, m, table, { thresholdQ, mode, contacts: showOverlay && !outline ? pooled(block, n) : null });
        octx.putImageData(image, 0, 0);
        paintedKey = key;
      }
      const { left, top } = geometry;
      const dpr = (typeof window !== "undefined" && window.devicePixelRatio) || 1;
      ctx.save();
      ctx.beginPath();
      ctx.rect(left, top, size, size);
      ctx.clip();
      // One device pixel per cell or more: sharp cells; fewer: smooth, so that no row is dropped.
      ctx.imageSmoothingEnabled = view.span / block > size * dpr;
      ctx.drawImage(offscreen, view.c0 / block, view.r0 / block, view.span / block, view.span / block, left, top, size, size);
      const fine = block > 1 ? detail(n) : null;
      drawnDetail = !!fine;
      if (fine) {
        const w = fine.c1 - fine.c0, h = fine.r1 - fine.r0;
        const dkey = `${key}|${(model.get("_detail_window") || []).join(",")}`;
        if (detailKey !== dkey) {
          detailImage.width = w;
          detailImage.height = h;
          const dctx = detailImage.getContext("2d");
          const image = dctx.createImageData(w, h);
          let bits = null;
          if (showOverlay && !outline) {
            bits = new Uint8Array(w * h);
            for (let i = 0; i < h; i++) bits.set(contactBits.subarray((fine.r0 + i) * n + fine.c0, (fine.r0 + i) * n + fine.c1), i * w);
          }
          paintWindow(image.data, fine.codes, fine.partner, w, h, table, { thresholdQ, mode, contacts: bits });
          dctx.putImageData(image, 0, 0);
          detailKey = dkey;
        }
        ctx.imageSmoothingEnabled = false;
        ctx.drawImage(detailImage, view.c0 - fine.c0, view.r0 - fine.r0, view.span, view.span, left, top, size, size);
      }
      if (showOverlay && outline) drawOutlines(ctx, n);
      drawSelection(ctx, n);
      if (hover) {
        ctx.strokeStyle = "#222";
        ctx.lineWidth = 1;
        const c = geometry.cell;
        ctx.strokeRect(left + (hover.col - view.c0) * c - 0.5, top + (hover.row - view.r0) * c - 0.5,
                       Math.max(c, 2) + 1, Math.max(c, 2) + 1);
      }
      ctx.restore();
      ctx.strokeStyle = "#999";
      ctx.lineWidth = 1;
      ctx.strokeRect(left - 0.5, top - 0.5, size + 1, size + 1);
      drawSelectionMarks(ctx, n);
      drawTicks(ctx, ids);
      drawColourBar(ctx, scale);
      const full = isFull(view, n);
      const [r0, r1, c0, c1] = viewWindow(view, n);
      zoomText.textContent = full
        ? (block > 1 ? `${block} x ${block} residues per cell (strongest shown); wheel to zoom` : "wheel to zoom, drag to pan") +
          " · colour: \u221a of the weight; red mark: threshold"
        : `zoom ${(n / view.span).toFixed(1)}x · rows ${ids[r0]}\u2013${ids[r1 - 1]}, columns ${ids[c0]}\u2013${ids[c1 - 1]}` +
          (block > 1 ? (fine ? " · full detail" : ` · ${block} x ${block} per cell`) : "");
      reset.style.display = full ? "none" : "";
      requestDetail(n);
    } catch (error) {
      showError(el, error);
    } finally {
      const api = stamp(el, "heatmap", start, { layer: model.get("layer"), head: model.get("head") });
      // What this draw put on screen (not the model's live state, which a change sets before the draw).
      const drawn = { selected: model.get("selected_residue"), n: (model.get("residue_ids") || []).length };
      api.summary = () => ({ draws: api.draws, layer: api.layer, head: api.head,
                             selected: drawn.selected, lastDrawMs: api.lastDrawMs,
                             layout: { ...geometry }, view: { ...drawnView }, block: blockOf(),
                             detail: drawnDetail, ticks: api.ticks || [], n: drawn.n });
      api.cellCenter = (row, col) => {
        const box = canvas.getBoundingClientRect();
        return { x: box.left + geometry.left + (col + 0.5 - view.c0) * geometry.cell,
                 y: box.top + geometry.top + (row + 0.5 - view.r0) * geometry.cell };
      };
      api.matrixCenter = () => {
        const box = canvas.getBoundingClientRect();
        return { x: box.left + geometry.left + geometry.size / 2, y: box.top + geometry.top + geometry.size / 2 };
      };
    }
  }

  function visible(n) {
    const [r0, r1, c0, c1] = viewWindow(view, n);
    return { r0, r1, c0, c1 };
  }

  function drawOutlines(ctx, n) {
    const { r0, r1, c0, c1 } = visible(n);
    const c = geometry.cell;
    ctx.strokeStyle = `rgb(${CONTACT.join(",")})`;
    ctx.lineWidth = Math.min(2, Math.max(1, c / 6));
    ctx.beginPath();
    for (let i = r0; i < r1; i++) {
      for (let j = c0; j < c1; j++) {
        if (!contactBits[i * n + j]) continue;
        ctx.rect(geometry.left + (j - view.c0) * c + 1, geometry.top + (i - view.r0) * c + 1, c - 2, c - 2);
      }
    }
    ctx.stroke();
  }

  function drawSelection(ctx, n) {
    // Lines along both sides of the selected row and column: the cells themselves stay visible.
    const sel = model.get("selected_residue");
    if (sel == null || sel < 0 || sel >= n) return;
    const c = geometry.cell, { left, top, size } = geometry;
    const y = top + (sel - view.r0) * c, x = left + (sel - view.c0) * c;
    const gap = Math.max(c, 3);
    const mid = c / 2;
    ctx.strokeStyle = HIGHLIGHT;
    ctx.lineWidth = 1;
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.moveTo(left, y + mid - gap / 2 - 0.5); ctx.lineTo(left + size, y + mid - gap / 2 - 0.5);
    ctx.moveTo(left, y + mid + gap / 2 + 0.5); ctx.lineTo(left + size, y + mid + gap / 2 + 0.5);
    ctx.moveTo(x + mid - gap / 2 - 0.5, top); ctx.lineTo(x + mid - gap / 2 - 0.5, top + size);
    ctx.moveTo(x + mid + gap / 2 + 0.5, top); ctx.lineTo(x + mid + gap / 2 + 0.5, top + size);
    ctx.stroke();
    ctx.setLineDash([]);
  }

  function drawSelectionMarks(ctx, n) {
    const sel = model.get("selected_residue");
    if (sel == null || sel < 0 || sel >= n) return;
    const c = geometry.cell, { left, top, size } = geometry;
    const y = top + (sel + 0.5 - view.r0) * c, x = left + (sel + 0.5 - view.c0) * c;
    ctx.fillStyle = HIGHLIGHT;
    if (y >= top && y <= top + size) ctx.fillRect(left - 6, y - 2, 5, 4);
    if (x >= left && x <= left + size) ctx.fillRect(x - 2, top - 6, 4, 5);
  }

  function drawTicks(ctx, ids) {
    const { left, top, size } = geometry;
    const rows = niceTicks(view.r0, view.span, 8).ticks.filter((t) => t < ids.length);
    const cols = niceTicks(view.c0, view.span, 8).ticks.filter((t) => t < ids.length);
    ctx.fillStyle = "#444";
    ctx.font = "10px sans-serif";
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const i of rows) ctx.fillText(ids[i], left - 8, top + ((i + 0.5 - view.r0) / view.span) * size);
    for (const j of cols) {
      ctx.save();
      ctx.translate(left + ((j + 0.5 - view.c0) / view.span) * size, top - 8);
      ctx.rotate(-Math.PI / 2);
      ctx.textAlign = "left";
      ctx.fillText(ids[j], 0, 0);
      ctx.restore();
    }
    if (el.protattnView) el.protattnView.ticks = rows.map((i) => ids[i]);
    ctx.textAlign = "left";
    ctx.textBaseline = "alphabetic";
    ctx.fillText("from \u2193  to \u2192", 2, 10);
  }

  function drawColourBar(ctx, scale) {
    // The colour of each weight, 0 (left) to the head's largest weight (right), under the matrix.
    const { left, top, size } = geometry;
    const y = top + size + 6, h = 8;
    for (let x = 0; x < size; x++) {
      const q = Math.round((255 * x) / Math.max(size - 1, 1));
      ctx.fillStyle = cssColor(table, SQRT_INDEX[q]);
      ctx.fillRect(left + x, y, 1, h);
    }
    ctx.strokeStyle = "#999";
    ctx.strokeRect(left - 0.5, y - 0.5, size + 1, h + 1);
    ctx.fillStyle = "#444";
    ctx.font = "10px sans-serif";
    ctx.textBaseline = "top";
    const ticks = roundTicks(scale);
    for (const t of ticks.values) {
      const f = scale > 0 ? t / scale : 0;
      ctx.textAlign = f === 0 ? "left" : f > 0.97 ? "right" : "center";
      ctx.fillText(t.toFixed(ticks.decimals), left + f * (size - 1), y + h + 2);
    }
    if (el.protattnView) el.protattnView.colourTicks = ticks.values.map((t) => t.toFixed(ticks.decimals));
    const t = model.get("threshold") || 0;
    if (scale > 0 && t <= scale) {
      const x = left + (t / scale) * (size - 1);
      ctx.strokeStyle = "#d62728";
      ctx.lineWidth = 2;
      ctx.beginPath(); ctx.moveTo(x, y - 3); ctx.lineTo(x, y + h + 1); ctx.stroke();
      ctx.lineWidth = 1;
    }
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    ctx.fillText("weight", left - 4, y + h / 2);
    ctx.textAlign = "left";
    ctx.textBaseline = "alphabetic";
  }

  function cellAtEvent(event) {
    const p = localPoint(canvas, event);
    return { p, cell: residueAtPixel(view, geometry.n, geometry.left, geometry.top, geometry.size, p.x, p.y) };
  }

  function onMove(event) {
    if (drag) {
      const p = localPoint(canvas, event);
      const dx = p.x - drag.x, dy = p.y - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
      if (drag.moved) {
        view = panBy(drag.view, geometry.n, dx, dy, geometry.size);
        hideTooltip(tip);
        schedule();
        return;
      }
    }
    const { p, cell } = cellAtEvent(event);
    const changed = (cell && hover && (cell.row !== hover.row || cell.col !== hover.col)) || (!cell !== !hover);
    hover = cell;
    if (!cell) { hideTooltip(tip); if (changed) schedule(); return; }
    const { ids, names, chain } = residues();
    const n = ids.length;
    const block = blockOf();
    const fine = block > 1 ? detail(n) : null;
    let text;
    if (block === 1 || fine) {
      const code = block === 1 ? asBytes(model.get("_matrix"))[cell.row * n + cell.col]
        : fine.codes[(cell.row - fine.r0) * (fine.c1 - fine.c0) + (cell.col - fine.c0)];
      const scale = model.get("_scale") || 0;
      text = pairTooltip(chain, names, ids, cell.row, cell.col, codeValue(code, scale), scale / 255);
    } else {
      const m = Math.ceil(n / block);
      const I = Math.floor(cell.row / block), J = Math.floor(cell.col / block);
      const code = asBytes(model.get("_matrix"))[I * m + J];
      const span = (k) => `${ids[k * block]}\u2013${ids[Math.min(n, (k + 1) * block) - 1]}`;
      const scale = model.get("_scale") || 0;
      text = `${chain} ${span(I)} \u2192 ${span(J)}: strongest ${formatWeight(codeValue(code, scale), scale / 255)} ` +
        `(a ${block} x ${block} block)`;
    }
    if (contactBits && contactBits[cell.row * n + cell.col]) text += ` (${overlayLabel().replace(/\bcontacts\b/, "contact")})`;
    showCanvasTooltip(tip, root, canvas, p, text);
    if (changed) schedule();
  }

  function onLeave() { hover = null; drag = null; hideTooltip(tip); schedule(); }

  function onDown(event) {
    if (event.button !== 0) return;
    const p = localPoint(canvas, event);
    drag = { x: p.x, y: p.y, view: { ...view }, moved: false };
  }

  function onUp() {
    if (drag && drag.moved) canvas.dataset.dragged = "1";
    drag = null;
  }

  function onWheel(event) {
    const { p, cell } = cellAtEvent(event);
    if (!cell) return;
    event.preventDefault();
    const fx = (p.x - geometry.left) / geometry.size, fy = (p.y - geometry.top) / geometry.size;
    view = zoomAt(view, geometry.n, Math.exp(Math.sign(event.deltaY) * 0.25), fx, fy);
    hover = null;
    schedule();
  }

  function resetZoom() { view = fullView(geometry.n); schedule(); }

  // A double-click resets the zoom only: its two clicks must not move the selection.  A dblclick always
  // follows its own two clicks, the first with detail 1: the selection from before that one comes back.
  // (No time window: on a busy machine the handlers may run a second after the clicks.)
  let beforeClicks = { selected: null };
  function onDoubleClick() {
    resetZoom();
    if (model.get("selected_residue") !== beforeClicks.selected) {
      model.set("selected_residue", beforeClicks.selected);
      model.save_changes();
    }
  }

  function onClick(event) {
    if (event.detail <= 1) beforeClicks = { selected: model.get("selected_residue") };
    canvas.focus();
    if (canvas.dataset.dragged) { delete canvas.dataset.dragged; return; }
    const { cell } = cellAtEvent(event);
    if (!cell) return;
    model.set("selected_residue", event.shiftKey ? cell.col : cell.row);
    model.save_changes();
  }

  function onKey(event) {
    if (event.key === "Escape") { model.set("selected_residue", null); model.save_changes(); return; }
    if (event.shiftKey) {  // Shift + left/right: step the selected residue (arrows alone change the head)
      const i = stepResidue(event.key, model.get("selected_residue"), geometry.n);
      if (i === undefined) return;
      event.preventDefault();
      model.set("selected_residue", i);
      model.save_changes();
      return;
    }
    const next = stepHead(event.key, model.get("layer"), model.get("head"), model.get("n_layers"), model.get("n_heads"));
    if (!next) return;
    event.preventDefault();
    pickHead(model, next.layer, next.head);
  }

  function onToggle() { model.set("show_contacts", toggle.checked); model.save_changes(); }

  function onChain() { overlayText.textContent = ` ${overlayLabel()}`; decodeContacts(); geometry.n = -1; repaint(); }

  onChain();
  draw();
  const repaintOn = ["_matrix", "_scale", "_block", "threshold", "mode", "show_contacts"];
  const redrawOn = ["selected_residue", "caption", "size"];
  const detailOn = ["_detail", "_detail_window"];
  const stop = connect(el, model, [[repaintOn, repaint], [redrawOn, schedule], [detailOn, () => { detailKey = null; schedule(); }],
                                   [["_contacts", "residue_ids", "overlay_label"], onChain]], [
    [canvas, "mousemove", onMove], [canvas, "mouseleave", onLeave], [canvas, "click", onClick],
    [canvas, "mousedown", onDown], [window, "mouseup", onUp], [canvas, "wheel", onWheel],
    [canvas, "dblclick", onDoubleClick], [reset, "click", resetZoom],
    [canvas, "keydown", onKey], [toggle, "change", onToggle],
  ]);
  return () => { clearTimeout(requestTimer); stop(); };
}

export default { render };
