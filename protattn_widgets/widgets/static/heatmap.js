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
function thresholdCode(threshold, scale) {
  if (!(scale > 0)) return threshold <= 0 ? 0 : 256;
  return Math.ceil(threshold / scale * 255 - 1e-9);
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
function pickHead(model, layer, head) {
  model.set("layer", layer);
  model.set("head", head);
  model.save_changes();
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
function roundTicks(top) {
  if (!(top > 0)) return { values: [0], decimals: 0 };
  const power = 10 ** Math.floor(Math.log10(top));
  const step = [5, 2, 1, 0.5, 0.2, 0.1].map((m) => m * power).find((v) => top / v >= 3 - 1e-9);
  const values = [];
  for (let k = 0; k * step <= top * (1 + 1e-9); k++) values.push(+(k * step).toPrecision(12));
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return { values, decimals };
}
function pairTooltip(chainId, names, ids, i, j, value, step = 0) {
  return `${residueLabel(chainId, names, ids, i)} -> ${residueLabel(chainId, names, ids, j)}: ${formatWeight(value, step)}`;
}

// js/lib/zoom.js
var MIN_SPAN = 12;
function fullView(n) {
  return { r0: 0, c0: 0, span: Math.max(n, 1) };
}
function clampView(view, n) {
  const span = Math.min(Math.max(view.span, Math.min(MIN_SPAN, n)), Math.max(n, 1));
  const clamp = (x) => Math.min(Math.max(x, 0), Math.max(n - span, 0));
  return { r0: clamp(view.r0), c0: clamp(view.c0), span };
}
function zoomAt(view, n, factor, fx, fy) {
  const span = view.span * factor;
  const next = { r0: view.r0 + fy * (view.span - span), c0: view.c0 + fx * (view.span - span), span };
  return clampView(next, n);
}
function panBy(view, n, dx, dy, size) {
  const per = view.span / size;
  return clampView({ r0: view.r0 - dy * per, c0: view.c0 - dx * per, span: view.span }, n);
}
function isFull(view, n) {
  return view.span >= n && view.r0 <= 0 && view.c0 <= 0;
}
function residueAtPixel(view, n, left, top, size, x, y) {
  if (!(size > 0) || n <= 0) return null;
  const fx = (x - left) / size, fy = (y - top) / size;
  if (fx < 0 || fy < 0 || fx >= 1 || fy >= 1) return null;
  const row = Math.floor(view.r0 + fy * view.span), col = Math.floor(view.c0 + fx * view.span);
  if (row < 0 || col < 0 || row >= n || col >= n) return null;
  return { row, col };
}
function niceTicks(start, span, count = 8) {
  const raw = span / Math.max(count, 1);
  const power = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) || 10 * power;
  const first = Math.ceil(start / step) * step;
  const ticks = [];
  for (let t = first; t < start + span; t += step) ticks.push(t);
  return { step, ticks };
}
function viewWindow(view, n) {
  const r0 = Math.max(0, Math.floor(view.r0)), c0 = Math.max(0, Math.floor(view.c0));
  return [r0, Math.min(n, Math.ceil(view.r0 + view.span)), c0, Math.min(n, Math.ceil(view.c0 + view.span))];
}

// js/heatmap.js
var MARGIN = 34;
var BAR = 30;
var CONTACT = [214, 39, 40];
var CONTACT_MIX = 0.3;
var OUTLINE_PX = 4;
var FADE = 0.6;
var SQRT_INDEX = Uint8Array.from({ length: 256 }, (_, q) => Math.round(255 * Math.sqrt(q / 255)));
var CSS = controlsCss(".protattn-heatmap") + `
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
function paintMatrix(rgba, codes, n, table, opts) {
  const { thresholdQ = 0, mode = "directed", contacts = null } = opts;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const k = i * n + j;
      paintCell(rgba, k, codes[k], codes[j * n + i], table, thresholdQ, mode, contacts && contacts[k]);
    }
  }
}
function paintWindow(rgba, codes, partner, w, h, table, opts) {
  const { thresholdQ = 0, mode = "directed", contacts = null } = opts;
  for (let k = 0; k < w * h; k++) {
    const q = codes[k];
    paintCell(rgba, k, q, partner ? partner[k] : q, table, thresholdQ, mode, contacts && contacts[k]);
  }
}
function paintCell(rgba, k, q, p, table, thresholdQ, mode, contact) {
  const strong = mode === "max" ? Math.max(q, p) >= thresholdQ : mode === "mean" ? (q + p) / 2 >= thresholdQ : q >= thresholdQ;
  const c = SQRT_INDEX[q] * 3;
  let r = table[c], g = table[c + 1], b = table[c + 2];
  if (!strong) {
    r += (255 - r) * FADE;
    g += (255 - g) * FADE;
    b += (255 - b) * FADE;
  }
  if (contact) {
    r += (CONTACT[0] - r) * CONTACT_MIX;
    g += (CONTACT[1] - g) * CONTACT_MIX;
    b += (CONTACT[2] - b) * CONTACT_MIX;
  }
  const o = k * 4;
  rgba[o] = r;
  rgba[o + 1] = g;
  rgba[o + 2] = b;
  rgba[o + 3] = 255;
}
function poolBits(bits, n, block) {
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
  let contactBits = null;
  let pooledContacts = null;
  let hover = null;
  let view = fullView(0);
  let drawnView = view;
  let drawnDetail = false;
  let paintedKey = null;
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
    if (bits.length * 8 < n * n || n === 0) {
      contactBits = null;
      return;
    }
    contactBits = new Uint8Array(n * n);
    for (let k = 0; k < n * n; k++) contactBits[k] = bits[k >> 3] >> (k & 7) & 1;
  }
  function pooled(block, n) {
    if (!contactBits) return null;
    if (!pooledContacts || pooledContacts.block !== block) {
      pooledContacts = { block, bits: poolBits(contactBits, n, block) };
    }
    return pooledContacts.bits;
  }
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
  const schedule = batched(draw, () => {
    if (el.protattnView) el.protattnView.lastChangeAt = performance.now();
  });
  function repaint() {
    paintedKey = null;
    detailKey = null;
    schedule();
  }
  function requestDetail(n) {
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
      const dpr = typeof window !== "undefined" && window.devicePixelRatio || 1;
      ctx.save();
      ctx.beginPath();
      ctx.rect(left, top, size, size);
      ctx.clip();
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
        ctx.strokeRect(
          left + (hover.col - view.c0) * c - 0.5,
          top + (hover.row - view.r0) * c - 0.5,
          Math.max(c, 2) + 1,
          Math.max(c, 2) + 1
        );
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
      zoomText.textContent = full ? (block > 1 ? `${block} x ${block} residues per cell (strongest shown); wheel to zoom` : "wheel to zoom, drag to pan") + " \xB7 colour: \u221A of the weight; red mark: threshold" : `zoom ${(n / view.span).toFixed(1)}x \xB7 rows ${ids[r0]}\u2013${ids[r1 - 1]}, columns ${ids[c0]}\u2013${ids[c1 - 1]}` + (block > 1 ? fine ? " \xB7 full detail" : ` \xB7 ${block} x ${block} per cell` : "");
      reset.style.display = full ? "none" : "";
      requestDetail(n);
    } catch (error) {
      showError(el, error);
    } finally {
      const api = stamp(el, "heatmap", start, { layer: model.get("layer"), head: model.get("head") });
      const drawn = { selected: model.get("selected_residue"), n: (model.get("residue_ids") || []).length };
      api.summary = () => ({
        draws: api.draws,
        layer: api.layer,
        head: api.head,
        selected: drawn.selected,
        lastDrawMs: api.lastDrawMs,
        layout: { ...geometry },
        view: { ...drawnView },
        block: blockOf(),
        detail: drawnDetail,
        ticks: api.ticks || [],
        n: drawn.n
      });
      api.cellCenter = (row, col) => {
        const box = canvas.getBoundingClientRect();
        return {
          x: box.left + geometry.left + (col + 0.5 - view.c0) * geometry.cell,
          y: box.top + geometry.top + (row + 0.5 - view.r0) * geometry.cell
        };
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
    ctx.moveTo(left, y + mid - gap / 2 - 0.5);
    ctx.lineTo(left + size, y + mid - gap / 2 - 0.5);
    ctx.moveTo(left, y + mid + gap / 2 + 0.5);
    ctx.lineTo(left + size, y + mid + gap / 2 + 0.5);
    ctx.moveTo(x + mid - gap / 2 - 0.5, top);
    ctx.lineTo(x + mid - gap / 2 - 0.5, top + size);
    ctx.moveTo(x + mid + gap / 2 + 0.5, top);
    ctx.lineTo(x + mid + gap / 2 + 0.5, top + size);
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
    for (const i of rows) ctx.fillText(ids[i], left - 8, top + (i + 0.5 - view.r0) / view.span * size);
    for (const j of cols) {
      ctx.save();
      ctx.translate(left + (j + 0.5 - view.c0) / view.span * size, top - 8);
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
    const { left, top, size } = geometry;
    const y = top + size + 6, h = 8;
    for (let x = 0; x < size; x++) {
      const q = Math.round(255 * x / Math.max(size - 1, 1));
      ctx.fillStyle = cssColor(table, SQRT_INDEX[q]);
      ctx.fillRect(left + x, y, 1, h);
    }
    ctx.strokeStyle = "#999";
    ctx.strokeRect(left - 0.5, y - 0.5, size + 1, h + 1);
    ctx.fillStyle = "#444";
    ctx.font = "10px sans-serif";
    ctx.textBaseline = "top";
    const ticks = roundTicks(scale);
    for (const t2 of ticks.values) {
      const f = scale > 0 ? t2 / scale : 0;
      ctx.textAlign = f === 0 ? "left" : f > 0.97 ? "right" : "center";
      ctx.fillText(t2.toFixed(ticks.decimals), left + f * (size - 1), y + h + 2);
    }
    if (el.protattnView) el.protattnView.colourTicks = ticks.values.map((t2) => t2.toFixed(ticks.decimals));
    const t = model.get("threshold") || 0;
    if (scale > 0 && t <= scale) {
      const x = left + t / scale * (size - 1);
      ctx.strokeStyle = "#d62728";
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(x, y - 3);
      ctx.lineTo(x, y + h + 1);
      ctx.stroke();
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
      const p2 = localPoint(canvas, event);
      const dx = p2.x - drag.x, dy = p2.y - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
      if (drag.moved) {
        view = panBy(drag.view, geometry.n, dx, dy, geometry.size);
        hideTooltip(tip);
        schedule();
        return;
      }
    }
    const { p, cell } = cellAtEvent(event);
    const changed = cell && hover && (cell.row !== hover.row || cell.col !== hover.col) || !cell !== !hover;
    hover = cell;
    if (!cell) {
      hideTooltip(tip);
      if (changed) schedule();
      return;
    }
    const { ids, names, chain } = residues();
    const n = ids.length;
    const block = blockOf();
    const fine = block > 1 ? detail(n) : null;
    let text;
    if (block === 1 || fine) {
      const code = block === 1 ? asBytes(model.get("_matrix"))[cell.row * n + cell.col] : fine.codes[(cell.row - fine.r0) * (fine.c1 - fine.c0) + (cell.col - fine.c0)];
      const scale = model.get("_scale") || 0;
      text = pairTooltip(chain, names, ids, cell.row, cell.col, codeValue(code, scale), scale / 255);
    } else {
      const m = Math.ceil(n / block);
      const I = Math.floor(cell.row / block), J = Math.floor(cell.col / block);
      const code = asBytes(model.get("_matrix"))[I * m + J];
      const span = (k) => `${ids[k * block]}\u2013${ids[Math.min(n, (k + 1) * block) - 1]}`;
      const scale = model.get("_scale") || 0;
      text = `${chain} ${span(I)} \u2192 ${span(J)}: strongest ${formatWeight(codeValue(code, scale), scale / 255)} (a ${block} x ${block} block)`;
    }
    if (contactBits && contactBits[cell.row * n + cell.col]) text += ` (${overlayLabel().replace(/\bcontacts\b/, "contact")})`;
    showCanvasTooltip(tip, root, canvas, p, text);
    if (changed) schedule();
  }
  function onLeave() {
    hover = null;
    drag = null;
    hideTooltip(tip);
    schedule();
  }
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
  function resetZoom() {
    view = fullView(geometry.n);
    schedule();
  }
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
    if (canvas.dataset.dragged) {
      delete canvas.dataset.dragged;
      return;
    }
    const { cell } = cellAtEvent(event);
    if (!cell) return;
    model.set("selected_residue", event.shiftKey ? cell.col : cell.row);
    model.save_changes();
  }
  function onKey(event) {
    if (event.key === "Escape") {
      model.set("selected_residue", null);
      model.save_changes();
      return;
    }
    if (event.shiftKey) {
      const i = stepResidue(event.key, model.get("selected_residue"), geometry.n);
      if (i === void 0) return;
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
  function onToggle() {
    model.set("show_contacts", toggle.checked);
    model.save_changes();
  }
  function onChain() {
    overlayText.textContent = ` ${overlayLabel()}`;
    decodeContacts();
    geometry.n = -1;
    repaint();
  }
  onChain();
  draw();
  const repaintOn = ["_matrix", "_scale", "_block", "threshold", "mode", "show_contacts"];
  const redrawOn = ["selected_residue", "caption", "size"];
  const detailOn = ["_detail", "_detail_window"];
  const stop = connect(el, model, [
    [repaintOn, repaint],
    [redrawOn, schedule],
    [detailOn, () => {
      detailKey = null;
      schedule();
    }],
    [["_contacts", "residue_ids", "overlay_label"], onChain]
  ], [
    [canvas, "mousemove", onMove],
    [canvas, "mouseleave", onLeave],
    [canvas, "click", onClick],
    [canvas, "mousedown", onDown],
    [window, "mouseup", onUp],
    [canvas, "wheel", onWheel],
    [canvas, "dblclick", onDoubleClick],
    [reset, "click", resetZoom],
    [canvas, "keydown", onKey],
    [toggle, "change", onToggle]
  ]);
  return () => {
    clearTimeout(requestTimer);
    stop();
  };
}
var heatmap_default = { render };
export {
  SQRT_INDEX,
  heatmap_default as default,
  paintMatrix,
  paintWindow,
  poolBits
};
