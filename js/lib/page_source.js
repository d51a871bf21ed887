// The standalone explorer's data source (used by js/standalone.js and js/browser_page.js): it plays
// the kernel's part for one protein's embedded page data (written by
// protattn_widgets/widgets/standalone.py page_data): when layer, head, threshold or mode change it
// sets the traits the kernel would compute for them, from the embedded heads.

import { csrPairs, residueStats, sparseEdges, strongEdges } from "./edges.js";
import { STRONG_EDGES, formatLargest, formatPercent, formatThreshold, headLabel } from "./format.js";
import { PageModel } from "./page_model.js";

const STATE = ["layer", "head", "threshold", "mode", "selected_residue"];

/** Trait values as the page's model holds them: {"$array": name} refers to a blob array. */
export function traits(spec, arrays) {
  const out = {};
  for (const [name, value] of Object.entries(spec || {})) {
    out[name] = value && typeof value === "object" && "$array" in value ? arrays[value.$array] : value;
  }
  return out;
}

export class PageSource {
  constructor(data, arrays) {
    this.data = data;
    this.arrays = arrays;
    const { n_layers: nLayers, n_heads: nHeads } = data.model;
    this.nLayers = nLayers;
    this.nHeads = nHeads;
    this.n = data.length;
    this.slot = new Int32Array(nLayers * nHeads).fill(-1); // flat head -> index into arrays.matrices
    data.embedded_heads.forEach((flat, k) => { this.slot[flat] = k; });
    this.state = { ...data.state };
    this._edges = { pairs: new Uint16Array(0), weights: new Uint8Array(0), total: 0 };
    this.model = new PageModel({ ...traits(data.traits, arrays), ...this.state, chain: data.chain, _exports: [], _status: {},
                                 _threshold_min: data.edge_floor || 0, _title: data.title, _note: data.note });
    this._push(STATE);
    // A view or control changes one or two traits after another (a tile click sets layer, then
    // head): answer once, after them, so that a head the page lacks is refused as a whole.
    let queued = false;
    this.model.on(STATE.map((t) => `change:${t}`).join(" "), () => {
      if (queued) return;
      queued = true;
      queueMicrotask(() => {
        queued = false;
        const patch = {};
        for (const t of STATE) patch[t] = this.model.get(t);
        this.update(patch);
      });
    });
  }

  hasHead(layer, head) {
    return layer >= 0 && layer < this.nLayers && head >= 0 && head < this.nHeads && this.slot[layer * this.nHeads + head] >= 0;
  }

  /** Change the shared state (any of layer, head, threshold, mode, selected_residue). */
  update(patch) {
    const next = { ...this.state, ...patch };
    if (next.selected_residue == null || next.selected_residue < 0 || next.selected_residue >= this.n) next.selected_residue = null;
    next.threshold = Math.min(1, Math.max(Number(next.threshold), this.data.edge_floor || 0));
    let message = "";
    if (!this.hasHead(next.layer, next.head)) {
      message = `head ${headLabel(next.layer, next.head)} is not in this page ` +
        (this.data.missing_head_hint ? `(${this.data.missing_head_hint})`
          : `(it was written with heads="${this.data.heads}"; write it with heads="all" for every head)`);
      next.layer = this.state.layer;
      next.head = this.state.head;
    }
    const changed = STATE.filter((t) => next[t] !== this.state[t] || next[t] !== this.model.get(t));
    this.state = next;
    this.model.set("_status", message ? { text: message, kind: "error" } : {});
    if (changed.length) this._push(changed);
    return this.state;
  }

  _flat() { return this.state.layer * this.nHeads + this.state.head; }

  _matrix() {
    const k = this.slot[this._flat()];
    const m = Math.ceil(this.n / (this.data.block || 1));
    return { codes: this.arrays.matrices.subarray(k * m * m, (k + 1) * m * m), scale: this.data.matrix_scales[k] };
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

  /** What the kernel sends for a change of ``changed``, as one set() on the model. */
  _push(changed) {
    const has = (...names) => names.some((t) => changed.includes(t));
    const s = this.state;
    const patch = {};
    for (const t of STATE) patch[t] = s[t];
    const headData = has("layer", "head");
    const matrix = this._matrix();
    const received = this._received();
    if (headData) {
      Object.assign(patch, {
        _heatmap__matrix: matrix.codes, _heatmap__scale: matrix.scale, _heatmap__block: this.data.block || 1,
        _heatmap_caption: `${this._title()} · attention weights (largest ${formatLargest(matrix.scale)})`,
        _sequence__received: received.codes, _sequence__received_scale: received.scale,
        _sequence_caption: `${this._title()} · attention received (max ${formatLargest(received.scale)})`,
      });
    }
    if (has("threshold")) {
      const t = this._thresholdIndex();
      const per = this.nLayers * this.nHeads;
      const g = this.data.grid;
      const shown = this.data.thresholds[t];
      Object.assign(patch, {
        _grid__values: this.arrays.grid_values.subarray(t * per, (t + 1) * per),
        _grid__counts: this.arrays.grid_counts.subarray(t * per, (t + 1) * per),
        _grid_caption: `share of ${STRONG_EDGES} (attention \u2265 ${formatThreshold(shown)}) on contacts ` +
          `(background ${formatPercent(g.background)})` +
          (Math.abs(shown - s.threshold) > 1e-9 ? ` (grid at the nearest stored threshold, ${formatThreshold(shown)})` : ""),
      });
    }
    if (this.data.structure && (headData || has("threshold", "mode"))) this._structure(patch, headData, matrix, received);
    this.model.set(patch);
  }

  _structure(patch, headData, matrix, received) {
    const d = this.data;
    const s = this.state;
    const hasCa = this.arrays.has_ca;
    if ((d.block || 1) > 1) {
      const k = this.slot[this._flat()];
      const [a, b] = [this.arrays.edge_offsets[k], this.arrays.edge_offsets[k + 1]];
      const rows = this.arrays.edge_row_counts.subarray(k * this.n, (k + 1) * this.n);
      this._edges = sparseEdges(csrPairs(rows, this.arrays.edge_cols.subarray(a, b)), this.arrays.edge_codes.subarray(a, b),
                                this.n, matrix.scale, s.threshold, s.mode, hasCa, d.max_edges);
    } else {
      this._edges = strongEdges(matrix.codes, this.n, matrix.scale, s.threshold, s.mode, hasCa, d.max_edges);
    }
    Object.assign(patch, {
      _structure__pa_edges: this._edges.pairs, _structure__pa_weights: this._edges.weights,
      _structure__pa_total: this._edges.total,
      // The head's strong edges i -> j, as the grid counts them (at its nearest stored threshold).
      _structure__pa_strong: this.arrays.grid_counts[this._thresholdIndex() * this.nLayers * this.nHeads + this._flat()],
      _structure__pa_strong_threshold: this.data.thresholds[this._thresholdIndex()],
      _structure__pa_head_label: `${d.model.display_name} ${headLabel(s.layer, s.head)} (${s.mode})`,
    });
    if (headData) {
      patch._structure__pa_received = received.codes;
      patch._structure__pa_residue_stats = residueStats(matrix.codes, this.n, matrix.scale, received.codes, received.scale);
    }
  }
}
