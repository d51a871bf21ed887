// js/lib/buffers.js
function asBytes(value) {
  if (value == null) return new Uint8Array(0);
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  return new Uint8Array(0);
}
function codeValue(code, scale) {
  return code / 255 * scale;
}

// js/lib/colormaps.js
var ANCHORS = {
  Blues: ["#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b"],
  YlOrRd: ["#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026", "#800026"],
  Greys: ["#ffffff", "#f0f0f0", "#d9d9d9", "#bdbdbd", "#969696", "#737373", "#525252", "#252525", "#000000"]
};
var HIGHLIGHT = "#e7298a";
function hexToRgb(hex) {
  const h = hex.replace("#", "");
  return [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)];
}
function sample(name, t) {
  const anchors = ANCHORS[name];
  if (!anchors) throw new Error(`unknown colour map ${name}; known: ${Object.keys(ANCHORS).join(", ")}`);
  const x = Math.min(Math.max(t, 0), 1) * (anchors.length - 1);
  const k = Math.min(Math.floor(x), anchors.length - 2);
  const f = x - k;
  const a = hexToRgb(anchors[k]);
  const b = hexToRgb(anchors[k + 1]);
  return [0, 1, 2].map((c) => a[c] + (b[c] - a[c]) * f);
}
function lut(name, low = 0, high = 1) {
  const out = new Uint8Array(256 * 3);
  for (let q = 0; q < 256; q++) {
    const rgb = sample(name, low + (high - low) * q / 255);
    for (let c = 0; c < 3; c++) out[q * 3 + c] = Math.round(rgb[c]);
  }
  return out;
}
function cssColor(table, q) {
  const k = Math.min(Math.max(Math.round(q), 0), 255) * 3;
  return `rgb(${table[k]},${table[k + 1]},${table[k + 2]})`;
}
function textColorOn(table, q) {
  const k = Math.min(Math.max(Math.round(q), 0), 255) * 3;
  const luma = 0.299 * table[k] + 0.587 * table[k + 1] + 0.114 * table[k + 2];
  return luma < 140 ? "#ffffff" : "#111111";
}

// js/lib/keys.js
var NAV_KEYS = /* @__PURE__ */ new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown"]);
var KEYS_CLASS = "protattn-keys";
function guardShortcuts(win = typeof window !== "undefined" ? window : null) {
  if (!win || win.__protattnKeyGuard) return false;
  win.__protattnKeyGuard = true;
  win.addEventListener("keydown", (event) => {
    const target = event.target;
    if (!NAV_KEYS.has(event.key) || !target || typeof target.closest !== "function") return;
    if (!target.closest(`.${KEYS_CLASS}`) || target.hasAttribute("data-lm-suppress-shortcuts")) return;
    target.setAttribute("data-lm-suppress-shortcuts", "");
    win.setTimeout(() => target.removeAttribute("data-lm-suppress-shortcuts"), 0);
  }, true);
  return true;
}
function stepResidue(key, selected, n) {
  if (!(n > 0)) return void 0;
  const none = selected == null || selected < 0;
  switch (key) {
    case "ArrowLeft":
      return none ? n - 1 : Math.max(selected - 1, 0);
    case "ArrowRight":
      return none ? 0 : Math.min(selected + 1, n - 1);
    case "Home":
      return 0;
    case "End":
      return n - 1;
    default:
      return void 0;
  }
}

// js/lib/dom.js
function sizeCanvas(canvas, width, height) {
  const dpr = typeof window !== "undefined" && window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(width * dpr));
  const h = Math.max(1, Math.round(height * dpr));
  const ctx = canvas.getContext("2d");
  if (canvas.width !== w || canvas.height !== h) {
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    canvas.width = w;
    canvas.height = h;
  } else {
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, w, h);
  }
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}
function localPoint(el, event) {
  const box = el.getBoundingClientRect();
  return { x: event.clientX - box.left, y: event.clientY - box.top };
}
function element(tag, className, parent, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text != null) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}
function showTooltip(tip, box, point, text) {
  tip.textContent = text;
  tip.style.display = "block";
  const w = tip.offsetWidth || 0;
  const maxX = (box.clientWidth || 600) - w - 4;
  tip.style.left = `${Math.max(0, Math.min(point.x + 12, maxX))}px`;
  tip.style.top = `${point.y + 14}px`;
}
function hideTooltip(tip) {
  tip.style.display = "none";
}
function stamp(el, kind, start, extra = {}) {
  const end = performance.now();
  const api = el.protattnView || (el.protattnView = { kind, draws: 0 });
  api.draws += 1;
  api.lastDrawStart = start;
  api.lastDrawEnd = end;
  api.lastDrawMs = end - start;
  Object.assign(api, extra);
  return api;
}
function showError(el, error) {
  el.textContent = "";
  const box = element("div", "protattn-error", el);
  box.textContent = `protattn view error: ${error && error.message ? error.message : error}`;
  if (typeof console !== "undefined") console.error("protattn:", error);
}
function showCanvasTooltip(tip, root, canvas, p, text) {
  const box = canvas.getBoundingClientRect();
  const rootBox = root.getBoundingClientRect();
  showTooltip(tip, root, { x: p.x + box.left - rootBox.left, y: p.y + box.top - rootBox.top }, text);
}
function connect(el, model, subscriptions, listeners) {
  guardShortcuts();
  if (el.classList) el.classList.add(KEYS_CLASS);
  const wrapped = listeners.map(([target, type, handler]) => [target, type, type !== "keydown" ? handler : (event) => {
    handler(event);
    if (event.defaultPrevented) event.stopPropagation();
  }]);
  for (const [traits, handler] of subscriptions) for (const t of traits) model.on(`change:${t}`, handler);
  for (const [target, type, handler] of wrapped) target.addEventListener(type, handler);
  return () => {
    for (const [traits, handler] of subscriptions) for (const t of traits) model.off(`change:${t}`, handler);
    for (const [target, type, handler] of wrapped) target.removeEventListener(type, handler);
    delete el.protattnView;
  };
}
function batched(draw, onQueue = () => {
}) {
  let queued = false;
  let lastDraw = -Infinity;
  const run = () => {
    queued = false;
    lastDraw = performance.now();
    draw();
  };
  return () => {
    if (queued) return;
    queued = true;
    onQueue();
    const soon = performance.now() - lastDraw < 16 && typeof requestAnimationFrame === "function" && typeof document !== "undefined" && !document.hidden;
    if (soon) requestAnimationFrame(run);
    else queueMicrotask(run);
  };
}

// js/lib/format.js
function residueLabel(chainId, names, ids, i) {
  const parts = [];
  if (chainId) parts.push(chainId);
  if (names && names[i]) parts.push(names[i]);
  parts.push(ids && ids[i] != null ? ids[i] : String(i + 1));
  return parts.join(" ");
}
var WEIGHT_DECIMALS = 3;
function formatWeight(value, step = 0) {
  const v = Number(value);
  if (!Number.isFinite(v)) return "n/a";
  const half = step > 0 ? step / 2 : 0;
  if (half > 0 && v < half) {
    const unit = 10 ** -WEIGHT_DECIMALS;
    if (half >= unit / 2) return `< ${(Math.ceil(half / unit) * unit).toFixed(WEIGHT_DECIMALS)}`;
  }
  return v.toFixed(WEIGHT_DECIMALS);
}
function residueTooltip(chainId, names, ids, i, received, tracks = [], step = 0) {
  const extra = tracks.length ? ` \xB7 ${tracks.join(", ")}` : "";
  return `${residueLabel(chainId, names, ids, i)}: received ${formatWeight(received, step)}${extra}`;
}

// js/lib/layout.js
function trackLayout(n, perRow, nTracks, opts = {}) {
  const cellW = opts.cellW ?? 14;
  const cellH = opts.cellH ?? 18;
  const stripH = opts.stripH ?? 6;
  const ruler = opts.ruler ?? 12;
  const left = opts.left ?? 8;
  const gap = opts.gap ?? 8;
  const rows = Math.max(1, Math.ceil(n / perRow));
  const lineH = ruler + cellH + nTracks * (stripH + 1) + gap;
  return {
    n,
    perRow,
    nTracks,
    cellW,
    cellH,
    stripH,
    ruler,
    left,
    gap,
    rows,
    lineH,
    width: left + Math.min(n, perRow) * cellW + left,
    height: rows * lineH
  };
}
function residueOrigin(layout, i) {
  const line = Math.floor(i / layout.perRow);
  return { x: layout.left + i % layout.perRow * layout.cellW, y: line * layout.lineH + layout.ruler };
}
function residueAt(layout, x, y) {
  const line = Math.floor(y / layout.lineH);
  const within = y - line * layout.lineH;
  const col = Math.floor((x - layout.left) / layout.cellW);
  if (line < 0 || col < 0 || col >= layout.perRow) return null;
  if (within < layout.ruler || within >= layout.lineH - layout.gap) return null;
  const i = line * layout.perRow + col;
  return i < layout.n ? i : null;
}

// js/sequence_track.js
var CSS = `
.protattn-track { position: relative; font: 12px sans-serif; color: #222; }
.protattn-track canvas { display: block; outline: none; cursor: pointer; }
.protattn-track .pa-caption { font-weight: 600; }
.protattn-track .pa-legend { display: flex; gap: 12px; flex-wrap: wrap; margin: 2px 0; }
.protattn-track .pa-swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: middle; }
.protattn-tooltip { position: absolute; display: none; pointer-events: none; background: rgba(30,30,30,.9);
  color: #fff; padding: 2px 6px; border-radius: 3px; white-space: nowrap; font: 12px sans-serif; z-index: 10; }
.protattn-error { color: #a00; background: #fee; border: 1px solid #d88; padding: 6px; font: 12px monospace; }
`;
var GAP_COLOR = "#d62728";
function gapMarks(layout, gapAfter, gapMissing) {
  const marks = [];
  (gapAfter || []).forEach((after, g) => {
    if (!(after >= 0 && after < layout.n - 1)) return;
    const { x, y } = residueOrigin(layout, after);
    marks.push({
      x: x + layout.cellW - 2.5,
      y: y - 2,
      w: 3,
      h: layout.cellH + 4,
      after,
      missing: (gapMissing || [])[g] ?? 0
    });
  });
  return marks;
}
function render({ model, el }) {
  const table = lut("Blues", 0.12, 1);
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
      api.summary = () => ({
        draws: api.draws,
        selected: model.get("selected_residue"),
        layout: { ...layout },
        gaps: gapMarks(layout, model.get("_gap_after"), model.get("_gap_missing"))
      });
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
    if (i == null) {
      hideTooltip(tip);
      return;
    }
    const { names, masks } = tracks();
    const n = (model.get("sequence") || "").length;
    const inTracks = names.filter((_, t) => masks[t * n + i]);
    const scale = model.get("_received_scale") || 0;
    const value = codeValue(asBytes(model.get("_received"))[i] || 0, scale);
    const gapAt = (model.get("_gap_after") || []).indexOf(i);
    const missing = gapAt >= 0 ? (model.get("_gap_missing") || [])[gapAt] : 0;
    const text = residueTooltip(
      model.get("chain_id"),
      model.get("residue_names"),
      model.get("residue_ids"),
      i,
      value,
      inTracks,
      scale / 255
    ) + (missing ? ` \xB7 ${missing} missing after` : "");
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
    const next = event.key === "Escape" ? null : stepResidue(event.key, model.get("selected_residue"), (model.get("residue_ids") || []).length);
    if (next === void 0) return;
    event.preventDefault();
    model.set("selected_residue", next);
    model.save_changes();
  }
  function onLeave() {
    hideTooltip(tip);
  }
  draw();
  const traits = [
    "_received",
    "_received_scale",
    "sequence",
    "residue_ids",
    "_track_names",
    "_track_colors",
    "_track_masks",
    "per_row",
    "selected_residue",
    "caption",
    "_gap_after",
    "_gap_missing"
  ];
  return connect(el, model, [[traits, schedule]], [
    [canvas, "mousemove", onMove],
    [canvas, "mouseleave", onLeave],
    [canvas, "click", onClick],
    [canvas, "keydown", onKey]
  ]);
}
var sequence_track_default = { render };
export {
  GAP_COLOR,
  sequence_track_default as default,
  gapMarks
};
