// HeadGrid: layers x heads tiles coloured by a per-head statistic (protattn_widgets/widgets/head_grid.py).
//
// Traits read:
//   _values         bytes   float32 (n_layers, n_heads), little-endian; NaN = no value (masked head)
//   _counts         bytes   uint32 (n_layers, n_heads): edges the value is based on ("n=")
//   n_layers, n_heads, layer, head, statistic_name, value_format ("percent" | "number"), caption,
//   min_total (heads with fewer edges have no value; fewer than FEW_FACTOR x min_total: small tiles)
//   _flags          optional [str] per head (flat), shown in the tooltip: "column; positional (+1); sink"
//   recount_available  optional bool: the counts are approximate and the kernel can recount them exactly
//                   (a "recount exactly" button after the caption sends {type: "recount"}; it runs the model once)
// Written: layer and head (click on a tile or a "top heads" entry, arrow keys).
// Tiles shrink with the number of heads (28 px down to 8 px: 36 x 40 heads fit in ~440 px); the
// colour bar under the grid states the scale, 0 to a round value at or above the best head.
// Labels are 1-based, as the paper writes heads: tile (layer 2, head 4) is "3-5".

import { controlsCss } from "./lib/controls_css.js";
import { float32s, uint32s } from "./lib/buffers.js";
import { HIGHLIGHT, MISSING, cssColor, lut } from "./lib/colormaps.js";
import {
  batched, connect, element, hideTooltip, localPoint, pickHead, showCanvasTooltip, showError, sizeCanvas, stamp,
} from "./lib/dom.js";
import { STRONG_EDGES, formatGridValue, headLabel, headTooltip } from "./lib/format.js";
import { stepHead } from "./lib/keys.js";
import { gridLayout, tileAt } from "./lib/layout.js";

const CSS = controlsCss(".protattn-grid") + `
.protattn-grid { position: relative; font: 12px sans-serif; color: #222; display: inline-block; }
.protattn-grid canvas { display: block; outline: none; cursor: pointer; }
.protattn-grid canvas:focus { box-shadow: 0 0 0 2px #9ecae1; }
.protattn-grid .pa-caption { font-weight: 600; }
.protattn-grid .pa-recount { font: 11px sans-serif; margin-left: 4px; padding: 0 4px; cursor: pointer; }
.protattn-grid .pa-scale { color: #555; }
.protattn-grid .pa-legend { display: flex; align-items: center; gap: 4px; color: #555; margin-top: 2px; }
.protattn-grid .pa-legend canvas { cursor: default; }
.protattn-grid .pa-top { margin-top: 4px; color: #333; }
.protattn-grid .pa-top button { font: 11px sans-serif; margin: 1px 2px; padding: 0 4px; cursor: pointer; }
.protattn-tooltip { position: absolute; display: none; pointer-events: none; background: rgba(30,30,30,.9);
  color: #fff; padding: 2px 6px; border-radius: 3px; white-space: nowrap; font: 12px sans-serif; z-index: 10; }
.protattn-error { color: #a00; background: #fee; border: 1px solid #d88; padding: 6px; font: 12px monospace; }
`;

/** Heads based on fewer than FEW_FACTOR x min_total edges are drawn as small tiles. */
export const FEW_FACTOR = 3;
/** Width the grid's tiles may take, CSS px. */
export const GRID_WIDTH = 440;

/** Tile side for a grid of nLayers x nHeads: 28 px, smaller for big models, never under 8 px. */
export function tileSize(nLayers, nHeads, width = GRID_WIDTH) {
  return Math.max(8, Math.min(28, Math.floor(width / Math.max(nHeads, 1)), Math.floor(width / Math.max(nLayers, 1))));
}

/** The colour scale's top: the smallest of 1-2-2.5-5 x 10^k at or above ``top``. */
export function niceTop(top) {
  if (!(top > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(top));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * power >= top * (1 - 1e-9)) return m * power;
  return 10 * power;
}

/** The ``k`` best heads (finite values, highest first) as [{layer, head, value, count}]. */
export function topHeads(values, counts, nHeads, k = 5) {
  const order = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) order.push(i);
  order.sort((a, b) => values[b] - values[a] || a - b);
  return order.slice(0, k).map((i) => ({ layer: Math.floor(i / nHeads), head: i % nHeads, value: values[i],
                                         count: counts && counts.length > i ? counts[i] : null }));
}

/** Colour code (0..255) of each value, scaled to [0, top] (top = the largest value unless fixedTop is given); -1 where there is no value. */
export function tileCodes(values, fixedTop = null) {
  let top = 0;
  for (const v of values) if (Number.isFinite(v) && v > top) top = v;
  top = fixedTop ?? top;
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
  const legend = element("div", "pa-legend", root);
  const low = element("span", null, legend, "0");
  const barCanvas = element("canvas", null, legend);
  const high = element("span", null, legend, "");
  const scale = element("div", "pa-scale", root);
  const top5 = element("div", "pa-top", root);
  const tip = element("div", "protattn-tooltip", root);
  let layout = gridLayout(0, 0);
  let topKey = "";
  let hover = null;
  let recountPending = false;  // clicked; the kernel has not answered yet

  /** After an approximate caption: a button asking the kernel for exact counts (one model run). */
  function drawRecount() {
    if (!model.get("recount_available")) return;
    const button = element("button", "pa-recount", caption, recountPending ? "recounting\u2026" : "recount exactly");
    button.type = "button";
    button.dataset.testid = "grid-recount";
    button.disabled = recountPending;
    button.title = "Count these strong pairs exactly from the model's float32 attention (runs the model once)";
    button.addEventListener("click", () => {
      recountPending = true;
      button.disabled = true;
      button.textContent = "recounting\u2026";
      model.send({ type: "recount" });
    });
  }

  function draw() {
    const start = performance.now();
    try {
      const nLayers = model.get("n_layers");
      const nHeads = model.get("n_heads");
      const values = float32s(model.get("_values"));
      const percent = model.get("value_format") === "percent";
      const counts = uint32s(model.get("_counts"));
      const minTotal = model.get("min_total") || 0;
      const few = minTotal * FEW_FACTOR;
      layout = gridLayout(nLayers, nHeads, tileSize(nLayers, nHeads));
      caption.textContent = model.get("caption") || model.get("statistic_name") || "";
      drawRecount();
      const ctx = sizeCanvas(canvas, layout.width, layout.height);
      caption.style.maxWidth = `${Math.max(layout.width, 160)}px`;  // wrap under the grid, not over its neighbour
      ctx.clearRect(0, 0, layout.width, layout.height);
      let best = 0;
      for (const v of values) if (Number.isFinite(v) && v > best) best = v;
      const topValue = percent ? niceTop(best) : best;
      const { codes } = tileCodes(values, topValue);
      const t = layout.tile;
      const gap = t >= 14 ? 1 : 0.5;
      for (let l = 0; l < nLayers; l++) {
        for (let h = 0; h < nHeads; h++) {
          const k = l * nHeads + h;
          const q = codes[k];
          ctx.fillStyle = q == null || q < 0 ? MISSING : cssColor(table, q);
          // Few edges: a small tile, so that a dark colour resting on a handful of pairs does not stand out.
          const small = q >= 0 && counts.length > k && counts[k] < few;
          const inset = small ? t * 0.28 : gap;
          ctx.fillRect(layout.left + h * t + inset, layout.top + l * t + inset, t - 2 * inset, t - 2 * inset);
        }
      }
      ctx.fillStyle = "#444";
      ctx.font = `${t >= 14 ? 11 : 9}px sans-serif`;
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      const every = t >= 18 ? 1 : t >= 12 ? 2 : 5;
      for (let h = 0; h < nHeads; h++) {
        if ((h + 1) % every === 0 || h === 0) ctx.fillText(String(h + 1), layout.left + (h + 0.5) * t, layout.top - 8);
      }
      ctx.textAlign = "right";
      for (let l = 0; l < nLayers; l++) {
        if ((l + 1) % every === 0 || l === 0) ctx.fillText(String(l + 1), layout.left - 6, layout.top + (l + 0.5) * t);
      }
      ctx.textAlign = "left";
      ctx.fillText("layer \\ head", 2, 8);
      if (hover) {
        ctx.strokeStyle = "#666";
        ctx.lineWidth = 1;
        ctx.strokeRect(layout.left + hover.head * t + 0.5, layout.top + hover.layer * t + 0.5, t - 1, t - 1);
      }
      const layer = model.get("layer"), head = model.get("head");
      ctx.strokeStyle = HIGHLIGHT;
      ctx.lineWidth = t >= 14 ? 3 : 2;
      ctx.strokeRect(layout.left + head * t + 1, layout.top + layer * t + 1, t - 2, t - 2);
      // One format for every value shown (top heads, scale, tooltip): "10.0%" next to "10.6%", not "10%".
      const show = (v) => formatGridValue(v, model.get("value_format"));
      drawLegend(Math.min(layout.width - 60, 220));
      high.textContent = show(topValue);
      const fewText = minTotal ? `; grey: < ${minTotal} strong edges; small: < ${few}` : "; grey = no value";
      scale.textContent = `current ${headLabel(layer, head)}; best ${show(best)}${fewText}`;
      drawTop(values, counts, nHeads, show);
    } catch (error) {
      showError(el, error);
    } finally {
      const api = stamp(el, "head_grid", start);
      const drawn = { layer: model.get("layer"), head: model.get("head") }; // the head this draw marks
      api.summary = () => ({ draws: api.draws, layer: drawn.layer, head: drawn.head, layout: { ...layout } });
      api.tileCenter = (l, h) => {
        const box = canvas.getBoundingClientRect();
        return { x: box.left + layout.left + (h + 0.5) * layout.tile, y: box.top + layout.top + (l + 0.5) * layout.tile };
      };
    }
  }

  function drawLegend(width) {
    const ctx = sizeCanvas(barCanvas, width, 10);
    for (let x = 0; x < width; x++) {
      ctx.fillStyle = cssColor(table, Math.round((255 * x) / Math.max(width - 1, 1)));
      ctx.fillRect(x, 0, 1, 10);
    }
  }

  function drawTop(values, counts, nHeads, show) {
    const best = topHeads(values, counts, nHeads, 5);
    const key = JSON.stringify(best);
    if (key === topKey) return;
    topKey = key;
    top5.textContent = best.length ? "top heads: " : "";
    for (const b of best) {
      const button = element("button", null, top5, `${headLabel(b.layer, b.head)} ${show(b.value)}`);
      button.type = "button";
      button.title = b.count != null ? `${b.count} ${STRONG_EDGES}` : "";
      button.addEventListener("click", () => pickHead(model, b.layer, b.head));
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
      const ci = float32s(model.get("_ci"));
      const bounds = ci.length === 2 * values.length ? [ci[k], ci[values.length + k]] : null;
      const flags = model.get("_flags");  // optional: per head "column; positional (+1); sink" ("" none)
      const text = headTooltip(tile.layer, tile.head, values[k], counts.length > k ? counts[k] : null,
                               model.get("value_format"), bounds) + (flags && flags[k] ? ` \u00b7 flagged: ${flags[k]}` : "");
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
  const traits = ["_values", "_counts", "layer", "head", "n_layers", "n_heads", "caption", "statistic_name", "value_format", "min_total",
                  "recount_available"];
  const answered = () => { recountPending = false; };
  return connect(el, model, [[["recount_available", "caption", "threshold"], answered], [traits, schedule]], [
    [canvas, "mousemove", onMove], [canvas, "mouseleave", onLeave], [canvas, "click", onClick], [canvas, "keydown", onKey],
  ]);
}

export default { render };
