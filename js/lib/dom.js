// Small DOM helpers shared by the views (not pure: they touch the document).

import { KEYS_CLASS, guardShortcuts } from "./keys.js";

/** A canvas whose backing store follows devicePixelRatio; returns its 2D context scaled to CSS px. */
export function sizeCanvas(canvas, width, height) {
  const dpr = (typeof window !== "undefined" && window.devicePixelRatio) || 1;
  const w = Math.max(1, Math.round(width * dpr));
  const h = Math.max(1, Math.round(height * dpr));
  const ctx = canvas.getContext("2d");
  if (canvas.width !== w || canvas.height !== h) {  // resizing reallocates: only when the size changed
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

/** Pointer position in CSS px relative to an element. */
export function localPoint(el, event) {
  const box = el.getBoundingClientRect();
  return { x: event.clientX - box.left, y: event.clientY - box.top };
}

export function element(tag, className, parent, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text != null) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}

/** Show ``text`` next to the pointer inside ``box`` (the view's root, position: relative). */
export function showTooltip(tip, box, point, text) {
  tip.textContent = text;
  tip.style.display = "block";
  const w = tip.offsetWidth || 0;
  const maxX = (box.clientWidth || 600) - w - 4;
  tip.style.left = `${Math.max(0, Math.min(point.x + 12, maxX))}px`;
  tip.style.top = `${point.y + 14}px`;
}

export function hideTooltip(tip) {
  tip.style.display = "none";
}

/** Record a draw on the element for tests and benchmarks: ``el.protattnView``. */
export function stamp(el, kind, start, extra = {}) {
  const end = performance.now();
  const api = el.protattnView || (el.protattnView = { kind, draws: 0 });
  api.draws += 1;
  api.lastDrawStart = start;
  api.lastDrawEnd = end;
  api.lastDrawMs = end - start;
  Object.assign(api, extra);
  return api;
}

/** Render an error in the view instead of leaving it blank. */
export function showError(el, error) {
  el.textContent = "";
  const box = element("div", "protattn-error", el);
  box.textContent = `protattn view error: ${error && error.message ? error.message : error}`;
  if (typeof console !== "undefined") console.error("protattn:", error);  // browser tests fail on it
}

/** ``showTooltip`` for a point ``p`` local to ``canvas``, which sits somewhere inside ``root``. */
export function showCanvasTooltip(tip, root, canvas, p, text) {
  const box = canvas.getBoundingClientRect();
  const rootBox = root.getBoundingClientRect();
  showTooltip(tip, root, { x: p.x + box.left - rootBox.left, y: p.y + box.top - rootBox.top }, text);
}

/**
 * Wire a view up: ``subscriptions`` are ``[traitNames, handler]`` pairs for the model's
 * ``change:<trait>`` events, ``listeners`` are ``[target, eventType, handler]`` DOM listeners.
 * Returns the cleanup function that anywidget's ``render`` returns.
 */
export function connect(el, model, subscriptions, listeners) {
  // A key a view handled (preventDefault) stops here: it must not also move the notebook's
  // cell cursor (JupyterLab / Notebook 7 listen on the document), see guardShortcuts.
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

/**
 * A function that runs ``draw`` once after the current batch of trait changes (one message may set
 * several).  Changes that arrive faster than a frame (16 ms) after the last draw wait for the next
 * animation frame and are drawn once, the latest state: a burst of kernel changes draws at most once
 * per frame, a lone change draws at once.
 */
export function batched(draw, onQueue = () => {}) {
  let queued = false;
  let lastDraw = -Infinity;
  const run = () => { queued = false; lastDraw = performance.now(); draw(); };
  return () => {
    if (queued) return;
    queued = true;
    onQueue();
    const soon = performance.now() - lastDraw < 16 && typeof requestAnimationFrame === "function" &&
      typeof document !== "undefined" && !document.hidden;
    if (soon) requestAnimationFrame(run);
    else queueMicrotask(run);
  };
}

/** Ask for another head: set ``layer`` and ``head`` together and send them in one message. */
export function pickHead(model, layer, head) {
  model.set("layer", layer);
  model.set("head", head);
  model.save_changes();
}
