// Keyboard navigation shared by the head grid and the heatmap.

/**
 * The head an arrow key moves to: left/right change the head, up/down the layer,
 * stopping at the edges.  Returns null for keys that do not move.
 */
export function stepHead(key, layer, head, nLayers, nHeads) {
  const clamp = (v, n) => Math.min(Math.max(v, 0), n - 1);
  switch (key) {
    case "ArrowLeft": return { layer, head: clamp(head - 1, nHeads) };
    case "ArrowRight": return { layer, head: clamp(head + 1, nHeads) };
    case "ArrowUp": return { layer: clamp(layer - 1, nLayers), head };
    case "ArrowDown": return { layer: clamp(layer + 1, nLayers), head };
    default: return null;
  }
}

/** Keys a focused view or slider handles itself: they must not reach the notebook's shortcuts. */
export const NAV_KEYS = new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown",
  "+", "=", "-", "_"]);  // + / - zoom the sequence track

/** Class marking an element whose focused descendants keep ``NAV_KEYS`` (views, the explorer box). */
export const KEYS_CLASS = "protattn-keys";

/**
 * Keep arrow keys etc. pressed inside a ``.protattn-keys`` element away from JupyterLab /
 * Notebook 7 command shortcuts (which move the cell cursor and swallow the key).
 *
 * Lumino matches shortcuts in a document-level listener (capture phase in Notebook 7) that
 * skips any target under an element with ``data-lm-suppress-shortcuts``; a listener on the
 * window's capture phase runs before it and marks the focused element for that one event.
 * Installed once per window; returns true when it installed the listener.
 */
export function guardShortcuts(win = typeof window !== "undefined" ? window : null) {
  if (!win || win.__protattnKeyGuard) return false;
  win.__protattnKeyGuard = true;
  win.addEventListener("keydown", (event) => {
    const target = event.target;
    if (!NAV_KEYS.has(event.key) || !target || typeof target.closest !== "function") return;
    if (!target.closest(`.${KEYS_CLASS}`) || target.hasAttribute("data-lm-suppress-shortcuts")) return;
    target.setAttribute("data-lm-suppress-shortcuts", "");
    win.setTimeout(() => target.removeAttribute("data-lm-suppress-shortcuts"), 0);
  }, true);
  return true;
}

/**
 * The residue a key selects: left/right step the selection by one, Home/End go to the ends
 * (with none selected, right and Home start at the first residue, left and End at the last).
 * Returns undefined for keys that do not select.
 */
export function stepResidue(key, selected, n) {
  if (!(n > 0)) return undefined;
  const none = selected == null || selected < 0;
  switch (key) {
    case "ArrowLeft": return none ? n - 1 : Math.max(selected - 1, 0);
    case "ArrowRight": return none ? 0 : Math.min(selected + 1, n - 1);
    case "Home": return 0;
    case "End": return n - 1;
    default: return undefined;
  }
}
