// The ES module of the two widgets that show NGL: AttentionExplorer and StructureAttentionView
// (one module, so that one copy of NGL's text ships in the package; see lib/ngl_loader.js).
import explorer from "./explorer.js";
import structureView from "./structure_view.js";

function render(context) {
  const view = context.model.get("_protattn_view") === "explorer" ? explorer : structureView;
  return view.render(context);
}

export default { render };
