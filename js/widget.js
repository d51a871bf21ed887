// The ES module of the widgets that show NGL: AttentionExplorer, StructureAttentionView and the
// DatasetBrowser (which mounts explorers); one module, so that one copy of NGL's text ships in the
// package (see lib/ngl_loader.js).
import datasetBrowser from "./dataset_browser.js";
import explorer from "./explorer.js";
import structureView from "./structure_view.js";

const VIEWS = { explorer, browser: datasetBrowser };

function render(context) {
  const view = VIEWS[context.model.get("_protattn_view")] || structureView;
  return view.render(context);
}

export default { render };
