// js/lib/controls_css.js
function controlsCss(scope) {
  const s = (sel) => sel.split(",").map((x) => `${scope} ${x.trim()}`).join(", ");
  return `
${s("button, select, input[type=number], input[type=text]")} { font: 12px sans-serif; color: #222; margin: 0;
  border: 1px solid #8f8f8f; border-style: solid; border-radius: 3px; box-sizing: border-box; line-height: normal; }
${s("button")} { background: #f4f4f4; padding: 1px 7px; cursor: pointer; }
${s("button:hover:not(:disabled)")} { background: #e6e6e6; }
${s("button:disabled")} { color: #999; border-color: #c4c4c4; background: #fafafa; cursor: default; }
${s("select")} { background: #fff; padding: 1px 2px; cursor: pointer; }
${s("input[type=number], input[type=text]")} { background: #fff; padding: 1px 4px; }
${s("button:focus-visible, select:focus-visible, input:focus-visible")} { outline: 2px solid #9ecae1; outline-offset: 1px; }
`;
}

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
var NAV_KEYS = /* @__PURE__ */ new Set([
  "ArrowLeft",
  "ArrowRight",
  "ArrowUp",
  "ArrowDown",
  "Home",
  "End",
  "PageUp",
  "PageDown",
  "+",
  "=",
  "-",
  "_"
]);
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

// js/lib/track_view.js
var MAX_CELL = 32;
var DEFAULT_CELL = 14;
var LETTER_CELL = 9;
function lineLayout(n, width, nTracks, opts = {}) {
  const left = opts.left ?? 8;
  const cellH = opts.cellH ?? 18;
  const stripH = opts.stripH ?? 6;
  const ruler = opts.ruler ?? 13;
  const overviewStripH = opts.overviewStripH ?? 3;
  const overviewH = 10 + nTracks * (overviewStripH + 1);
  const mainTop = overviewH + 6;
  const plotW = Math.max(1, width - 2 * left);
  const height = mainTop + ruler + cellH + nTracks * (stripH + 1) + 2;
  return { n, nTracks, width, left, plotW, overviewH, overviewStripH, mainTop, ruler, cellH, stripH, height };
}
function minSpan(layout) {
  return Math.min(layout.n, Math.max(4, layout.plotW / MAX_CELL));
}
function clampTrackView(view, layout) {
  const n = Math.max(layout.n, 1);
  const span = Math.min(Math.max(view.span, minSpan(layout)), n);
  const start = Math.min(Math.max(view.start, 0), Math.max(n - span, 0));
  return { start, span };
}
function openingView(layout, start = 0) {
  const whole = layout.plotW / Math.max(layout.n, 1) >= LETTER_CELL;
  return clampTrackView({ start, span: whole ? layout.n : layout.plotW / DEFAULT_CELL }, layout);
}
function wholeView(layout) {
  return clampTrackView({ start: 0, span: layout.n }, layout);
}
function cellWidth(layout, view) {
  return layout.plotW / view.span;
}
function residueX(layout, view, i) {
  return layout.left + (i - view.start) * cellWidth(layout, view);
}
function visibleRange(layout, view) {
  const first = Math.max(0, Math.floor(view.start));
  const last = Math.min(layout.n - 1, Math.ceil(view.start + view.span) - 1);
  return [first, last];
}
function isVisible(layout, view, i) {
  return i >= view.start - 1e-9 && i + 1 <= view.start + view.span + 1e-9;
}
function zoomTrack(view, layout, factor, fx = 0.5) {
  const span = Math.min(Math.max(view.span * factor, minSpan(layout)), layout.n);
  return clampTrackView({ start: view.start + fx * (view.span - span), span }, layout);
}
function panTrack(view, layout, dx) {
  return clampTrackView({ start: view.start - dx / cellWidth(layout, view), span: view.span }, layout);
}
function revealResidue(view, layout, i, margin = 2) {
  if (i == null || i < 0 || i >= layout.n || isVisible(layout, view, i)) return view;
  const m = Math.min(margin, Math.max(0, (view.span - 1) / 2));
  const start = i < view.start ? i - m : i + 1 + m - view.span;
  return clampTrackView({ start, span: view.span }, layout);
}
function centreOn(view, layout, x) {
  return clampTrackView({ start: x - view.span / 2, span: view.span }, layout);
}
function residueAt(layout, view, x, y) {
  const top = layout.mainTop + layout.ruler;
  const bottom = top + layout.cellH + layout.nTracks * (layout.stripH + 1);
  if (y < top || y >= bottom || x < layout.left || x >= layout.left + layout.plotW) return null;
  const i = Math.floor(view.start + (x - layout.left) / cellWidth(layout, view));
  return i >= 0 && i < layout.n ? i : null;
}
function overviewAt(layout, x, y) {
  if (y < 0 || y >= layout.overviewH || x < layout.left - 4 || x > layout.left + layout.plotW + 4) return null;
  return Math.min(Math.max((x - layout.left) / layout.plotW, 0), 1) * layout.n;
}
function overviewX(layout, i) {
  return layout.left + i / Math.max(layout.n, 1) * layout.plotW;
}
function gapMarks(layout, view, gapAfter, gapMissing) {
  const marks = [];
  const top = layout.mainTop + layout.ruler - 2;
  const h = layout.cellH + layout.nTracks * (layout.stripH + 1) + 3;
  (gapAfter || []).forEach((after, g) => {
    if (!(after >= 0 && after < layout.n - 1)) return;
    const x = residueX(layout, view, after + 1);
    if (x < layout.left - 1 || x > layout.left + layout.plotW + 1) return;
    marks.push({ x: x - 1.5, y: top, w: 3, h, after, missing: (gapMissing || [])[g] ?? 0 });
  });
  return marks;
}

// js/lib/zoom.js
function niceTicks(start, span, count = 8) {
  const raw = span / Math.max(count, 1);
  const power = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) || 10 * power;
  const first = Math.ceil(start / step) * step;
  const ticks = [];
  for (let t = first; t < start + span; t += step) ticks.push(t);
  return { step, ticks };
}

// js/sequence_track.js
var CSS = controlsCss(".protattn-track") + `
.protattn-track { position: relative; font: 12px sans-serif; color: #222; }
.protattn-track canvas { display: block; outline: none; cursor: pointer; }
.protattn-track canvas:focus-visible { box-shadow: 0 0 0 2px #9ecae1; }
.protattn-track .pa-head { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 10px; }
.protattn-track .pa-caption { font-weight: 600; }
.protattn-track .pa-zoom { display: inline-flex; align-items: center; gap: 4px; color: #555; }
.protattn-track .pa-zoom button { min-width: 1.9em; padding: 0 6px; }
.protattn-track .pa-legend { display: flex; gap: 12px; flex-wrap: wrap; margin: 2px 0; }
.protattn-track .pa-swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: middle; }
.protattn-tooltip { position: absolute; display: none; pointer-events: none; background: rgba(30,30,30,.9);
  color: #fff; padding: 2px 6px; border-radius: 3px; white-space: nowrap; font: 12px sans-serif; z-index: 10; }
.protattn-error { color: #a00; background: #fee; border: 1px solid #d88; padding: 6px; font: 12px monospace; }
`;
var GAP_COLOR = "#d62728";
var ZOOM_STEP = 1.6;
function render({ model, el }) {
  const table = lut("Blues", 0.12, 1);
  const root = element("div", "protattn-track", el);
  element("style", null, root, CSS);
  const head = element("div", "pa-head", root);
  const caption = element("span", "pa-caption", head);
  const zoomBar = element("span", "pa-zoom", head);
  const button = (text, title, testid) => {
    const b = element("button", null, zoomBar, text);
    b.type = "button";
    b.title = title;
    b.dataset.testid = testid;
    return b;
  };
  const zoomOut = button("\u2212", "zoom out (key -)", "sequence-zoom-out");
  const zoomIn = button("+", "zoom in (key +)", "sequence-zoom-in");
  const whole = button("whole chain", "show the whole chain on the line", "sequence-zoom-whole");
  const windowText = element("span", "pa-window", zoomBar);
  windowText.dataset.testid = "sequence-window";
  const legend = element("div", "pa-legend", root);
  const canvas = element("canvas", null, root);
  canvas.tabIndex = 0;
  canvas.setAttribute("aria-label", "sequence, one line: wheel or - / + zoom, drag pans, the strip above shows the whole chain (click it to go there); click a residue to select it; left/right arrows, Home and End step the selection, Escape clears it");
  const tip = element("div", "protattn-tooltip", root);
  let layout = lineLayout(0, 600, 0);
  let view = { start: 0, span: 1 };
  let drawnView = view;
  let viewFor = null;
  let userMoved = false;
  let drag = null;
  const n = () => (model.get("sequence") || "").length;
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
  function relayout() {
    const width = Math.max(200, Math.floor(root.clientWidth || el.clientWidth || 600));
    const sequence = model.get("sequence") || "";
    const next = lineLayout(sequence.length, width, tracks().names.length);
    const newChain = !viewFor || viewFor.sequence !== sequence || viewFor.ids !== model.get("residue_ids");
    if (newChain || !userMoved && viewFor.width !== width) {
      if (newChain) userMoved = false;
      layout = next;
      view = openingView(layout);
      const sel = model.get("selected_residue");
      if (sel != null && !isVisible(layout, view, sel)) view = centreOn(view, layout, sel + 0.5);
    } else if (viewFor.width !== width || next.nTracks !== layout.nTracks) {
      const cell = cellWidth(layout, view);
      layout = next;
      view = clampTrackView({ start: view.start, span: layout.plotW / cell }, layout);
    }
    viewFor = { sequence, ids: model.get("residue_ids"), width };
  }
  function drawOverview(ctx, received, names, colors, masks) {
    const count = layout.n;
    if (!count) return;
    const w = layout.plotW / count;
    for (let i = 0; i < count; i++) {
      ctx.fillStyle = cssColor(table, received.length === count ? received[i] : 0);
      ctx.fillRect(overviewX(layout, i), 0, Math.max(w, 1), 10);
    }
    for (let t = 0; t < names.length; t++) {
      ctx.fillStyle = colors[t] || "#999";
      const y = 10 + 1 + t * (layout.overviewStripH + 1);
      for (let i = 0; i < count; i++) {
        if (masks[t * count + i]) ctx.fillRect(overviewX(layout, i), y, Math.max(w, 1), layout.overviewStripH);
      }
    }
    ctx.fillStyle = GAP_COLOR;
    for (const after of model.get("_gap_after") || []) {
      if (after >= 0 && after < count - 1) ctx.fillRect(overviewX(layout, after + 1) - 1, 0, 2, layout.overviewH);
    }
    const sel = model.get("selected_residue");
    if (sel != null && sel >= 0 && sel < count) {
      ctx.fillStyle = HIGHLIGHT;
      ctx.fillRect(overviewX(layout, sel + 0.5) - 1, 0, 2, layout.overviewH);
    }
    const x0 = overviewX(layout, view.start), x1 = overviewX(layout, view.start + view.span);
    ctx.fillStyle = "rgba(255,255,255,0.55)";
    ctx.fillRect(layout.left, 0, x0 - layout.left, layout.overviewH);
    ctx.fillRect(x1, 0, layout.left + layout.plotW - x1, layout.overviewH);
    ctx.strokeStyle = "#333";
    ctx.lineWidth = 1.5;
    ctx.strokeRect(x0 - 0.5, 0.75, Math.max(x1 - x0, 2) + 1, layout.overviewH - 1.5);
  }
  function drawLine(ctx, sequence, ids, received, names, colors, masks) {
    const count = layout.n;
    const cw = cellWidth(layout, view);
    const [first, last] = visibleRange(layout, view);
    const top = layout.mainTop + layout.ruler;
    ctx.save();
    ctx.beginPath();
    ctx.rect(layout.left, layout.mainTop, layout.plotW, layout.height - layout.mainTop);
    ctx.clip();
    const letters = cw >= LETTER_CELL;
    ctx.font = `${Math.min(12, Math.floor(cw) - 1)}px monospace`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    const sep = cw >= 4 ? 1 : 0;
    for (let i = first; i <= last; i++) {
      const x = residueX(layout, view, i);
      const q = received.length === count ? received[i] : 0;
      ctx.fillStyle = cssColor(table, q);
      ctx.fillRect(x, top, Math.max(cw - sep, 0.5), layout.cellH);
      if (letters) {
        ctx.fillStyle = textColorOn(table, q);
        ctx.fillText(sequence[i], x + cw / 2, top + layout.cellH / 2 + 1);
      }
      for (let t = 0; t < names.length; t++) {
        if (masks[t * count + i]) {
          ctx.fillStyle = colors[t] || "#999";
          ctx.fillRect(x, top + layout.cellH + 1 + t * (layout.stripH + 1), cw, layout.stripH);
        }
      }
    }
    const { ticks } = niceTicks(view.start, view.span, Math.max(2, Math.floor(layout.plotW / 70)));
    ctx.fillStyle = "#666";
    ctx.font = "10px sans-serif";
    ctx.textAlign = "left";
    ctx.textBaseline = "alphabetic";
    for (const t of ticks) {
      const x = residueX(layout, view, t);
      ctx.fillRect(x, top - 4, 1, 4);
      ctx.fillText(ids[t] ?? String(t + 1), x + 2, top - 3);
    }
    ctx.fillStyle = GAP_COLOR;
    for (const mark of gapMarks(layout, view, model.get("_gap_after"), model.get("_gap_missing"))) {
      ctx.fillRect(mark.x, mark.y, mark.w, mark.h);
    }
    const sel = model.get("selected_residue");
    if (sel != null && sel >= first && sel <= last) {
      ctx.strokeStyle = HIGHLIGHT;
      ctx.lineWidth = 2.5;
      const x = residueX(layout, view, sel);
      ctx.strokeRect(x - 0.5, top - 1, Math.max(cw, 3), layout.cellH + 2);
    }
    ctx.restore();
  }
  function windowLabel(ids) {
    const [first, last] = visibleRange(layout, view);
    if (!layout.n) return "";
    if (first === 0 && last === layout.n - 1) return `all ${layout.n.toLocaleString("en-US")} residues`;
    return `${ids[first] ?? first + 1}\u2013${ids[last] ?? last + 1} of ${layout.n.toLocaleString("en-US")} residues`;
  }
  function draw() {
    const start = performance.now();
    try {
      relayout();
      drawnView = { ...view };
      const sequence = model.get("sequence") || "";
      const ids = model.get("residue_ids") || [];
      const received = asBytes(model.get("_received"));
      const { names, colors, masks } = tracks();
      caption.textContent = model.get("caption") || "";
      drawLegend(names, colors);
      const ctx = sizeCanvas(canvas, layout.width, layout.height);
      ctx.clearRect(0, 0, layout.width, layout.height);
      drawOverview(ctx, received, names, colors, masks);
      drawLine(ctx, sequence, ids, received, names, colors, masks);
      windowText.textContent = windowLabel(ids);
      zoomIn.disabled = view.span <= clampTrackView({ start: 0, span: 0 }, layout).span + 1e-9;
      zoomOut.disabled = view.span >= wholeView(layout).span - 1e-9;
    } catch (error) {
      showError(el, error);
    } finally {
      const api = stamp(el, "sequence_track", start);
      const drawnSelected = model.get("selected_residue");
      api.summary = () => ({
        draws: api.draws,
        selected: drawnSelected,
        layout: { ...layout },
        view: { ...drawnView },
        cellWidth: cellWidth(layout, drawnView),
        visible: visibleRange(layout, drawnView),
        letters: cellWidth(layout, drawnView) >= LETTER_CELL,
        gaps: gapMarks(layout, drawnView, model.get("_gap_after"), model.get("_gap_missing")),
        canvas: { width: canvas.clientWidth, height: canvas.clientHeight }
      });
      api.residueCenter = (i) => {
        if (!isVisible(layout, view, i)) return null;
        const box = canvas.getBoundingClientRect();
        return {
          x: box.left + residueX(layout, view, i) + cellWidth(layout, view) / 2,
          y: box.top + layout.mainTop + layout.ruler + layout.cellH / 2
        };
      };
      api.stripCenter = (t, i) => {
        const c = api.residueCenter(i);
        return c && { x: c.x, y: c.y + layout.cellH / 2 + 1 + t * (layout.stripH + 1) + layout.stripH / 2 };
      };
      api.overviewPoint = (x) => {
        const box = canvas.getBoundingClientRect();
        return { x: box.left + overviewX(layout, x), y: box.top + 5 };
      };
    }
  }
  const schedule = batched(draw);
  const setView = (next) => {
    view = clampTrackView(next, layout);
    userMoved = true;
    hideTooltip(tip);
    schedule();
  };
  const select = (i) => {
    model.set("selected_residue", i);
    model.save_changes();
  };
  function onMove(event) {
    const p = localPoint(canvas, event);
    if (drag) {
      const dx = p.x - drag.x;
      if (Math.abs(dx) > 3) drag.moved = true;
      if (drag.kind === "overview") {
        setView(centreOn(view, layout, overviewAt(layout, Math.min(Math.max(p.x, layout.left), layout.left + layout.plotW), 0)));
        return;
      }
      if (drag.moved) {
        setView(panTrack(drag.view, layout, dx));
        return;
      }
    }
    const over = overviewAt(layout, p.x, p.y);
    canvas.style.cursor = over != null ? "ew-resize" : "pointer";
    const i = residueAt(layout, view, p.x, p.y);
    if (i == null) {
      hideTooltip(tip);
      return;
    }
    const { names, masks } = tracks();
    const count = n();
    const inTracks = names.filter((_, t) => masks[t * count + i]);
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
  function onDown(event) {
    if (event.button !== 0) return;
    const p = localPoint(canvas, event);
    const over = overviewAt(layout, p.x, p.y);
    if (over != null) {
      drag = { kind: "overview", x: p.x, view: { ...view }, moved: true };
      setView(centreOn(view, layout, over));
    } else {
      drag = { kind: "line", x: p.x, view: { ...view }, moved: false };
    }
  }
  function onUp() {
    if (drag && drag.moved) canvas.dataset.dragged = "1";
    drag = null;
  }
  function onClick(event) {
    canvas.focus();
    if (canvas.dataset.dragged) {
      delete canvas.dataset.dragged;
      return;
    }
    const p = localPoint(canvas, event);
    const i = residueAt(layout, view, p.x, p.y);
    if (i != null) select(i);
  }
  function onWheel(event) {
    const p = localPoint(canvas, event);
    if (p.y < 0 || p.y > layout.height) return;
    event.preventDefault();
    if (event.shiftKey || Math.abs(event.deltaX) > Math.abs(event.deltaY)) {
      setView(panTrack(view, layout, -(event.deltaX || event.deltaY)));
      return;
    }
    const fx = Math.min(Math.max((p.x - layout.left) / layout.plotW, 0), 1);
    setView(zoomTrack(view, layout, Math.exp(Math.sign(event.deltaY) * 0.25), fx));
  }
  function zoomBy(factor) {
    const sel = model.get("selected_residue");
    const fx = sel != null && isVisible(layout, view, sel) ? (sel + 0.5 - view.start) / view.span : 0.5;
    setView(zoomTrack(view, layout, factor, fx));
  }
  function onKey(event) {
    if (event.key === "+" || event.key === "=") {
      event.preventDefault();
      zoomBy(1 / ZOOM_STEP);
      return;
    }
    if (event.key === "-" || event.key === "_") {
      event.preventDefault();
      zoomBy(ZOOM_STEP);
      return;
    }
    const next = event.key === "Escape" ? null : stepResidue(event.key, model.get("selected_residue"), n());
    if (next === void 0) return;
    event.preventDefault();
    if (next != null) view = revealResidue(view, layout, next);
    select(next);
  }
  function onSelected() {
    const sel = model.get("selected_residue");
    if (sel != null && layout.n === n() && !isVisible(layout, view, sel)) {
      const near = sel >= view.start - 2 && sel < view.start + view.span + 2;
      view = near ? revealResidue(view, layout, sel) : centreOn(view, layout, sel + 0.5);
    }
    schedule();
  }
  function onLeave() {
    hideTooltip(tip);
  }
  draw();
  const resize = typeof ResizeObserver === "function" ? new ResizeObserver(() => {
    const width = Math.floor(root.clientWidth);
    if (width > 0 && viewFor && width !== viewFor.width) schedule();
  }) : null;
  if (resize) resize.observe(root);
  const traits = [
    "_received",
    "_received_scale",
    "sequence",
    "residue_ids",
    "_track_names",
    "_track_colors",
    "_track_masks",
    "caption",
    "_gap_after",
    "_gap_missing"
  ];
  const stop = connect(el, model, [[traits, schedule], [["selected_residue"], onSelected]], [
    [canvas, "mousemove", onMove],
    [canvas, "mouseleave", onLeave],
    [canvas, "click", onClick],
    [canvas, "keydown", onKey],
    [canvas, "mousedown", onDown],
    [window, "mouseup", onUp],
    [canvas, "wheel", onWheel],
    [zoomIn, "click", () => zoomBy(1 / ZOOM_STEP)],
    [zoomOut, "click", () => zoomBy(ZOOM_STEP)],
    [whole, "click", () => setView(wholeView(layout))]
  ]);
  return () => {
    if (resize) resize.disconnect();
    stop();
  };
}
var sequence_track_default = { render };
export {
  GAP_COLOR,
  sequence_track_default as default,
  gapMarks
};
