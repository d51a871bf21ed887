// The standalone dataset-browser page (protattn analyze --browse, DatasetBrowser.to_html): no kernel,
// no network.
//
// protattn_widgets/widgets/browser_page.py writes one HTML file holding this bundle, the main JSON
// (#protattn-browser-data: per feature the head grid's arrays and every protein's counts per head)
// and, per protein that can be opened, its explorer's page data (#protattn-protein-<k>, read on
// click).  The page shows the SAME front-end as the notebook: dataset_browser.js on an in-page
// model (lib/page_model.js), and each protein's explorer by explorer.js on lib/page_source.js.
// BrowserSource below plays the kernel's part of DatasetBrowser (dataset_browser.py): a feature
// change sends the grid, a head change the ranked proteins, a protein choice its explorer.
//
// Bundled into static/standalone.js (one page script for both pages), which starts it when the
// page holds #protattn-browser-data.
// For tests and tooling: window.protattnBrowserPage (model, source, explorer(), loaded).

import browserView from "./dataset_browser.js";
import { showError } from "./lib/dom.js";
import { headLabel } from "./lib/format.js";
import { decodeArrays } from "./lib/page_data.js";
import { PageModel } from "./lib/page_model.js";
import { PageSource } from "./lib/page_source.js";
import { rankProteins } from "./lib/ranking.js";

export { rankProteins };

export class BrowserSource {
  constructor(data, arrays) {
    this.data = data;
    this.arrays = arrays;
    const { n_layers: nLayers, n_heads: nHeads, name } = data.model;
    this.nHeads = nHeads;
    this.nCells = nLayers * nHeads;
    this.embedded = new Set(data.embedded_heads);
    this.explorer = null;  // the open protein's PageSource
    this._token = 0;
    this.model = new PageModel({
      features: data.features.map((f) => f.name), feature: data.feature, model_name: name,
      n_layers: nLayers, n_heads: nHeads, layer: data.layer, head: data.head, threshold: data.threshold,
      min_total: data.min_total, n_proteins: data.n_proteins, value_format: data.value_format,
      protein: "", explorer: null, _status: "", _kernel: false, ranking: [], ranking_note: "",
    });
    this.model.widget_manager = { get_model: async () => this.explorer && this.explorer.model };
    this._sendFeature(false);
    this.model.on("change:feature", () => this._sendFeature(true));
    let queued = false;  // a tile click sets layer, then head: answer once
    this.model.on("change:layer change:head", () => {
      if (queued) return;
      queued = true;
      queueMicrotask(() => { queued = false; this._onHead(); });
    });
    this.model.on("change:protein", () => this._open(this.model.get("protein")));
  }

  _entry() {
    const k = this.data.features.findIndex((f) => f.name === this.model.get("feature"));
    return { k: Math.max(k, 0), entry: this.data.features[Math.max(k, 0)] };
  }

  _sendFeature(moveToTop) {
    const { k, entry } = this._entry();
    const patch = {
      _values: this.arrays[`values_${k}`], _counts: this.arrays[`counts_${k}`], _ci: this.arrays[`ci_${k}`],
      _flags: entry.flags, statistic_name: entry.statistic_name, caption: entry.caption,
      background: entry.background == null ? 0 : entry.background,
    };
    if (moveToTop && entry.top) [patch.layer, patch.head] = entry.top;
    this.model.set(patch);
    this._sendRanking();
  }

  /** The chosen head's proteins (DatasetBrowser._send_ranking). */
  ranking(layer = this.model.get("layer"), head = this.model.get("head")) {
    const { k, entry } = this._entry();
    const counts = { hits: this.arrays[`hits_${k}`], total: this.arrays[`total_${k}`],
                     topEdges: this.arrays[`top_edges_${k}`], topIndex: this.arrays[`top_index_${k}`] };
    const position = new Map(this.data.proteins.map((p, i) => [p, i]));
    const residues = entry.proteins.map((p) => this.data.residues[position.get(p)]);
    return rankProteins(counts, entry.proteins, residues, layer * this.nHeads + head, this.nCells);
  }

  _sendRanking() {
    const layer = this.model.get("layer");
    const head = this.model.get("head");
    const { rows, listed } = this.ranking(layer, head);
    const { entry } = this._entry();
    for (const row of rows) {
      row.has_structure = row.protein in this.data.pages;
      if (!row.has_structure) row.closed_reason = `${row.protein} cannot be opened here: ${this.data.closed[row.protein] || "not embedded"}`;
    }
    this.model.set({
      ranking: rows,
      ranking_note: `${listed} of ${entry.proteins_counted} proteins have strong edges in head ${headLabel(layer, head)}` +
        (listed > rows.length ? `; the first ${rows.length} shown` : ""),
    });
  }

  _onHead() {
    this._sendRanking();
    if (this.explorer) this.explorer.model.set({ layer: this.model.get("layer"), head: this.model.get("head") });
  }

  async _open(protein) {
    const mine = ++this._token;
    if (!protein) {
      this.explorer = null;
      this.model.set({ explorer: null, _status: "" });
      return;
    }
    const k = this.data.pages[protein];
    if (k == null) {
      this.model.set("_status", `${protein} cannot be opened in this page: ${this.data.closed[protein] || "not embedded"}`);
      return;
    }
    this.model.set("_status", `opening ${protein} ...`);
    try {
      const data = JSON.parse(document.getElementById(`protattn-protein-${k}`).textContent);
      const arrays = await decodeArrays(data);
      if (mine !== this._token) return;  // another protein was chosen meanwhile
      const structure = this.data.structures[protein];
      if (structure) data.traits._structure__pa_structure = new TextDecoder().decode(this.arrays[structure]);
      const layer = this.model.get("layer");
      const head = this.model.get("head");
      const here = this.embedded.has(layer * this.nHeads + head);
      if (here) data.state = { ...data.state, layer, head };
      this.explorer = new PageSource(data, arrays);
      this.model.set({
        explorer: `page-protein-${k}-${mine}`,
        _status: here ? "" : `head ${headLabel(layer, head)} is not in this page (${data.missing_head_hint}); ` +
          `${protein} opens at head ${headLabel(data.state.layer, data.state.head)}`,
      });
    } catch (error) {
      this.model.set("_status", `could not open ${protein} (Error: ${error.message || error})`);
      console.error("protattn:", error);
    }
  }
}

/** Start the page (js/standalone.js calls this when the page holds #protattn-browser-data). */
export async function startBrowserPage(root) {
  try {
    const data = JSON.parse(document.getElementById("protattn-browser-data").textContent);
    const arrays = await decodeArrays(data);
    const source = new BrowserSource(data, arrays);
    root.textContent = "";
    const note = document.createElement("div");
    note.className = "protattn-page-note";
    note.style.cssText = "font: 12px sans-serif; color: #555; margin-bottom: 6px;";
    note.textContent = `${data.title}. ${data.note}`;
    root.appendChild(note);
    const host = document.createElement("div");
    root.appendChild(host);
    browserView.render({ model: source.model, el: host });
    window.protattnBrowserPage = { model: source.model, source, explorer: () => source.explorer, loaded: true };
  } catch (error) {
    showError(root, error);
    console.error("protattn:", error);
  }
}
