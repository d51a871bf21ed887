// The standalone explorer page (AttentionExplorer.to_html): no kernel, no network.
//
// protattn_widgets/widgets/standalone.py writes one HTML file holding this bundle and a JSON
// script tag (#protattn-data): the explorer's traits as the kernel would sync them (binary ones
// in one compressed blob) and every embedded head.  The page shows the SAME front-end as the
// notebook (explorer.js, mountExplorer) on an in-page model (lib/page_model.js); this file is
// only its data source, playing the kernel's part: when layer, head, threshold or mode change
// it sets the traits the kernel would compute for them, from the embedded heads.
//
// The same bundle runs the dataset browser's page (js/browser_page.js) when the page holds
// #protattn-browser-data instead.
// For tests and tooling: window.protattnPage (model, state, update(patch)).

import { startBrowserPage } from "./browser_page.js";
import { mountExplorer } from "./explorer.js";
import { showError } from "./lib/dom.js";
import { decodeArrays } from "./lib/page_data.js";
import { PageSource } from "./lib/page_source.js";

export { PageSource };

async function start() {
  const root = document.getElementById("protattn-app") || document.body;
  // The dataset browser's page (protattn analyze --browse) runs the same bundle.
  if (document.getElementById("protattn-browser-data")) return startBrowserPage(root);
  try {
    const data = JSON.parse(document.getElementById("protattn-data").textContent);
    const arrays = await decodeArrays(data);
    const source = new PageSource(data, arrays);
    root.textContent = "";
    mountExplorer(root, source.model, { kernel: false });
    window.protattnPage = {
      model: source.model,
      source,
      get state() { return source.state; },
      update: (patch) => { for (const [k, v] of Object.entries(patch)) source.model.set(k, v); return source.update(patch); },
      loaded: true,
    };
  } catch (error) {
    showError(root, error);
    console.error("protattn:", error);
  }
}

if (typeof document !== "undefined") {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
}
