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
function typed(value, size, read, Type) {
  const u8 = asBytes(value);
  const view = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const n = Math.floor(u8.byteLength / size);
  const out = new Type(n);
  for (let k = 0; k < n; k++) out[k] = read(view, k * size);
  return out;
}
function float32s(value) {
  return typed(value, 4, (v, o) => v.getFloat32(o, true), Float32Array);
}
function uint32s(value) {
  return typed(value, 4, (v, o) => v.getUint32(o, true), Uint32Array);
}

// js/lib/colormaps.js
var ANCHORS = {
  Blues: ["#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b"],
  YlOrRd: ["#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026", "#800026"],
  Greys: ["#ffffff", "#f0f0f0", "#d9d9d9", "#bdbdbd", "#969696", "#737373", "#525252", "#252525", "#000000"]
};
var HIGHLIGHT = "#e7298a";
var MISSING = "#e0e0e0";
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

// js/lib/keys.js
function stepHead(key, layer, head, nLayers, nHeads) {
  const clamp = (v, n) => Math.min(Math.max(v, 0), n - 1);
  switch (key) {
    case "ArrowLeft":
      return { layer, head: clamp(head - 1, nHeads) };
    case "ArrowRight":
      return { layer, head: clamp(head + 1, nHeads) };
    case "ArrowUp":
      return { layer: clamp(layer - 1, nLayers), head };
    case "ArrowDown":
      return { layer: clamp(layer + 1, nLayers), head };
    default:
      return null;
  }
}
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
function pickHead(model, layer, head) {
  model.set("layer", layer);
  model.set("head", head);
  model.save_changes();
}

// js/lib/format.js
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
function formatPercent(share) {
  const v = share == null ? NaN : Number(share);
  return Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : "n/a";
}
function formatNumber(value) {
  const v = Number(value);
  if (!Number.isFinite(v)) return "n/a";
  if (v === 0) return "0";
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(v))));
  return v.toFixed(Math.min(digits, 20));
}
function headLabel(layer, head) {
  return `${layer + 1}-${head + 1}`;
}
function formatGridValue(value, format = "percent") {
  if (format === "percent") return formatPercent(value);
  if (format === "weight") return formatWeight(value);
  return formatNumber(value);
}
var STRONG_EDGES = "strong edges i\u2192j";
function headTooltip(layer, head, value, n, format = "percent", ci = null) {
  const missing = value == null || Number.isNaN(value);
  const shown = missing ? "no value" : formatGridValue(value, format);
  let count = n == null ? "" : ` (${n} ${STRONG_EDGES})`;
  if (n != null && ci && !missing) {
    const hits = Math.round(value * n);
    const pct = (x) => (x * 100).toFixed(1);
    count = ` (${hits} of ${n} ${STRONG_EDGES}, 95% CI ${pct(ci[0])}-${pct(ci[1])}%)`;
  }
  return `${headLabel(layer, head)}: ${shown}${count}`;
}

// js/lib/layout.js
function gridLayout(nLayers, nHeads, tile = 28, margin = 30) {
  return {
    nLayers,
    nHeads,
    left: margin,
    top: margin,
    tile,
    width: margin + nHeads * tile + 2,
    height: margin + nLayers * tile + 2
  };
}
function tileAt(layout, x, y) {
  const { nLayers, nHeads, left, top, tile } = layout;
  const head = Math.floor((x - left) / tile);
  const layer = Math.floor((y - top) / tile);
  if (layer < 0 || head < 0 || layer >= nLayers || head >= nHeads) return null;
  return { layer, head };
}

// js/head_grid.js
var CSS = controlsCss(".protattn-grid") + `
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
var FEW_FACTOR = 3;
var GRID_WIDTH = 440;
function tileSize(nLayers, nHeads, width = GRID_WIDTH) {
  return Math.max(8, Math.min(28, Math.floor(width / Math.max(nHeads, 1)), Math.floor(width / Math.max(nLayers, 1))));
}
function niceTop(top) {
  if (!(top > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(top));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * power >= top * (1 - 1e-9)) return m * power;
  return 10 * power;
}
function topHeads(values, counts, nHeads, k = 5) {
  const order = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) order.push(i);
  order.sort((a, b) => values[b] - values[a] || a - b);
  return order.slice(0, k).map((i) => ({
    layer: Math.floor(i / nHeads),
    head: i % nHeads,
    value: values[i],
    count: counts && counts.length > i ? counts[i] : null
  }));
}
function tileCodes(values, fixedTop = null) {
  let top = 0;
  for (const v of values) if (Number.isFinite(v) && v > top) top = v;
  top = fixedTop ?? top;
  const codes = new Int16Array(values.length);
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    codes[k] = Number.isFinite(v) ? Math.round(Math.max(v, 0) / (top || 1) * 255) : -1;
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
  let recountPending = false;
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
      caption.style.maxWidth = `${Math.max(layout.width, 160)}px`;
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
      const drawn = { layer: model.get("layer"), head: model.get("head") };
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
      ctx.fillStyle = cssColor(table, Math.round(255 * x / Math.max(width - 1, 1)));
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
    if (!tile) {
      hideTooltip(tip);
    } else {
      const k = tile.layer * layout.nHeads + tile.head;
      const values = float32s(model.get("_values"));
      const counts = uint32s(model.get("_counts"));
      const ci = float32s(model.get("_ci"));
      const bounds = ci.length === 2 * values.length ? [ci[k], ci[values.length + k]] : null;
      const flags = model.get("_flags");
      const text = headTooltip(
        tile.layer,
        tile.head,
        values[k],
        counts.length > k ? counts[k] : null,
        model.get("value_format"),
        bounds
      ) + (flags && flags[k] ? ` \xB7 flagged: ${flags[k]}` : "");
      showCanvasTooltip(tip, root, canvas, p, text);
    }
    if (changed) schedule();
  }
  function onLeave() {
    hover = null;
    hideTooltip(tip);
    schedule();
  }
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
  const traits = [
    "_values",
    "_counts",
    "layer",
    "head",
    "n_layers",
    "n_heads",
    "caption",
    "statistic_name",
    "value_format",
    "min_total",
    "recount_available"
  ];
  const answered = () => {
    recountPending = false;
  };
  return connect(el, model, [[["recount_available", "caption", "threshold"], answered], [traits, schedule]], [
    [canvas, "mousemove", onMove],
    [canvas, "mouseleave", onLeave],
    [canvas, "click", onClick],
    [canvas, "keydown", onKey]
  ]);
}
var head_grid_default = { render };
export {
  FEW_FACTOR,
  GRID_WIDTH,
  head_grid_default as default,
  niceTop,
  tileCodes,
  tileSize,
  topHeads
};
