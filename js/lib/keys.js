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
