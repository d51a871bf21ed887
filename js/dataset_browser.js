// DatasetBrowser (protattn_widgets/widgets/dataset_browser.py): a dataset's head grid for one
// feature, the proteins behind the chosen head, and the chosen protein.
//
// Traits read (besides the head grid's own, which head_grid.js reads from this same model:
// _values, _counts, _ci, _flags, n_layers, n_heads, layer, head, caption, value_format, min_total):
//   features [str], feature, model_name, n_proteins, threshold
//   ranking [{rank, protein, hits, total, share, hits_share, top_residue, top_residue_edges, has_structure}]
//   ranking_note, protein, _status
//   explorer   the browser's one AttentionExplorer (a widget reference, "IPY_MODEL_<id>"), made with the
//              browser: its model is fetched from the widget manager and drawn here by the explorer's own
//              front-end (explorer.js mountExplorer), so it is the same explorer, linked to the same kernel
//              object.  A protein click switches what it shows (show_protein; the 3D view loads the new
//              structure); it is hidden while no protein is chosen.
//   _kernel    false in the standalone page (js/browser_page.js): the explorer is drawn without a kernel
//   ranking rows may carry closed_reason (why a protein cannot be opened; the page sets it)
// Written: feature (menu), layer and head (grid click, arrow keys), protein (a row's click or Enter).
// Test hooks: el.protattnBrowser.summary(), .rowCenter(protein).

import { mountExplorer } from "./explorer.js";
import headGridView from "./head_grid.js";
import { connect, element, showError } from "./lib/dom.js";
import { formatPercent, headLabel } from "./lib/format.js";

const CSS = `
.protattn-browser { font: 13px sans-serif; color: #222; }
.protattn-browser .pb-bar { display: flex; gap: 12px; align-items: center; margin-bottom: 6px; flex-wrap: wrap; }
.protattn-browser .pb-body { display: flex; gap: 16px; align-items: flex-start; flex-wrap: wrap; }
.protattn-browser .pb-proteins { min-width: 360px; max-width: 640px; }
.protattn-browser .pb-title { font-weight: 600; margin-bottom: 4px; }
.protattn-browser .pb-note { color: #555; font-size: 12px; margin: 2px 0 4px; }
.protattn-browser table { border-collapse: collapse; font: 12px sans-serif; }
.protattn-browser th, .protattn-browser td { padding: 2px 8px; text-align: right; border-bottom: 1px solid #eee; }
.protattn-browser th { color: #555; font-weight: 600; position: sticky; top: 0; background: #fff; }
.protattn-browser td.pb-name, .protattn-browser th.pb-name, .protattn-browser td.pb-res { text-align: left; }
.protattn-browser tr.pb-row { cursor: pointer; }
.protattn-browser tr.pb-row:hover { background: #eef5fb; }
.protattn-browser tr.pb-row:focus { outline: 2px solid #9ecae1; }
.protattn-browser tr.pb-chosen { background: #fdf1d6; }
.protattn-browser tr.pb-closed { cursor: default; color: #888; }
.protattn-browser .pb-scroll { max-height: 420px; overflow-y: auto; }
.protattn-browser .pb-status { min-height: 1.2em; color: #555; font-style: italic; }
.protattn-browser .pb-status.pb-error { color: #a00; font-style: normal; }
.protattn-browser .pb-explorer { margin-top: 10px; border-top: 1px solid #ddd; padding-top: 8px; }
.protattn-browser .pb-explorer:empty { display: none; }
`;

const percent = (v) => (v == null ? "\u2013" : formatPercent(v));

function render({ model, el }) {
  const root = element("div", "protattn-browser", el);
  root.dataset.testid = "protattn-browser";
  element("style", null, root, CSS);
  const bar = element("div", "pb-bar", root);
  const label = element("label", null, bar, "property ");
  const menu = element("select", null, label);
  menu.dataset.testid = "browser-feature";
  menu.setAttribute("aria-label", "property");
  const summary = element("span", "pb-note", bar);
  const body = element("div", "pb-body", root);
  const gridHost = element("div", null, body);
  gridHost.dataset.testid = "browser-grid";
  const proteins = element("div", "pb-proteins", body);
  proteins.dataset.testid = "browser-proteins";
  const title = element("div", "pb-title", proteins);
  const note = element("div", "pb-note", proteins);
  const scroll = element("div", "pb-scroll", proteins);
  const table = element("table", null, scroll);
  const status = element("div", "pb-status", root);
  status.dataset.testid = "browser-status";
  const explorerHost = element("div", "pb-explorer", root);
  explorerHost.dataset.testid = "browser-explorer";
  let unmountExplorer = null;
  let explorerToken = 0;

  const cleanGrid = headGridView.render({ model, el: gridHost });

  function drawMenu() {
    const features = model.get("features") || [];
    if (menu.options.length !== features.length || [...menu.options].some((o, i) => o.value !== features[i])) {
      menu.textContent = "";
      for (const f of features) element("option", null, menu, f).value = f;
    }
    menu.value = model.get("feature");
    summary.textContent = `${model.get("model_name")}, ${model.get("n_proteins")} proteins, strong attention \u2265 ${model.get("threshold")}`;
  }

  function choose(protein) {
    model.set("protein", protein);
    model.save_changes();
  }

  function drawTable() {
    const rows = model.get("ranking") || [];
    const chosen = model.get("protein");
    title.textContent = `proteins behind head ${headLabel(model.get("layer"), model.get("head"))}, most hits first`;
    note.textContent = model.get("ranking_note") || "";
    table.textContent = "";
    const head = element("tr", null, element("thead", null, table));
    for (const [text, cls, tip] of [["#", null, "rank"], ["protein", "pb-name", null],
      ["hits", null, "strong edges with the property"], ["strong edges", null, "strong edges i\u2192j (attention \u2265 threshold), the unit of every count"],
      ["share", null, "hits / strong edges"], ["of head", null, "this protein's part of the head's hits"],
      ["top residue", "pb-name", "most-attended residue among the counted strong edges (its edges)"]]) {
      const th = element("th", cls, head, text);
      if (tip) th.title = tip;
    }
    const tbody = element("tbody", null, table);
    for (const row of rows) {
      const tr = element("tr", `pb-row${row.protein === chosen ? " pb-chosen" : ""}${row.has_structure ? "" : " pb-closed"}`, tbody);
      tr.dataset.protein = row.protein;
      tr.tabIndex = row.has_structure ? 0 : -1;
      tr.title = row.has_structure ? `open ${row.protein} at head ${headLabel(model.get("layer"), model.get("head"))}`
        : row.closed_reason || "no structure in the browser's dataset: pass dataset= to open it";
      element("td", null, tr, String(row.rank));
      element("td", "pb-name", tr, row.protein);
      element("td", null, tr, String(row.hits));
      element("td", null, tr, String(row.total));
      element("td", null, tr, percent(row.share));
      element("td", null, tr, percent(row.hits_share));
      element("td", "pb-res", tr, row.top_residue ? `${row.top_residue} (${row.top_residue_edges})` : "\u2013");
      if (row.has_structure) {
        tr.addEventListener("click", () => choose(row.protein));
        tr.addEventListener("keydown", (event) => {
          if (event.key === "Enter" || event.key === " ") { event.preventDefault(); choose(row.protein); }
        });
      }
    }
  }

  function drawChosen() {  // the explorer is shown while a protein is chosen (it stays made for the next one)
    explorerHost.style.display = model.get("protein") ? "" : "none";
  }

  function drawStatus() {
    const text = model.get("_status") || "";
    status.textContent = text;
    status.classList.toggle("pb-error", /Error|error:/.test(text));
  }

  async function drawExplorer() {
    const mine = ++explorerToken;
    if (unmountExplorer) { unmountExplorer(); unmountExplorer = null; }
    explorerHost.textContent = "";
    const ref = model.get("explorer");
    if (!ref) return;
    const id = String(ref).replace(/^IPY_MODEL_/, "").replace(/^anywidget:/, "");
    try {
      const child = await model.widget_manager.get_model(id);
      if (mine !== explorerToken) return;  // another protein was chosen meanwhile
      // _kernel: false in the standalone page (js/browser_page.js), whose explorer has no kernel.
      const cleanup = mountExplorer(explorerHost, child, { kernel: model.get("_kernel") !== false });
      unmountExplorer = () => { if (typeof cleanup === "function") cleanup(); explorerHost.textContent = ""; };
    } catch (error) {
      showError(explorerHost, error);
    }
  }

  function onMenu() {
    model.set("feature", menu.value);
    model.save_changes();
  }

  drawMenu();
  drawTable();
  drawStatus();
  drawChosen();
  drawExplorer();
  el.protattnBrowser = {
    summary: () => ({ feature: model.get("feature"), layer: model.get("layer"), head: model.get("head"),
                      protein: model.get("protein"), rows: table.querySelectorAll("tbody tr").length }),
    rowCenter: (protein) => {
      const tr = [...table.querySelectorAll("tbody tr")].find((r) => r.dataset.protein === protein);
      if (!tr) return null;
      const box = tr.getBoundingClientRect();
      return { x: box.left + box.width / 2, y: box.top + box.height / 2 };
    },
  };
  const cleanOwn = connect(el, model, [
    [["features", "feature", "n_proteins", "model_name", "threshold"], drawMenu],
    [["ranking", "ranking_note", "protein", "layer", "head"], drawTable],
    [["_status"], drawStatus],
    [["protein"], drawChosen],
    [["explorer"], drawExplorer],
  ], [[menu, "change", onMenu]]);
  return () => {
    cleanOwn();
    if (typeof cleanGrid === "function") cleanGrid();
    if (unmountExplorer) unmountExplorer();
    delete el.protattnBrowser;
  };
}

export default { render };
