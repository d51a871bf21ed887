// The explorer: controls, 3D view, heatmap, head grid and sequence track of one chain, linked.
//
// ONE front-end for the notebook and the standalone page.  It talks to one model through the
// anywidget model API only (get, set, save_changes, on("change:x"), send, on("msg:custom")):
//   - in a notebook the model is AttentionExplorer's anywidget model and the kernel computes
//     what is drawn (protattn_widgets/widgets/explorer.py);
//   - in the standalone page it is an in-page model whose data source (js/standalone.js)
//     computes the same traits from the page's embedded data.
// Layout, controls and linking exist only here.  The views keep their own modules (heatmap.js,
// head_grid.js, sequence_track.js, structure_view.js); each gets a view of this model
// (lib/scoped_model.js) in which the shared traits below are the explorer's and its own
// traits are the explorer's `_<view>_<name>`.  Linking is therefore nothing more than the
// views sharing these traits: a change made anywhere is seen everywhere.
//
// Traits (the contract; docs/frontend.md):
//   layer, head, threshold, mode, selected_residue, chain   two-way with Python
//   n_layers, n_heads, residue_ids, residue_names, chain_id  read by every view
//   _chains [{id, label}]     the chain menu (legend names)
//   _status {text, kind}      busy / error / warning line ("" when none)
//   _exports [str]            figure formats the kernel writes ("png", "svg", "pdf", "html"); [] in the page
//   _threshold_min float      lowest threshold with data (the page's floor; 0 in a notebook)
//   _title str, _note str     page heading and footnote (standalone page)
//   _heatmap_*, _grid_*, _sequence_*, _structure_*   each view's own traits
// Messages: the page sends {type: "export", format}; the kernel answers
// {type: "export", format, name, mime} with the file's bytes as the only buffer (or
// {type: "export", error}).  "Save 3D" makes the PNG here (NGL makeImage) and, in a notebook,
// also sends it {type: "save-3d", name} + bytes so that the kernel writes it to export_dir.

import headGridView from "./head_grid.js";
import heatmapView from "./heatmap.js";
import { controlsCss } from "./lib/controls_css.js";
import { element } from "./lib/dom.js";
import { formatThreshold, headLabel } from "./lib/format.js";
import { guardShortcuts, KEYS_CLASS } from "./lib/keys.js";
import { scopedModel } from "./lib/scoped_model.js";
import sequenceView from "./sequence_track.js";
import { mountStructure } from "./structure_view.js";

/** Traits every view reads from the explorer itself. */
export const SHARED = ["layer", "head", "threshold", "mode", "selected_residue",
  "n_layers", "n_heads", "residue_ids", "residue_names", "chain_id"];
const MODES = ["max", "mean", "directed"];
/** The head grid's colour choices (head_statistics.GRID_STATISTICS), as the menu names them. */
const GRID_CHOICES = { contact_share: "contact share", attention_to_residue: "attention to selected residue",
  special_token_mass: "special-token mass", mean_separation: "mean |i\u2212j|", entropy: "entropy" };

const CSS = `
.protattn-explorer { font: 13px sans-serif; color: #222; }
.protattn-explorer .pa-controls { display: flex; flex-wrap: wrap; gap: 6px 16px; align-items: center; margin-bottom: 6px; }
.protattn-explorer .pa-controls label { display: inline-flex; gap: 5px; align-items: center; }
.protattn-explorer .pa-controls input[type=range] { width: 130px; }
.protattn-explorer .pa-controls input[type=number] { width: 6.5em; }
.protattn-explorer .pa-readout { font-weight: 600; min-width: 1.6em; display: inline-block; }
.protattn-explorer .pa-head-label { font-weight: 600; }
.protattn-explorer .pa-exports { display: inline-flex; gap: 4px; align-items: center; }
.protattn-explorer .pa-status-row { min-height: 1.3em; margin: 2px 0 4px; }
.protattn-explorer .pa-status.pa-error { color: #a00; }
.protattn-explorer .pa-status.pa-warning { color: #8a5a00; }
.protattn-explorer .pa-status.pa-busy { color: #555; font-style: italic; }
.protattn-explorer .pa-views { display: flex; flex-flow: row wrap; gap: 12px; align-items: flex-start; }
/* The 3D view takes what the heatmap and the grid leave (--pa-side: their widths and the gaps, measured), within
   340-620 px: all three side by side in a laptop's notebook column (JupyterLab, marimo), the grid below in a narrower
   one. Resizable (the user's size wins). The grid's notes wrap to its tiles' width. */
.protattn-explorer .pa-views > .protattn-structure-box { flex: none; width: clamp(340px, calc(100% - var(--pa-side, 860px)), 620px); height: 470px; }
.protattn-explorer .pa-views > .pa-heatmap-host, .protattn-explorer .pa-views > .pa-grid-host { flex: none; }
.protattn-explorer .pa-grid-host .protattn-grid { width: min-content; }
/* The sequence track ends the views: a row of its own, or the room right of a grid that wrapped under the 3D view. */
.protattn-explorer .pa-views > .pa-sequence-host { flex: 1 1 100%; min-width: 0; }
.protattn-explorer .pa-views.pa-grid-under > .pa-sequence-host { flex-basis: 480px; }
.protattn-explorer.pa-stale .pa-views, .protattn-explorer.pa-stale .pa-sequence-host { opacity: 0.45; filter: grayscale(0.7); }
.protattn-explorer .pa-note { color: #666; font-size: 12px; margin-top: 8px; }
.protattn-explorer h1 { font-size: 16px; margin: 0 0 6px; }
` + controlsCss(".protattn-explorer");

/** A function that runs ``fn`` at most once per animation frame with the latest arguments. */
export function latestPerFrame(fn) {
  let args = null;
  let queued = false;
  return (...next) => {
    args = next;
    if (queued) return;
    queued = true;
    const run = () => { queued = false; const a = args; args = null; fn(...a); };
    if (typeof requestAnimationFrame === "function" && typeof document !== "undefined" && !document.hidden) {
      requestAnimationFrame(run);
    } else setTimeout(run, 0);
  };
}

/** Trigger a download of ``blob`` as ``name`` and show the link in ``link``. */
function offerDownload(link, blob, name, label) {
  if (link.href && link.href.startsWith("blob:")) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(blob);
  link.download = name;
  link.textContent = label || name;
  link.parentElement.style.display = "";
  link.click();
}

/**
 * Render the explorer for ``model`` into ``el``.
 * @param {object} [options]  {kernel: true|false} whether a kernel answers (exports, chain switch)
 * @returns {function} cleanup
 */
export function mountExplorer(el, model, options = {}) {
  guardShortcuts();
  const cleanups = [];
  const listen = (target, type, fn) => { target.addEventListener(type, fn); cleanups.push(() => target.removeEventListener(type, fn)); };
  const watch = (names, fn) => {
    for (const name of names) model.on(`change:${name}`, fn);
    cleanups.push(() => { for (const name of names) model.off(`change:${name}`, fn); });
  };
  const save = (patch) => { for (const [k, v] of Object.entries(patch)) model.set(k, v); model.save_changes(); };
  // Slider drags send at most one change per frame, the latest (the kernel redraws each).
  const saveLatest = latestPerFrame(save);

  const root = element("div", `protattn-explorer ${KEYS_CLASS}`, el);
  root.dataset.testid = "protattn-explorer";
  element("style", null, root, CSS);
  if (model.get("_title")) element("h1", null, root, model.get("_title"));

  // -- controls ---------------------------------------------------------------------------
  const controls = element("div", "pa-controls", root);
  const range = (name, text) => {
    const label = element("label", null, controls, text);
    const input = element("input", null, label);
    input.type = "range";
    input.name = name;
    input.dataset.testid = `control-${name}`;
    input.setAttribute("aria-label", name);
    const readout = element("span", "pa-readout", label);
    return { input, readout };
  };
  const layer = range("layer", "layer");
  const head = range("head", "head");
  const headText = element("span", "pa-head-label", controls);
  const threshold = range("threshold", "threshold");
  threshold.readout.remove();
  Object.assign(threshold.input, { min: 0, max: 1, step: 0.0005 });
  const thresholdValue = element("input", null, threshold.input.parentElement);
  Object.assign(thresholdValue, { type: "number", min: 0, max: 1, step: "any" });
  thresholdValue.dataset.testid = "control-threshold-value";
  thresholdValue.setAttribute("aria-label", "threshold value");
  thresholdValue.title = "Threshold at full precision: type a value and press Enter";
  const modeLabel = element("label", null, controls, "mode");
  const mode = element("select", null, modeLabel);
  mode.dataset.testid = "control-mode";
  mode.setAttribute("aria-label", "mode");
  for (const m of MODES) element("option", null, mode, m).value = m;
  const chainLabel = element("label", null, controls, "chain");
  const chain = element("select", null, chainLabel);
  chain.dataset.testid = "control-chain";
  chain.setAttribute("aria-label", "chain");
  // Heatmap kind and grid colouring (head_statistics.py): offered where the kernel computes them.
  const kindLabel = element("label", null, controls, "heatmap");
  const kind = element("select", null, kindLabel);
  kind.dataset.testid = "control-heatmap-kind";
  kind.setAttribute("aria-label", "heatmap");
  kind.title = "attention, or the symmetrised APC-corrected map (ESM's contact preprocessing)";
  for (const [value, text] of [["raw", "attention"], ["apc", "APC"]]) element("option", null, kind, text).value = value;
  const statisticLabel = element("label", null, controls, "grid");
  const statistic = element("select", null, statisticLabel);
  statistic.dataset.testid = "control-grid-statistic";
  statistic.setAttribute("aria-label", "grid colour");

  const exports = element("span", "pa-exports", controls, "save:");
  const exportButtons = {};
  const kernelFormats = model.get("_exports") || [];
  for (const fmt of ["png", "svg", "pdf", "html"]) {
    const b = element("button", null, exports, fmt.toUpperCase());
    b.type = "button";
    b.dataset.testid = `export-${fmt}`;
    b.title = fmt === "html" ? "Save this explorer as a standalone HTML page (to_html)"
      : `Save the current head as a ${fmt.toUpperCase()} figure (save_figure)`;
    b.style.display = kernelFormats.includes(fmt) ? "" : "none";
    exportButtons[fmt] = b;
  }
  const save3d = element("button", null, exports, "Save 3D");
  save3d.type = "button";
  save3d.dataset.testid = "export-3d";
  save3d.title = "Save the 3D view as a PNG (what is on screen, at the chosen scale)";
  const scaleSelect = element("select", null, exports);
  scaleSelect.dataset.testid = "export-3d-scale";
  scaleSelect.setAttribute("aria-label", "3D image scale");
  for (const s of [1, 2, 4]) element("option", null, scaleSelect, `${s}x`).value = String(s);
  scaleSelect.value = "2";
  const transparentLabel = element("label", null, exports, "transparent");
  const transparent = element("input", null, transparentLabel);
  transparent.type = "checkbox";
  transparent.dataset.testid = "export-3d-transparent";
  transparentLabel.prepend(transparent);

  const statusRow = element("div", "pa-status-row", root);
  const status = element("span", "pa-status", statusRow);
  status.dataset.testid = "explorer-status";
  const statusText = element("span", null, status);
  const linkBox = element("span", "pa-export", statusRow);
  linkBox.style.display = "none";
  linkBox.append(" ");
  const link = element("a", "protattn-export-link", linkBox);
  link.dataset.testid = "export-link";

  // -- views ------------------------------------------------------------------------------
  const views = element("div", "pa-views", root);
  const hasStructure = !!model.get("_structure__pa_structure");
  const structureBox = hasStructure ? element("div", null, views) : null;
  if (structureBox) structureBox.dataset.testid = "view-structure";
  const heatmapHost = element("div", "pa-heatmap-host", views);
  heatmapHost.dataset.testid = "view-heatmap";
  const gridHost = element("div", "pa-grid-host", views);
  gridHost.dataset.testid = "view-grid";
  // The track closes the row: the full width under the views, or beside the grid where it wrapped under them.
  const sequenceHost = element("div", "pa-sequence-host", views);
  sequenceHost.dataset.testid = "view-sequence";
  if (model.get("_note")) element("div", "pa-note", root, model.get("_note"));
  if (!structureBox) save3d.style.display = scaleSelect.style.display = transparentLabel.style.display = "none";

  const scoped = (prefix) => scopedModel(model, prefix, SHARED);
  const parts = [
    heatmapView.render({ model: scoped("_heatmap_"), el: heatmapHost }),
    headGridView.render({ model: scoped("_grid_"), el: gridHost }),
    sequenceView.render({ model: scoped("_sequence_"), el: sequenceHost }),
  ];
  if (structureBox) parts.push(mountStructure(structureBox, scoped("_structure_")));
  // The 3D box's width follows what the heatmap and the grid take (see CSS: --pa-side); where the grid
  // wrapped under the heatmap's row, the track may sit beside it (pa-grid-under).
  const fitStructure = () => {
    const side = heatmapHost.offsetWidth + gridHost.offsetWidth + 2 * 12 + 2;
    if (heatmapHost.offsetWidth && gridHost.offsetWidth) views.style.setProperty("--pa-side", `${side}px`);
    views.classList.toggle("pa-grid-under", gridHost.offsetTop > heatmapHost.offsetTop + heatmapHost.offsetHeight / 2);
  };
  if (typeof ResizeObserver === "function") {
    const sides = new ResizeObserver(fitStructure);
    sides.observe(heatmapHost);
    sides.observe(gridHost);
    sides.observe(views);
    cleanups.push(() => sides.disconnect());
  }
  fitStructure();
  for (const [host, id] of [[heatmapHost, "heatmap-canvas"], [gridHost, "grid-canvas"], [sequenceHost, "sequence-canvas"]]) {
    const canvas = host.querySelector("canvas");
    if (canvas) canvas.dataset.testid = id;
  }

  // -- controls follow the model --------------------------------------------------------------
  function syncControls() {
    const nLayers = model.get("n_layers") || 1, nHeads = model.get("n_heads") || 1;
    const l = model.get("layer") ?? 0, h = model.get("head") ?? 0;
    Object.assign(layer.input, { min: 1, max: nLayers, step: 1 });
    Object.assign(head.input, { min: 1, max: nHeads, step: 1 });
    layer.input.value = l + 1;
    layer.readout.textContent = String(l + 1);
    head.input.value = h + 1;
    head.readout.textContent = String(h + 1);
    headText.textContent = `head ${headLabel(l, h)}`;
    const t = Number(model.get("threshold") ?? 0);
    threshold.input.min = model.get("_threshold_min") || 0;
    threshold.input.value = t;
    if (document.activeElement !== thresholdValue && root.getRootNode().activeElement !== thresholdValue) {
      thresholdValue.value = formatThreshold(t);
    }
    thresholdValue.min = threshold.input.min;
    mode.value = model.get("mode");
    const chains = model.get("_chains") || [];
    const key = JSON.stringify(chains);
    if (chain.dataset.key !== key) {
      chain.textContent = "";
      for (const c of chains) element("option", null, chain, c.label).value = c.id;
      chain.dataset.key = key;
    }
    chain.value = model.get("chain");
    chain.disabled = chains.length < 2 || options.kernel === false;
  }
  function syncChoices() {
    const current = model.get("_heatmap_kind");
    kindLabel.style.display = current == null ? "none" : "";
    if (current != null) kind.value = current;
    const choices = model.get("_grid__choices") || [];
    statisticLabel.style.display = choices.length ? "" : "none";
    const key = JSON.stringify(choices);
    if (statistic.dataset.key !== key) {
      statistic.textContent = "";
      for (const c of choices) element("option", null, statistic, GRID_CHOICES[c] || c).value = c;
      statistic.dataset.key = key;
    }
    if (choices.length) statistic.value = model.get("_grid_statistic_choice");
  }
  function syncStatus() {
    const s = model.get("_status") || {};
    statusText.textContent = s.text || "";
    status.className = `pa-status${s.kind ? ` pa-${s.kind}` : ""}`;
    root.classList.toggle("pa-stale", s.kind === "busy");
  }
  syncControls();
  syncChoices();
  syncStatus();
  watch(["_heatmap_kind", "_grid__choices", "_grid_statistic_choice"], syncChoices);
  listen(kind, "change", () => save({ _heatmap_kind: kind.value }));
  listen(statistic, "change", () => save({ _grid_statistic_choice: statistic.value }));
  watch(["layer", "head", "threshold", "mode", "chain", "_chains", "n_layers", "n_heads", "_threshold_min"], syncControls);
  watch(["_status"], syncStatus);

  // -- controls change the model -------------------------------------------------------------
  const clampThreshold = (t) => Math.min(1, Math.max(Number(model.get("_threshold_min") || 0), t));
  listen(layer.input, "input", () => { layer.readout.textContent = layer.input.value; saveLatest({ layer: Number(layer.input.value) - 1 }); });
  listen(head.input, "input", () => { head.readout.textContent = head.input.value; saveLatest({ head: Number(head.input.value) - 1 }); });
  listen(threshold.input, "input", () => {
    const t = clampThreshold(Number(threshold.input.value));
    thresholdValue.value = formatThreshold(t);
    saveLatest({ threshold: t });
  });
  const typedThreshold = () => {
    const t = Number(thresholdValue.value);
    if (thresholdValue.value === "" || !Number.isFinite(t)) { thresholdValue.value = formatThreshold(model.get("threshold")); return; }
    save({ threshold: clampThreshold(t) });
  };
  listen(thresholdValue, "change", typedThreshold);
  listen(thresholdValue, "keydown", (event) => { if (event.key === "Enter") typedThreshold(); });
  listen(mode, "change", () => save({ mode: mode.value }));
  listen(chain, "change", () => save({ chain: chain.value }));

  // -- exports ----------------------------------------------------------------------------
  for (const [fmt, b] of Object.entries(exportButtons)) {
    listen(b, "click", () => {
      statusText.textContent = `writing ${fmt.toUpperCase()} ...`;
      model.send({ type: "export", format: fmt });
    });
  }
  const onMessage = (message, buffers) => {
    if (!message || message.type !== "export") return;
    if (message.error) { statusText.textContent = message.error; status.className = "pa-status pa-error"; return; }
    const data = buffers && buffers[0];
    const bytes = data instanceof ArrayBuffer ? data : data && data.buffer ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
    if (!bytes) return;
    statusText.textContent = message.saved ? `saved ${message.saved}:` : "";
    status.className = "pa-status";
    offerDownload(link, new Blob([bytes], { type: message.mime || "application/octet-stream" }), message.name, `download ${message.name}`);
  };
  model.on("msg:custom", onMessage);
  cleanups.push(() => model.off("msg:custom", onMessage));
  listen(save3d, "click", async () => {
    const api = structureBox && structureBox.protattn;
    if (!api) return;
    statusText.textContent = "rendering the 3D view ...";
    try {
      const blob = await api.makeImage({ scale: Number(scaleSelect.value), transparent: transparent.checked });
      const name = `${model.get("_export_stem") || "structure"}_${headLabel(model.get("layer"), model.get("head"))}_3d.png`;
      statusText.textContent = "";
      offerDownload(link, blob, name, `download ${name}`);
      // send(content, callbacks, buffers): the PNG's bytes as the message's one buffer.
      if (options.kernel !== false) model.send({ type: "save-3d", name }, undefined, [await blob.arrayBuffer()]);
    } catch (error) {
      statusText.textContent = `Save 3D failed: ${error && error.message ? error.message : error}`;
      status.className = "pa-status pa-error";
    }
  });

  root.protattnExplorer = {
    state: () => Object.fromEntries(["layer", "head", "threshold", "mode", "selected_residue", "chain"].map((k) => [k, model.get(k)])),
    summary: () => ({
      state: root.protattnExplorer.state(),
      heatmap: heatmapHost.protattnView ? heatmapHost.protattnView.summary() : null,
      grid: gridHost.protattnView ? gridHost.protattnView.summary() : null,
      sequenceDraws: sequenceHost.protattnView ? sequenceHost.protattnView.draws : 0,
      structure: structureBox && structureBox.protattn ? structureBox.protattn.summary() : null,
      structureError: structureBox ? structureBox.protattnError || null : null,
      nglLoads: globalThis.__protattnNGLLoads || 0,
    }),
  };
  return () => {
    for (const c of cleanups.splice(0)) c();
    for (const p of parts) if (typeof p === "function") p();
    if (link.href && link.href.startsWith("blob:")) URL.revokeObjectURL(link.href);
    delete root.protattnExplorer;
  };
}

function render({ model, el }) {
  return mountExplorer(el, model, { kernel: true });
}

export default { render };
