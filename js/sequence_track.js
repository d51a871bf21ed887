// SequenceTrack: the chain's residues as cells coloured by attention received, with
// annotation tracks underneath (protattn_widgets/widgets/sequence_track.py).
//
// Traits read:
//   _received        bytes   uint8 (L,): code q means q / 255 * _received_scale
//   _received_scale  float   attention received of code 255 (the maximum)
//   sequence str (L letters), residue_ids, residue_names [str] (L), chain_id str
//   _track_names [str] (T), _track_colors [css colour] (T)
//   _track_masks     bytes   uint8 (T, L): 1 where residue is in the track
//   per_row int, selected_residue, caption
//   _gap_after [int] (G), _gap_missing [int] (G): _gap_missing[g] residues are missing
//                    between residue _gap_after[g] and the next one (drawn as a red bar)
// Written: selected_residue (click; Escape clears).

import { asBytes, codeValue } from "./lib/buffers.js";
import { HIGHLIGHT, cssColor, lut, textColorOn } from "./lib/colormaps.js";
import { batched, connect, element, hideTooltip, localPoint, showCanvasTooltip, showError, sizeCanvas, stamp } from "./lib/dom.js";
import { residueTooltip } from "./lib/format.js";
import { stepResidue } from "./lib/keys.js";
import { residueAt, residueOrigin, trackLayout } from "./lib/layout.js";

const CSS = `
.protattn-track { position: relative; font: 12px sans-serif; color: #222; }
.protattn-track canvas { display: block; outline: none; cursor: pointer; }
.protattn-track .pa-caption { font-weight: 600; }
.protattn-track .pa-legend { display: flex; gap: 12px; flex-wrap: wrap; margin: 2px 0; }
.protattn-track .pa-swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: middle; }
.protattn-tooltip { position: absolute; display: none; pointer-events: none; background: rgba(30,30,30,.9);
  color: #fff; padding: 2px 6px; border-radius: 3px; white-space: nowrap; font: 12px sans-serif; z-index: 10; }
.protattn-error { color: #a00; background: #fee; border: 1px solid #d88; padding: 6px; font: 12px monospace; }
`;

export const GAP_COLOR = "#d62728";

/**
 * The gap marks of the track: one bar between residue ``after`` and ``after + 1``
 * (on the right edge of ``after``'s cell) for each gap, with the number missing.
 * @returns {{x, y, w, h, after, missing}[]}
 */
export function gapMarks(layout, gapAfter, gapMissing) {
  const marks = [];
  (gapAfter || []).forEach((after, g) => {
    if (!(after >= 0 && after < layout.n - 1)) return;
    const { x, y } = residueOrigin(layout, after);
    marks.push({ x: x + layout.cellW - 2.5, y: y - 2, w: 3, h: layout.cellH + 4, after,
                 missing: (gapMissing || [])[g] ?? 0 });
  });
  return marks;
}

function render({ model, el }) {
  const table = lut("Blues", 0.12, 1); // the NGL view's residue colours
  const root = element("div", "protattn-track", el);
  element("style", null, root, CSS);
  const caption = element("div", "pa-caption", root);
  const legend = element("div", "pa-legend", root);
  const canvas = element("canvas", null, root);
  canvas.tabIndex = 0;
  canvas.setAttribute("aria-label", "sequence; click a residue to select it; left/right arrows step the selection, Escape clears it");
  const tip = element("div", "protattn-tooltip", root);
  let layout = trackLayout(0, 50, 0);

  function tracks() {
    const names = model.get("_track_names") || [];
    const colors = model.get("_track_colors") || [];
    return { names, colors, masks: asBytes(model.get("_track_masks")) };
  }

  function drawLegend(names, colors) {
    legend.textContent = "";
    const scale = element("span", null, legend);
    const sw = element("span", "pa-swatch", scale);
    sw.style.background = `linear-gradient(90deg, ${cssColor(table, 0)}, ${cssColor(table, 255)})`;
    sw.style.width = "40px";
    scale.appendChild(document.createTextNode("attention received"));
    names.forEach((name, t) => {
      const item = element("span", null, legend);
      element("span", "pa-swatch", item).style.background = colors[t] || "#999";
      item.appendChild(document.createTextNode(name));
    });
    if ((model.get("_gap_after") || []).length) {
      const item = element("span", null, legend);
      const bar = element("span", "pa-swatch", item);
      bar.style.background = GAP_COLOR;
      bar.style.width = "3px";
      item.appendChild(document.createTextNode("missing residues (no coordinates)"));
    }
  }

  function draw() {
    const start = performance.now();
    try {
      const sequence = model.get("sequence") || "";
      const ids = model.get("residue_ids") || [];
      const n = sequence.length;
      const received = asBytes(model.get("_received"));
      const { names, colors, masks } = tracks();
      caption.textContent = model.get("caption") || "";
      drawLegend(names, colors);
      layout = trackLayout(n, Math.max(1, model.get("per_row") || 50), names.length);
      const ctx = sizeCanvas(canvas, layout.width, layout.height);
      ctx.clearRect(0, 0, layout.width, layout.height);
      ctx.font = "11px monospace";
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      for (let i = 0; i < n; i++) {
        const { x, y } = residueOrigin(layout, i);
        const q = received.length === n ? received[i] : 0;
        ctx.fillStyle = cssColor(table, q);
        ctx.fillRect(x, y, layout.cellW - 1, layout.cellH);
        ctx.fillStyle = textColorOn(table, q);
        ctx.fillText(sequence[i], x + layout.cellW / 2, y + layout.cellH / 2 + 1);
        for (let t = 0; t < names.length; t++) {
          if (masks[t * n + i]) {
            ctx.fillStyle = colors[t] || "#999";
            ctx.fillRect(x, y + layout.cellH + 1 + t * (layout.stripH + 1), layout.cellW, layout.stripH);
          }
        }
        if (i % 10 === 0) {
          ctx.fillStyle = "#666";
          ctx.font = "9px sans-serif";
          ctx.textAlign = "left";
          ctx.fillText(ids[i] ?? String(i + 1), x, y - layout.ruler / 2);
          ctx.font = "11px monospace";
          ctx.textAlign = "center";
        }
      }
      ctx.fillStyle = GAP_COLOR;
      for (const mark of gapMarks(layout, model.get("_gap_after"), model.get("_gap_missing"))) {
        ctx.fillRect(mark.x, mark.y, mark.w, mark.h);
      }
      const sel = model.get("selected_residue");
      if (sel != null && sel >= 0 && sel < n) {
        const { x, y } = residueOrigin(layout, sel);
        ctx.strokeStyle = HIGHLIGHT;
        ctx.lineWidth = 2.5;
        ctx.strokeRect(x - 0.5, y - 1, layout.cellW, layout.cellH + 2);
      }
    } catch (error) {
      showError(el, error);
    } finally {
      const api = stamp(el, "sequence_track", start);
      api.summary = () => ({ draws: api.draws, selected: model.get("selected_residue"), layout: { ...layout },
                             gaps: gapMarks(layout, model.get("_gap_after"), model.get("_gap_missing")) });
      api.residueCenter = (i) => {
        const box = canvas.getBoundingClientRect();
        const { x, y } = residueOrigin(layout, i);
        return { x: box.left + x + layout.cellW / 2, y: box.top + y + layout.cellH / 2 };
      };
    }
  }

  const schedule = batched(draw);

  function onMove(event) {
    const p = localPoint(canvas, event);
    const i = residueAt(layout, p.x, p.y);
    if (i == null) { hideTooltip(tip); return; }
    const { names, masks } = tracks();
    const n = (model.get("sequence") || "").length;
    const inTracks = names.filter((_, t) => masks[t * n + i]);
    const scale = model.get("_received_scale") || 0;
    const value = codeValue(asBytes(model.get("_received"))[i] || 0, scale);
    const gapAt = (model.get("_gap_after") || []).indexOf(i);
    const missing = gapAt >= 0 ? (model.get("_gap_missing") || [])[gapAt] : 0;
    const text = residueTooltip(model.get("chain_id"), model.get("residue_names"), model.get("residue_ids"),
                                i, value, inTracks, scale / 255) + (missing ? ` · ${missing} missing after` : "");
    showCanvasTooltip(tip, root, canvas, p, text);
  }

  function onClick(event) {
    const p = localPoint(canvas, event);
    const i = residueAt(layout, p.x, p.y);
    if (i == null) return;
    model.set("selected_residue", i);
    model.save_changes();
  }

  function onKey(event) {
    // Keyboard users step the selected residue (issue 19, defect 10); Escape clears it.
    const next = event.key === "Escape" ? null
      : stepResidue(event.key, model.get("selected_residue"), (model.get("residue_ids") || []).length);
    if (next === undefined) return;
    event.preventDefault();
    model.set("selected_residue", next);
    model.save_changes();
  }

  function onLeave() { hideTooltip(tip); }

  draw();
  const traits = ["_received", "_received_scale", "sequence", "residue_ids", "_track_names", "_track_colors",
                  "_track_masks", "per_row", "selected_residue", "caption", "_gap_after", "_gap_missing"];
  return connect(el, model, [[traits, schedule]], [
    [canvas, "mousemove", onMove], [canvas, "mouseleave", onLeave], [canvas, "click", onClick], [canvas, "keydown", onKey],
  ]);
}

export default { render };
