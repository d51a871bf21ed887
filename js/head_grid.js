// HeadGrid: layers x heads tiles coloured by a per-head statistic (protattn_widgets/widgets/head_grid.py).
//
// Traits read:
//   _values         bytes   float32 (n_layers, n_heads), little-endian; NaN = no value (masked head)
//   _counts         bytes   uint32 (n_layers, n_heads): edges the value is based on ("n=")
//   n_layers, n_heads, layer, head, statistic_name, value_format ("percent" | "number"), caption
// Written: layer and head (click on a tile, arrow keys).
// Labels are 1-based, as the paper writes heads: tile (layer 2, head 4) is "3-5".

import { float32s, uint32s } from "./lib/buffers.js";
import { HIGHLIGHT, MISSING, cssColor, lut } from "./lib/colormaps.js";
import {
  batched, connect, element, hideTooltip, localPoint, pickHead, showCanvasTooltip, showError, sizeCanvas, stamp,
} from "./lib/dom.js";
import { headLabel, headTooltip } from "./lib/format.js";
import { stepHead } from "./lib/keys.js";
import { gridLayout, tileAt } from "./lib/layout.js";

const CSS = `
.protattn-grid { position: relative; font: 12px sans-serif; color: #222; display: inline-block; }
.protattn-grid canvas { display: block; outline: none; cursor: pointer; }
.protattn-grid canvas:focus { box-shadow: 0 0 0 2px #9ecae1; }
.protattn-grid .pa-caption { font-weight: 600; }
.protattn-grid .pa-scale { color: #555; }
.protattn-tooltip { position: absolute; display: none; pointer-events: none; background: rgba(30,30,30,.9);
  color: #fff; padding: 2px 6px; border-radius: 3px; white-space: nowrap; font: 12px sans-serif; z-index: 10; }
.protattn-error { color: #a00; background: #fee; border: 1px solid #d88; padding: 6px; font: 12px monospace; }
`;

/** Colour code (0..255) of each value, scaled to [0, top]; -1 where there is no value. */
export function tileCodes(values) {
  let top = 0;
  for (const v of values) if (Number.isFinite(v) && v > top) top = v;
  const codes = new Int16Array(values.length);
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    codes[k] = Number.isFinite(v) ? Math.round((Math.max(v, 0) / (top || 1)) * 255) : -1;
  }
  return { codes, top };
}

function render({ model, el }) {
  const table = lut("Blues", 0.05, 1);
  const root = element("div", "protattn-grid", el);
  element("style", null, root, CSS);
  const caption = element("div", "pa-caption", root);
  const canvas = element("canvas", null, root);
  canvas.tabIndex = 0;
  canvas.setAttribute("aria-label", "head grid; arrow keys change layer and head");
  const scale = element("div", "pa-scale", root);
  const tip = element("div", "protattn-tooltip", root);
  let layout = gridLayout(0, 0);
  let hover = null;

  function draw() {
    const start = performance.now();
    try {
      const nLayers = model.get("n_layers");
      const nHeads = model.get("n_heads");
      const values = float32s(model.get("_values"));
      const percent = model.get("value_format") === "percent";
      layout = gridLayout(nLayers, nHeads);
      caption.textContent = model.get("caption") || model.get("statistic_name") || "";
      const ctx = sizeCanvas(canvas, layout.width, layout.height);
      caption.style.maxWidth = `${Math.max(layout.width, 160)}px`;  // wrap under the grid, not over its neighbour
      ctx.clearRect(0, 0, layout.width, layout.height);
      const { codes, top } = tileCodes(values);
      const t = layout.tile;
      for (let l = 0; l < nLayers; l++) {
        for (let h = 0; h < nHeads; h++) {
          const q = codes[l * nHeads + h];
          ctx.fillStyle = q == null || q < 0 ? MISSING : cssColor(table, q);
          ctx.fillRect(layout.left + h * t + 1, layout.top + l * t + 1, t - 2, t - 2);
        }
      }
      ctx.fillStyle = "#444";
      ctx.font = "11px sans-serif";
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      for (let h = 0; h < nHeads; h++) ctx.fillText(String(h + 1), layout.left + (h + 0.5) * t, layout.top - 8);
      ctx.textAlign = "right";
      for (let l = 0; l < nLayers; l++) ctx.fillText(String(l + 1), layout.left - 6, layout.top + (l + 0.5) * t);
      ctx.textAlign = "left";
      ctx.fillText("layer \\ head", 2, 8);
      if (hover) {
        ctx.strokeStyle = "#666";
        ctx.lineWidth = 1;
        ctx.strokeRect(layout.left + hover.head * t + 0.5, layout.top + hover.layer * t + 0.5, t - 1, t - 1);
      }
      const layer = model.get("layer"), head = model.get("head");
      ctx.strokeStyle = HIGHLIGHT;
      ctx.lineWidth = 3;
      ctx.strokeRect(layout.left + head * t + 1.5, layout.top + layer * t + 1.5, t - 3, t - 3);
      const top100 = percent ? `${(top * 100).toFixed(1)}%` : top.toPrecision(3);
      scale.textContent = `current ${headLabel(layer, head)}; darkest = ${top100}; grey = no value`;
    } catch (error) {
      showError(el, error);
    } finally {
      const api = stamp(el, "head_grid", start);
      api.summary = () => ({ draws: api.draws, layer: model.get("layer"), head: model.get("head"),
                             layout: { ...layout } });
      api.tileCenter = (l, h) => {
        const box = canvas.getBoundingClientRect();
        return { x: box.left + layout.left + (h + 0.5) * layout.tile, y: box.top + layout.top + (l + 0.5) * layout.tile };
      };
    }
  }

  const schedule = batched(draw);

  function onMove(event) {
    const p = localPoint(canvas, event);
    const tile = tileAt(layout, p.x, p.y);
    const changed = JSON.stringify(tile) !== JSON.stringify(hover);
    hover = tile;
    if (!tile) { hideTooltip(tip); } else {
      const k = tile.layer * layout.nHeads + tile.head;
      const values = float32s(model.get("_values"));
      const counts = uint32s(model.get("_counts"));
      const text = headTooltip(tile.layer, tile.head, values[k], counts.length > k ? counts[k] : null,
                               model.get("value_format"));
      showCanvasTooltip(tip, root, canvas, p, text);
    }
    if (changed) schedule();
  }

  function onLeave() { hover = null; hideTooltip(tip); schedule(); }

  function onClick(event) {
    const p = localPoint(canvas, event);
    const tile = tileAt(layout, p.x, p.y);
    canvas.focus();
    if (!tile) return;
    pickHead(model, tile.layer, tile.head);
  }

  function onKey(event) {
    const next = stepHead(event.key, model.get("layer"), model.get("head"), model.get("n_layers"), model.get("n_heads"));
    if (!next) return;
    event.preventDefault();
    pickHead(model, next.layer, next.head);
  }

  draw();
  const traits = ["_values", "_counts", "layer", "head", "n_layers", "n_heads", "caption", "statistic_name", "value_format"];
  return connect(el, model, [[traits, schedule]], [
    [canvas, "mousemove", onMove], [canvas, "mouseleave", onLeave], [canvas, "click", onClick], [canvas, "keydown", onKey],
  ]);
}

export default { render };
