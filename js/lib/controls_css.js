// The look of our buttons, menus and number boxes, set by us rather than left to the host page.
//
// marimo copies its own style sheets into each widget's shadow root, Tailwind's reset among them
// (`border-width: 0`, transparent backgrounds on buttons and selects), so a control styled by the
// browser's defaults alone loses its border there.  Every view puts these rules (scoped to its
// root class) in its own <style>, inside its root: they apply in a shadow root and in a plain page
// alike, and the controls look the same in JupyterLab, Notebook 7, Voila, marimo and the
// standalone page.

/** CSS rules for the controls under ``scope`` (a selector such as ".protattn-explorer"). */
export function controlsCss(scope) {
  const s = (sel) => sel.split(",").map((x) => `${scope} ${x.trim()}`).join(", ");
  return `
${s("button, select, input[type=number], input[type=text]")} { font: 12px sans-serif; color: #222; margin: 0;
  border: 1px solid #8f8f8f; border-style: solid; border-radius: 3px; box-sizing: border-box; line-height: normal; }
${s("button")} { background: #f4f4f4; padding: 1px 7px; cursor: pointer; }
${s("button:hover:not(:disabled)")} { background: #e6e6e6; }
${s("button:disabled")} { color: #999; border-color: #c4c4c4; background: #fafafa; cursor: default; }
${s("select")} { background: #fff; padding: 1px 2px; cursor: pointer; }
${s("input[type=number], input[type=text]")} { background: #fff; padding: 1px 4px; }
${s("button:focus-visible, select:focus-visible, input:focus-visible")} { outline: 2px solid #9ecae1; outline-offset: 1px; }
`;
}
