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
  return () => {
    if (queued) return;
    queued = true;
    onQueue();
    queueMicrotask(() => {
      queued = false;
      draw();
    });
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
function formatWeight(value) {
  if (!(value > 0)) return "0";
  if (value >= 0.995) return value.toFixed(2);
  return value >= 0.01 ? value.toFixed(2) : value.toFixed(3);
}
function pairTooltip(chainId, names, ids, i, j, value) {
  return `${residueLabel(chainId, names, ids, i)} -> ${residueLabel(chainId, names, ids, j)}: ${formatWeight(value)}`;
}

// js/lib/layout.js
function matrixLayout(n, size, margin = 32) {
  const cell = n > 0 ? size / n : 0;
  return { n, left: margin, top: margin, cell, size: n * cell };
}
function cellAt(layout, x, y) {
  const { n, left, top, cell } = layout;
  if (!(cell > 0)) return null;
  const col = Math.floor((x - left) / cell);
  const row = Math.floor((y - top) / cell);
  if (row < 0 || col < 0 || row >= n || col >= n) return null;
  return { row, col };
}

// js/heatmap.js
var MARGIN = 34;
var CONTACT = [214, 39, 40];
var CONTACT_MIX = 0.45;
var FADE = 0.6;
var SQRT_INDEX = Uint8Array.from({ length: 256 }, (_, q) => Math.round(255 * Math.sqrt(q / 255)));
var CSS = `
.protattn-heatmap { position: relative; font: 12px sans-serif; color: #222; display: inline-block; }
.protattn-heatmap canvas { display: block; outline: none; cursor: crosshair; }
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
      const q = codes[k];
      let strong;
      if (mode === "max") strong = Math.max(q, codes[j * n + i]) >= thresholdQ;
      else if (mode === "mean") strong = (q + codes[j * n + i]) / 2 >= thresholdQ;
      else strong = q >= thresholdQ;
      const c = SQRT_INDEX[q] * 3;
      let r = table[c], g = table[c + 1], b = table[c + 2];
      if (!strong) {
        r += (255 - r) * FADE;
        g += (255 - g) * FADE;
        b += (255 - b) * FADE;
      }
      if (contacts && contacts[k]) {
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
  let contactBits = null;
  let hover = null;
  let painted = false;
  function residues() {
    return { ids: model.get("residue_ids") || [], names: model.get("residue_names") || [], chain: model.get("chain_id") };
  }
  function decodeContacts() {
    const n = (model.get("residue_ids") || []).length;
    const bits = asBytes(model.get("_contacts"));
    if (bits.length * 8 < n * n) {
      contactBits = null;
      return;
    }
    contactBits = new Uint8Array(n * n);
    for (let k = 0; k < n * n; k++) contactBits[k] = bits[k >> 3] >> (k & 7) & 1;
  }
  const schedule = batched(draw, () => {
    if (el.protattnView) el.protattnView.lastChangeAt = performance.now();
  });
  function repaint() {
    painted = false;
    schedule();
  }
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
          contacts: model.get("show_contacts") ? contactBits : null
        });
        octx.putImageData(image, 0, 0);
        painted = true;
      }
      ctx.imageSmoothingEnabled = n > layout.size * (typeof window !== "undefined" && window.devicePixelRatio || 1);
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
        ctx.strokeRect(
          layout.left + hover.col * layout.cell - 0.5,
          layout.top + hover.row * layout.cell - 0.5,
          Math.max(layout.cell, 2) + 1,
          Math.max(layout.cell, 2) + 1
        );
      }
    } catch (error) {
      showError(el, error);
    } finally {
      const api = stamp(el, "heatmap", start, { layer: model.get("layer"), head: model.get("head") });
      api.summary = () => ({
        draws: api.draws,
        layer: model.get("layer"),
        head: model.get("head"),
        selected: model.get("selected_residue"),
        lastDrawMs: api.lastDrawMs,
        layout: { ...layout },
        n: (model.get("residue_ids") || []).length
      });
      api.cellCenter = (row, col) => {
        const box = canvas.getBoundingClientRect();
        return {
          x: box.left + layout.left + (col + 0.5) * layout.cell,
          y: box.top + layout.top + (row + 0.5) * layout.cell
        };
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
    const changed = cell && hover && (cell.row !== hover.row || cell.col !== hover.col) || !cell !== !hover;
    hover = cell;
    if (!cell) {
      hideTooltip(tip);
      if (changed) schedule();
      return;
    }
    const { ids, names, chain } = residues();
    const code = asBytes(model.get("_matrix"))[cell.row * ids.length + cell.col];
    let text = pairTooltip(chain, names, ids, cell.row, cell.col, codeValue(code, model.get("_scale") || 0));
    if (contactBits && contactBits[cell.row * ids.length + cell.col]) text += ` (${overlayLabel().replace(/\bcontacts\b/, "contact")})`;
    showCanvasTooltip(tip, root, canvas, p, text);
    if (changed) schedule();
  }
  function onLeave() {
    hover = null;
    hideTooltip(tip);
    schedule();
  }
  function onClick(event) {
    const p = localPoint(canvas, event);
    const cell = cellAt(layout, p.x, p.y);
    canvas.focus();
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
    repaint();
  }
  onChain();
  draw();
  const repaintOn = ["_matrix", "_scale", "threshold", "mode", "show_contacts"];
  const redrawOn = ["selected_residue", "caption", "size"];
  return connect(el, model, [[repaintOn, repaint], [redrawOn, schedule], [["_contacts", "residue_ids", "overlay_label"], onChain]], [
    [canvas, "mousemove", onMove],
    [canvas, "mouseleave", onLeave],
    [canvas, "click", onClick],
    [canvas, "keydown", onKey],
    [toggle, "change", onToggle]
  ]);
}
var heatmap_default = { render };
export {
  SQRT_INDEX,
  heatmap_default as default,
  paintMatrix
};
