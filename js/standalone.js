// The standalone explorer page (AttentionExplorer.to_html): no kernel, no network.
//
// protattn_widgets/widgets/standalone.py writes one HTML file holding this bundle and a
// JSON script tag (#protattn-data) with every embedded head of one chain.  Here the
// SAME view modules as in the notebook (heatmap.js, head_grid.js, sequence_track.js)
// render against in-page models (lib/page_model.js), and the SAME drawing code
// (ngl_attention.js, run as nglview runs it: `this` = a view {stage, model, el})
// draws on a bundled NGL Stage.  The page's controller plays the kernel's part:
// when layer, head, threshold, mode or the selected residue change in any view or
// control, it swaps in the head's buffers from the embedded data and sets them on
// every model, which is what the Python widgets do through the comm.
//
// For tests and tooling: window.protattnPage (state, models, update(patch)).

import * as NGL from "ngl";

import headGridView from "./head_grid.js";
import heatmapView from "./heatmap.js";
import { csrPairs, residueStats, sparseEdges, strongEdges } from "./lib/edges.js";
import { element, showError } from "./lib/dom.js";
import { formatLargest, headLabel } from "./lib/format.js";
import { decodeArrays } from "./lib/page_data.js";
import { PageModel } from "./lib/page_model.js";
import sequenceView from "./sequence_track.js";
import drawingCode from "./ngl_attention.js" with { type: "text" };

const SHARED = ["layer", "head", "threshold", "mode", "selected_residue"];

const CSS = `
body { margin: 12px; font: 13px sans-serif; color: #222; }
.pa-page h1 { font-size: 16px; margin: 0 0 6px; }
.pa-page .pa-controls { display: flex; flex-wrap: wrap; gap: 6px 18px; align-items: center; margin-bottom: 8px; }
.pa-page .pa-controls label { display: inline-flex; gap: 6px; align-items: center; }
.pa-page .pa-controls input[type=range] { width: 180px; }
.pa-page .pa-readout { font-weight: 600; min-width: 3em; display: inline-block; }
.pa-page .pa-row { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.pa-page .pa-structure { position: relative; width: clamp(340px, calc(100% - 476px), 620px); height: 470px;
  border: 1px solid #ddd; box-sizing: border-box; resize: both; overflow: hidden; min-width: 300px; min-height: 260px; }
.pa-page .pa-status { color: #a00; min-height: 1.2em; margin-top: 6px; }
.pa-page .pa-note { color: #666; font-size: 12px; margin-top: 8px; }
`;

function fmt2(x) {
  return Number(x).toFixed(2);
}

/** Trait values as the page's models hold them: {"$array": name} refers to a blob array. */
function traits(spec, arrays) {
  const out = {};
  for (const [name, value] of Object.entries(spec || {})) {
    out[name] = value && typeof value === "object" && "$array" in value ? arrays[value.$array] : value;
  }
  return out;
}

export class StandaloneExplorer {
  constructor(root, data, arrays) {
    this.data = data;
    this.arrays = arrays;
    const { n_layers: nLayers, n_heads: nHeads } = data.model;
    this.nLayers = nLayers;
    this.nHeads = nHeads;
    this.n = data.length;
    this.slot = new Int32Array(nLayers * nHeads).fill(-1); // flat head -> index into arrays.matrices
    data.embedded_heads.forEach((flat, k) => { this.slot[flat] = k; });
    this.state = { ...data.state };
    this._cache = {};
    this._edges = { pairs: new Uint16Array(0), weights: new Uint8Array(0), total: 0 };

    this.models = {
      grid: new PageModel(traits(data.views.grid, arrays)),
      heatmap: new PageModel(traits(data.views.heatmap, arrays)),
      sequence: new PageModel(traits(data.views.sequence, arrays)),
    };
    if (data.views.ngl) this.models.ngl = new PageModel(traits(data.views.ngl, arrays));
    this._push(SHARED); // every model holds the current head's data before its first draw

    this._layout(root);
    heatmapView.render({ model: this.models.heatmap, el: this.el.heatmap });
    headGridView.render({ model: this.models.grid, el: this.el.grid });
    sequenceView.render({ model: this.models.sequence, el: this.el.sequence });
    // What traitlets.link does in the kernel: a change made in one view reaches every other.
    // A view sets layer and head one after the other (a tile click, an arrow key): take both
    // at once, after the view's handler, so that a head the page lacks is refused as a whole.
    for (const name of ["grid", "heatmap", "sequence"]) {
      const model = this.models[name];
      let queued = false;
      model.on(SHARED.map((t) => `change:${t}`).join(" "), () => {
        if (queued) return;
        queued = true;
        queueMicrotask(() => {
          queued = false;
          const patch = {};
          for (const t of SHARED) patch[t] = model.get(t);
          this.update(patch);
        });
      });
    }
    this.ready = this.models.ngl ? this._startStructure() : Promise.resolve();
  }

  // -- state ------------------------------------------------------------------------------

  hasHead(layer, head) {
    return layer >= 0 && layer < this.nLayers && head >= 0 && head < this.nHeads &&
      this.slot[layer * this.nHeads + head] >= 0;
  }

  /** Change the shared state (any of layer, head, threshold, mode, selected_residue) and redraw. */
  update(patch) {
    const next = { ...this.state, ...patch };
    if (next.selected_residue == null || next.selected_residue < 0 || next.selected_residue >= this.n) {
      next.selected_residue = null;
    }
    let message = "";
    if (!this.hasHead(next.layer, next.head)) {
      message = `head ${headLabel(next.layer, next.head)} is not in this page ` +
        `(it was written with heads="${this.data.heads}"; use heads="all" for every head)`;
      next.layer = this.state.layer;
      next.head = this.state.head;
    }
    const changed = SHARED.filter((t) => next[t] !== this.state[t]);
    if (!changed.length && !message) return this.state; // a view echoing the state back
    this.state = next;
    this.el.status.textContent = message;
    // A refused head still goes out: the view that asked for it goes back to the current one.
    this._push(message ? SHARED : changed);
    return this.state;
  }

  // -- data of the current state, as the Python widgets compute it -------------------------

  _flat() {
    return this.state.layer * this.nHeads + this.state.head;
  }

  _matrix() {
    const k = this.slot[this._flat()];
    const m = Math.ceil(this.n / (this.data.block || 1));
    const size = m * m;
    return { codes: this.arrays.matrices.subarray(k * size, (k + 1) * size), scale: this.data.matrix_scales[k] };
  }

  _received() {
    const f = this._flat();
    return { codes: this.arrays.received.subarray(f * this.n, (f + 1) * this.n), scale: this.data.received_scales[f] };
  }

  _thresholdIndex(threshold = this.state.threshold) {
    const ts = this.data.thresholds;
    let best = 0;
    for (let k = 1; k < ts.length; k++) if (Math.abs(ts[k] - threshold) < Math.abs(ts[best] - threshold)) best = k;
    return best;
  }

  _title() {
    return `${this.data.model.display_name} ${headLabel(this.state.layer, this.state.head)} · ${this.data.source}`;
  }

  _push(changed) {
    const has = (...names) => names.some((t) => changed.includes(t));
    const s = this.state;
    const shared = { layer: s.layer, head: s.head, threshold: s.threshold, mode: s.mode,
                     selected_residue: s.selected_residue };
    const headData = has("layer", "head");
    const matrix = this._matrix();
    const received = this._received();

    const heatmap = { ...shared };
    if (headData) Object.assign(heatmap, { _matrix: matrix.codes, _scale: matrix.scale, _block: this.data.block || 1,
                                           caption: `${this._title()} · attention weights (largest ${formatLargest(matrix.scale)})` });
    const sequence = { ...shared };
    if (headData) Object.assign(sequence, { _received: received.codes, _received_scale: received.scale,
                                            caption: `${this._title()} · attention received (max ${fmt2(received.scale)})` });
    const grid = { ...shared };
    if (has("threshold")) {
      const t = this._thresholdIndex();
      const per = this.nLayers * this.nHeads;
      const g = this.data.grid;
      Object.assign(grid, {
        _values: this.arrays.grid_values.subarray(t * per, (t + 1) * per),
        _counts: this.arrays.grid_counts.subarray(t * per, (t + 1) * per),
        caption: `share of attention \u2265 ${fmt2(s.threshold)} on contacts ` +
          `(background ${g.background == null ? "n/a" : (100 * g.background).toFixed(1) + "%"})`,
      });
    }
    this.models.heatmap.set(heatmap);
    this.models.sequence.set(sequence);
    this.models.grid.set(grid);
    if (this.models.ngl) this._pushStructure(has("layer", "head", "threshold", "mode"), headData);
    if (this.el) this._syncControls();
  }

  _pushStructure(edgesChanged, headData) {
    const d = this.data;
    const s = this.state;
    const patch = { _pa_selected: s.selected_residue == null ? -1 : s.selected_residue };
    if (edgesChanged) {
      const { codes, scale } = this._matrix();
      if ((d.block || 1) > 1) {
        const k = this.slot[this._flat()];
        const [a, b] = [this.arrays.edge_offsets[k], this.arrays.edge_offsets[k + 1]];
        const rows = this.arrays.edge_row_counts.subarray(k * this.n, (k + 1) * this.n);
        this._edges = sparseEdges(csrPairs(rows, this.arrays.edge_cols.subarray(a, b)), this.arrays.edge_codes.subarray(a, b),
                                  this.n, scale, s.threshold, s.mode, this.arrays.has_ca, d.max_edges);
      } else {
        this._edges = strongEdges(codes, this.n, scale, s.threshold, s.mode, this.arrays.has_ca, d.max_edges);
      }
      patch._pa_edges = this._edges.pairs;
      patch._pa_weights = this._edges.weights;
    }
    if (headData) {
      const received = this._received();
      const { codes, scale } = this._matrix();
      patch._pa_received = received.codes;
      patch._pa_residue_stats = residueStats(codes, this.n, scale, received.codes, received.scale);
    }
    patch._pa_threshold = s.threshold;
    patch._pa_directed = s.mode === "directed";
    // StructureAttentionView.caption()
    const k = this._edges.weights.length;
    const total = this._edges.total;
    const head = `${d.model.display_name} ${headLabel(s.layer, s.head)} (${s.mode})`;
    let label = total > k
      ? `${head}: ${k} strongest of ${total} edges \u2265 ${fmt2(s.threshold)} (cap ${d.max_edges})`
      : `${head}: ${k} ${k === 1 ? "edge" : "edges"} \u2265 ${fmt2(s.threshold)}`;
    if (total === 0) label += ": lower the threshold";
    if (s.selected_residue != null) {
      const i = s.selected_residue;
      const h = this.models.heatmap;
      label += ` | selected ${d.chain} ${h.get("residue_names")[i]} ${h.get("residue_ids")[i]}`;
    }
    patch._pa_label = label;
    this.models.ngl.set(patch);
  }

  // -- the page ---------------------------------------------------------------------------

  _layout(root) {
    const d = this.data;
    root.textContent = "";
    const page = element("div", "pa-page", root);
    element("style", null, page, CSS);
    element("h1", null, page, d.title);
    const controls = element("div", "pa-controls", page);
    const range = (name, min, max, value, text) => {
      const label = element("label", null, controls, text);
      const input = element("input", null, label);
      Object.assign(input, { type: "range", min, max, step: 1, value });
      input.name = name;
      input.setAttribute("aria-label", name);
      const readout = element("span", "pa-readout", label);
      return { input, readout };
    };
    const s = this.state;
    this.controls = {
      layer: range("layer", 1, this.nLayers, s.layer + 1, "layer"),
      head: range("head", 1, this.nHeads, s.head + 1, "head"),
      threshold: range("threshold", 0, d.thresholds.length - 1, this._thresholdIndex(), "threshold"),
    };
    const modeLabel = element("label", null, controls, "mode");
    const mode = element("select", null, modeLabel);
    mode.name = "mode";
    for (const m of d.modes) element("option", null, mode, m).value = m;
    this.controls.mode = { input: mode };
    this.controls.headLabel = element("span", null, controls);
    // Heads not in the page cannot be chosen: a slider over one value is disabled.
    const layers = new Set(d.embedded_heads.map((f) => Math.floor(f / this.nHeads)));
    const heads = new Set(d.embedded_heads.map((f) => f % this.nHeads));
    this.controls.layer.input.disabled = layers.size < 2;
    this.controls.head.input.disabled = heads.size < 2;

    this.controls.layer.input.addEventListener("input", (e) => this.update({ layer: Number(e.target.value) - 1 }));
    this.controls.head.input.addEventListener("input", (e) => this.update({ head: Number(e.target.value) - 1 }));
    this.controls.threshold.input.addEventListener("input",
      (e) => this.update({ threshold: d.thresholds[Number(e.target.value)] }));
    mode.addEventListener("change", (e) => this.update({ mode: e.target.value }));

    const row = element("div", "pa-row", page);
    this.el = { status: null };
    // The notebook explorer's design: 3D view and heatmap side by side, the grid beside them
    // when there is room, else below (explorer.py EXPLORER_CSS).
    if (this.models.ngl) this.el.structure = element("div", "pa-structure protattn-structure-box", row);
    this.el.heatmap = element("div", "pa-heatmap-host", row);
    this.el.grid = element("div", "pa-grid-host", row);
    this.el.sequence = element("div", "pa-sequence-host", page);
    this.el.status = element("div", "pa-status", page);
    element("div", "pa-note", page, d.note);
    this._syncControls();
  }

  _syncControls() {
    const c = this.controls;
    if (!c) return;
    const s = this.state;
    c.layer.input.value = s.layer + 1;
    c.layer.readout.textContent = String(s.layer + 1);
    c.head.input.value = s.head + 1;
    c.head.readout.textContent = String(s.head + 1);
    c.threshold.input.value = this._thresholdIndex();
    c.threshold.readout.textContent = fmt2(s.threshold);
    c.mode.input.value = s.mode;
    c.headLabel.textContent = `head ${headLabel(s.layer, s.head)}`;
  }

  async _startStructure() {
    const d = this.data;
    const el = this.el.structure;
    const stage = new NGL.Stage(el, { backgroundColor: "white", tooltip: true });
    this.stage = stage;
    const file = new Blob([d.structure.text], { type: "text/plain" });
    await stage.loadFile(file, { ext: d.structure.ext, name: d.structure.name, defaultRepresentation: false });
    // nglview evaluates ngl_attention.js with `this` = its NGL view: give it one.
    const view = {
      stage, el, model: this.models.ngl,
      listenTo(target, event, callback) { target.on(event, callback); },
    };
    new Function("NGL", drawingCode).call(view, NGL); // eslint-disable-line no-new-func
    // Picking an atom selects its residue everywhere (nglview does this through the kernel).
    stage.signals.clicked.add((picked) => {
      if (!picked || !picked.atom || !el.protattn) return;
      const i = el.protattn.residueOfAtom(picked.atom.index);
      if (i >= 0) this.update({ selected_residue: i });
    });
    window.addEventListener("resize", () => stage.handleResize());  // the box's own resizes: ngl_attention.js
  }
}

async function start() {
  const root = document.getElementById("protattn-app") || document.body;
  try {
    const data = JSON.parse(document.getElementById("protattn-data").textContent);
    const arrays = await decodeArrays(data);
    const page = new StandaloneExplorer(root, data, arrays);
    window.protattnPage = page;
    await page.ready;
    page.loaded = true;
  } catch (error) {
    showError(root, error);
    console.error("protattn:", error);
  }
}

if (typeof document !== "undefined") {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
}
