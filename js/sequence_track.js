// SequenceTrack: the chain's residues on ONE line, coloured by attention received, with annotation
// tracks underneath (protattn_widgets/widgets/sequence_track.py).  The line zooms and pans; an
// overview above it shows the whole chain (attention received, tracks, gaps) with the window the
// line shows.  Geometry: lib/track_view.js.
//
// Zoom: wheel (around the pointer), the - / + buttons or keys, "whole chain"; pan: drag the line,
// click or drag on the overview, horizontal wheel.  A click selects a residue; left/right arrows,
// Home and End step the selection and keep it in view; Escape clears it.  A residue selected in
// another view is brought into view.
//
// Traits read:
//   _received        bytes   uint8 (L,): code q means q / 255 * _received_scale
//   _received_scale  float   attention received of code 255 (the maximum)
//   sequence str (L letters), residue_ids, residue_names [str] (L), chain_id str
//   _track_names [str] (T), _track_colors [css colour] (T)
//   _track_masks     bytes   uint8 (T, L): 1 where residue is in the track
//   selected_residue, caption
//   _gap_after [int] (G), _gap_missing [int] (G): _gap_missing[g] residues are missing
//                    between residue _gap_after[g] and the next one (drawn as a red bar)
// Written: selected_residue (click, keys; Escape clears).

import { controlsCss } from "./lib/controls_css.js";
import { asBytes, codeValue } from "./lib/buffers.js";
import { HIGHLIGHT, cssColor, lut, textColorOn } from "./lib/colormaps.js";
import { batched, connect, element, hideTooltip, localPoint, showCanvasTooltip, showError, sizeCanvas, stamp } from "./lib/dom.js";
import { residueTooltip } from "./lib/format.js";
import { stepResidue } from "./lib/keys.js";
import {
  LETTER_CELL, cellWidth, centreOn, clampTrackView, gapMarks, isVisible, lineLayout, openingView, overviewAt, overviewX,
  panTrack, residueAt, residueX, revealResidue, visibleRange, wholeView, zoomTrack,
} from "./lib/track_view.js";
import { niceTicks } from "./lib/zoom.js";

export { gapMarks };

const CSS = controlsCss(".protattn-track") + `
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

export const GAP_COLOR = "#d62728";
const ZOOM_STEP = 1.6;

function render({ model, el }) {
  const table = lut("Blues", 0.12, 1); // the NGL view's residue colours
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
  canvas.setAttribute("aria-label", "sequence, one line: wheel or - / + zoom, drag pans, the strip above shows the whole " +
    "chain (click it to go there); click a residue to select it; left/right arrows, Home and End step the selection, " +
    "Escape clears it");
  const tip = element("div", "protattn-tooltip", root);
  let layout = lineLayout(0, 600, 0);
  let view = { start: 0, span: 1 };
  let drawnView = view; // the view on screen (summary() reports it: tests wait on what is drawn)
  let viewFor = null; // the chain (sequence) and width the view was made for
  let userMoved = false; // the user zoomed or panned since the chain was shown
  let drag = null; // {kind: "line" | "overview", x, view, moved}

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

  /** The layout for the current width and chain; the view follows a new chain or width. */
  function relayout() {
    const width = Math.max(200, Math.floor(root.clientWidth || el.clientWidth || 600));
    const sequence = model.get("sequence") || "";
    const next = lineLayout(sequence.length, width, tracks().names.length);
    const newChain = !viewFor || viewFor.sequence !== sequence || viewFor.ids !== model.get("residue_ids");
    if (newChain || (!userMoved && viewFor.width !== width)) {
      // a new chain, or a new width before the user zoomed: the opening view (the whole chain if it fits)
      if (newChain) userMoved = false;
      layout = next;
      view = openingView(layout);
      const sel = model.get("selected_residue");
      if (sel != null && !isVisible(layout, view, sel)) view = centreOn(view, layout, sel + 0.5);
    } else if (viewFor.width !== width || next.nTracks !== layout.nTracks) {
      const cell = cellWidth(layout, view); // keep the zoom (px per residue) and the start
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
    // the window the line shows: the rest dimmed, the window framed
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
    // ruler: author ids at round steps of the index, about one per 70 px
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
      const drawnSelected = model.get("selected_residue"); // the selection this draw shows
      api.summary = () => ({
        draws: api.draws, selected: drawnSelected, layout: { ...layout }, view: { ...drawnView },
        cellWidth: cellWidth(layout, drawnView), visible: visibleRange(layout, drawnView),
        letters: cellWidth(layout, drawnView) >= LETTER_CELL,
        gaps: gapMarks(layout, drawnView, model.get("_gap_after"), model.get("_gap_missing")),
        canvas: { width: canvas.clientWidth, height: canvas.clientHeight },
      });
      /** Page coordinates (CSS px) of residue ``i``'s cell centre on the line; null when it is not in view. */
      api.residueCenter = (i) => {
        if (!isVisible(layout, view, i)) return null;
        const box = canvas.getBoundingClientRect();
        return { x: box.left + residueX(layout, view, i) + cellWidth(layout, view) / 2,
                 y: box.top + layout.mainTop + layout.ruler + layout.cellH / 2 };
      };
      /** Page coordinates of track ``t``'s strip under residue ``i`` on the line (null when not in view). */
      api.stripCenter = (t, i) => {
        const c = api.residueCenter(i);
        return c && { x: c.x, y: c.y + layout.cellH / 2 + 1 + t * (layout.stripH + 1) + layout.stripH / 2 };
      };
      /** Page coordinates of residue position ``x`` (fractional) on the overview. */
      api.overviewPoint = (x) => {
        const box = canvas.getBoundingClientRect();
        return { x: box.left + overviewX(layout, x), y: box.top + 5 };
      };
    }
  }

  const schedule = batched(draw);
  const setView = (next) => { view = clampTrackView(next, layout); userMoved = true; hideTooltip(tip); schedule(); };
  const select = (i) => { model.set("selected_residue", i); model.save_changes(); };

  function onMove(event) {
    const p = localPoint(canvas, event);
    if (drag) {
      const dx = p.x - drag.x;
      if (Math.abs(dx) > 3) drag.moved = true;
      if (drag.kind === "overview") { setView(centreOn(view, layout, overviewAt(layout, Math.min(Math.max(p.x, layout.left), layout.left + layout.plotW), 0))); return; }
      if (drag.moved) { setView(panTrack(drag.view, layout, dx)); return; }
    }
    const over = overviewAt(layout, p.x, p.y);
    canvas.style.cursor = over != null ? "ew-resize" : "pointer";
    const i = residueAt(layout, view, p.x, p.y);
    if (i == null) { hideTooltip(tip); return; }
    const { names, masks } = tracks();
    const count = n();
    const inTracks = names.filter((_, t) => masks[t * count + i]);
    const scale = model.get("_received_scale") || 0;
    const value = codeValue(asBytes(model.get("_received"))[i] || 0, scale);
    const gapAt = (model.get("_gap_after") || []).indexOf(i);
    const missing = gapAt >= 0 ? (model.get("_gap_missing") || [])[gapAt] : 0;
    const text = residueTooltip(model.get("chain_id"), model.get("residue_names"), model.get("residue_ids"),
                                i, value, inTracks, scale / 255) + (missing ? ` · ${missing} missing after` : "");
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
    if (canvas.dataset.dragged) { delete canvas.dataset.dragged; return; }
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

  /** Zoom about the selected residue when it is in view, else about the middle. */
  function zoomBy(factor) {
    const sel = model.get("selected_residue");
    const fx = sel != null && isVisible(layout, view, sel) ? (sel + 0.5 - view.start) / view.span : 0.5;
    setView(zoomTrack(view, layout, factor, fx));
  }

  function onKey(event) {
    if (event.key === "+" || event.key === "=") { event.preventDefault(); zoomBy(1 / ZOOM_STEP); return; }
    if (event.key === "-" || event.key === "_") { event.preventDefault(); zoomBy(ZOOM_STEP); return; }
    // Keyboard users step the selected residue (issue 19, defect 10); Escape clears it.
    const next = event.key === "Escape" ? null : stepResidue(event.key, model.get("selected_residue"), n());
    if (next === undefined) return;
    event.preventDefault();
    if (next != null) view = revealResidue(view, layout, next);
    select(next);
  }

  /** A residue selected anywhere (another view, the kernel, a key) is brought into view. */
  function onSelected() {
    const sel = model.get("selected_residue");
    if (sel != null && layout.n === n() && !isVisible(layout, view, sel)) {
      const near = sel >= view.start - 2 && sel < view.start + view.span + 2;
      view = near ? revealResidue(view, layout, sel) : centreOn(view, layout, sel + 0.5);
    }
    schedule();
  }

  function onLeave() { hideTooltip(tip); }

  draw();
  const resize = typeof ResizeObserver === "function" ? new ResizeObserver(() => {
    const width = Math.floor(root.clientWidth);
    if (width > 0 && viewFor && width !== viewFor.width) schedule();
  }) : null;
  if (resize) resize.observe(root);
  const traits = ["_received", "_received_scale", "sequence", "residue_ids", "_track_names", "_track_colors",
                  "_track_masks", "caption", "_gap_after", "_gap_missing"];
  const stop = connect(el, model, [[traits, schedule], [["selected_residue"], onSelected]], [
    [canvas, "mousemove", onMove], [canvas, "mouseleave", onLeave], [canvas, "click", onClick], [canvas, "keydown", onKey],
    [canvas, "mousedown", onDown], [window, "mouseup", onUp], [canvas, "wheel", onWheel],
    [zoomIn, "click", () => zoomBy(1 / ZOOM_STEP)], [zoomOut, "click", () => zoomBy(ZOOM_STEP)],
    [whole, "click", () => setView(wholeView(layout))],
  ]);
  return () => { if (resize) resize.disconnect(); stop(); };
}

export default { render };
