// The proteins behind one head, ranked as protattn_widgets/analysis/per_protein.py
// ProteinCounts.ranking ranks them (pure: used by js/browser_page.js, tested in node).

/** Proteins listed per head at most (dataset_browser.py MAX_ROWS). */
export const MAX_ROWS = 200;

/**
 * The proteins behind one head, most hits first; ties by share, then input order
 * (ProteinCounts.ranking).  Only proteins with strong edges in the head, at most maxRows.
 * @param {object} counts {hits, total, topEdges, topIndex} typed arrays (proteins, nLayers, nHeads); topIndex is index + 1
 * @returns {{rows: object[], listed: number}}
 */
export function rankProteins(counts, proteins, residues, flat, nCells, maxRows = MAX_ROWS) {
  const n = proteins.length;
  const rows = [];
  let sum = 0;
  for (let p = 0; p < n; p++) sum += counts.hits[p * nCells + flat];
  for (let p = 0; p < n; p++) {
    const at = p * nCells + flat;
    const total = counts.total[at];
    if (total <= 0) continue;
    const hits = counts.hits[at];
    const index = counts.topIndex[at] - 1;
    const names = residues[p] || [];
    rows.push({
      index: p, protein: proteins[p], hits, total, share: hits / total, hits_share: sum ? hits / sum : null,
      top_residue: index >= 0 && names.length ? names[index] : "", top_residue_edges: counts.topEdges[at],
    });
  }
  rows.sort((a, b) => b.hits - a.hits || b.share - a.share || a.index - b.index);
  const listed = rows.length;
  return { rows: rows.slice(0, maxRows).map(({ index, ...row }, k) => ({ rank: k + 1, ...row })), listed };
}
