// Attention drawing for one nglview NGLView, driven by its model's `_pa_*` traits.
//
// Sent by StructureAttentionView through nglview's own `executeCode` call and run
// there with eval: `this` is the NGLView, `NGL` the NGL module of nglview's bundle.
// The standalone page (js/standalone.js) runs this same text with `this` = a view of its
// own ({stage, model, el, listenTo}) and its bundled NGL: one drawing implementation.
// Python never sends drawing commands after this: it changes the model's binary
// `_pa_*` traits (one widget "update" message per change) and this code redraws.
//
// Traits read (set by protattn_widgets/widgets/structure_view.py):
//   _pa_chain        str          chain id whose residues the indices below refer to
//   _pa_model_index  int          structure model shown (NGL "/n")
//   _pa_residue_keys [str] (L)    NGL residue keys "resno" or "resno^inscode", in order
//   _pa_ca           bytes        float32 (L, 3) CA coordinates, NaN where missing
//   _pa_colormaps    bytes        uint8 (2, 256, 3): edge colours, residue colours
//   _pa_style        {...}        radii and fixed colours
//   _pa_edges        bytes        uint16 (k, 2) residue index pairs, strongest first
//   _pa_weights      bytes        uint8 (k,) edge weight * 255
//   _pa_received     bytes        uint8 (L,) attention received / its maximum * 255
//   _pa_selected     int          selected residue index, -1 for none
//   _pa_label        str          caption shown in the corner (edge count, cap, 0-edge hint)
//   _pa_residue_labels [str] (L) e.g. "TYR 52A": the selected residue's 3D label, hover text
//   _pa_residue_stats bytes       float32 (3, L): attention received (column sum), the residue
//                                 it attends to most (row argmax, as a float) and that weight
//   _pa_chains       [{id, label, color, attention}]  one colour per chain, the legend's lines
//   _pa_threshold    float        the threshold (edge legend)
//   _pa_directed     bool         edges are i -> j (row attends to column): drawn as arrows
//   _pa_focus        bool         draw only the selected residue's edges (the "focus" button sets it)
(function (view, N) {
  "use strict";
  if (!view || !view.stage || !N) {
    console.warn("protattn: NGL stage not available; attention overlay not drawn");
    return;
  }
  const el = view.el;
  if (el.protattn) {
    el.protattn.redraw();
    return;
  }
  const model = view.model;
  const stage = view.stage;
  const state = {
    component: null,   // the structure component
    cartoon: null,
    highlight: null,
    edgeBuffer: null,  // one CylinderBuffer for all edges, replaced per update
    arrowBuffer: null, // directed mode: one ConeBuffer of arrow heads
    residueOf: null,   // Int32Array: NGL residue index -> our residue index or -1
    atomsOf: [],       // our residue index -> NGL atom indices
    caAtomOf: [],      // our residue index -> NGL atom index of CA or -1
    colors: null,      // Uint32Array: our residue index -> 0xRRGGBB
    schemeId: null,
    nEdges: 0,
    updates: 0,        // redraw() calls: every model change, nglview's own traits too
    drawnEdges: 0,     // drawEdges() calls: the edge buffer was rebuilt
    edgeChecksum: 0,   // FNV-1a 32 of the drawn pair bytes (uint16 LE) then weight bytes (uint8)
    renders: 0,        // NGL frames drawn to the screen (picking renders not counted)
    paintedUpdate: -1, // `updates` at the last screen frame drawn with no NGL build pending
  };

  function bytesOf(value) {
    if (!value) return new Uint8Array(0);
    if (value instanceof DataView || ArrayBuffer.isView(value)) {
      return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    }
    if (value instanceof ArrayBuffer) return new Uint8Array(value);
    return new Uint8Array(0);
  }
  // Typed views need aligned offsets: copy (these arrays are small).
  function typed(Type, name) {
    const u8 = bytesOf(model.get(name));
    return new Type(u8.slice().buffer);
  }
  function colormapHex(which) {
    const u8 = bytesOf(model.get("_pa_colormaps"));
    const out = new Uint32Array(256);
    for (let q = 0; q < 256; q++) {
      const o = (which * 256 + q) * 3;
      out[q] = (u8[o] << 16) | (u8[o + 1] << 8) | u8[o + 2];
    }
    return out;
  }
  function style() {
    return Object.assign(
      { other_color: 0xd9d9d9, highlight_color: "#e7298a", min_radius: 0.15, max_radius: 0.6,
        ligand_color: "#5f6b7a", max_edges: 0 },
      model.get("_pa_style") || {}
    );
  }
  function hexNumber(color) {
    return typeof color === "number" ? color : parseInt(String(color).replace("#", ""), 16);
  }

  function setup(component) {
    state.component = component;
    const structure = component.structure;
    const chain = model.get("_pa_chain");
    const modelIndex = model.get("_pa_model_index") || 0;
    const keys = model.get("_pa_residue_keys") || [];
    const indexOfKey = new Map(keys.map((key, i) => [key, i]));
    state.residueOf = new Int32Array(structure.residueStore.count).fill(-1);
    state.atomsOf = keys.map(() => []);
    state.caAtomOf = keys.map(() => -1);
    state.colors = new Uint32Array(keys.length);
    structure.eachResidue(function (rp) {
      if (rp.chainname !== chain) return;
      const key = rp.inscode ? rp.resno + "^" + rp.inscode : String(rp.resno);
      const i = indexOfKey.get(key);
      if (i === undefined) return;
      state.residueOf[rp.index] = i;
      rp.eachAtom(function (ap) {
        state.atomsOf[i].push(ap.index);
        if (ap.atomname === "CA" && state.caAtomOf[i] < 0) state.caAtomOf[i] = ap.index;
      });
    }, new N.Selection("/" + modelIndex));

    const other = hexNumber(style().other_color);
    // One colour per chain (colour-blind safe, from Python); the attention chain by attention received.
    const chainColor = new Map((model.get("_pa_chains") || []).map((c) => [c.id, hexNumber(c.color)]));
    state.schemeId = N.ColormakerRegistry.addScheme(function () {
      this.atomColor = function (atom) {
        const i = state.residueOf[atom.residueIndex];
        if (i >= 0) return state.colors[i];
        const c = chainColor.get(atom.chainname);
        return c === undefined ? other : c;
      };
    }, "protattn-received");
    const model_sele = "/" + modelIndex;
    state.modelSele = model_sele;
    state.cartoon = component.addRepresentation("cartoon", {
      name: "protattn-cartoon", sele: "polymer and " + model_sele, color: state.schemeId,
    });
    // Ligands as small spheres of one slate colour: never mistaken for the (cylinder) edges.
    component.addRepresentation("spacefill", {
      name: "protattn-ligands", sele: "(ligand or ion) and not water and " + model_sele,
      color: style().ligand_color, radiusScale: 0.45,
    });
    state.highlight = component.addRepresentation("spacefill", {
      name: "protattn-selected", sele: "NONE", color: style().highlight_color, radiusScale: 0.9,
    });
    state.selectedLabel = component.addRepresentation("label", {
      name: "protattn-selected-label", sele: "NONE", labelType: "text", labelText: {},
      color: "#111111", showBackground: true, backgroundColor: "#ffffff", backgroundOpacity: 0.85,
      fixedSize: true, radiusType: "size", radiusSize: 2.6, zOffset: 8, attachment: "bottom-center",
      fontWeight: "bold", depthWrite: false,
    });
    // Picking selects without moving the camera, and NGL's own atom tooltip gives way to ours.
    if (stage.mouseControls) {
      stage.mouseControls.remove("clickPick-left");
      stage.mouseControls.remove("hoverPick");
    }
    if (view.$pickingInfo && view.$pickingInfo.hide) view.$pickingInfo.hide();  // nglview's fixed "Atom: ..." text
    stage.signals.hovered.add(onHover);
    drawLegend();
    // The view was loaded without nglview's default representation, hence without its autoView.
    // A view not laid out yet (no size) would frame nothing: the resize observer frames it later.
    frame();
    redraw();
  }

  // FNV-1a (32 bit) over byte arrays in turn, first `counts[n]` bytes of each: a cheap
  // fingerprint of what was drawn that tests recompute from the kernel's `_pa_*` bytes.
  function fnv1a(arrays, counts) {
    let h = 0x811c9dc5;
    for (let a = 0; a < arrays.length; a++) {
      const u8 = arrays[a];
      for (let b = 0; b < counts[a]; b++) h = Math.imul(h ^ u8[b], 0x01000193);
    }
    return h >>> 0;
  }

  function drawEdges() {
    const pairBytes = bytesOf(model.get("_pa_edges"));
    const pairs = new Uint16Array(pairBytes.slice(0, pairBytes.length & ~1).buffer);
    const weights = bytesOf(model.get("_pa_weights"));
    const ca = typed(Float32Array, "_pa_ca");
    const cmap = colormapHex(0);
    const s = style();
    const k = Math.min(weights.length, pairs.length >> 1);
    const directed = !!model.get("_pa_directed");
    const selected = model.get("_pa_selected");
    const focus = !!model.get("_pa_focus") && selected >= 0;
    // Directed edges are arrows i -> j: a shaft to SHAFT of the way, then a cone to the CA of j.
    const SHAFT = 0.68;
    const kept = [];
    for (let e = 0; e < k; e++) {
      if (focus && pairs[2 * e] !== selected && pairs[2 * e + 1] !== selected) continue;
      kept.push(e);
    }
    const m = kept.length;
    const position1 = new Float32Array(3 * m);
    const position2 = new Float32Array(3 * m);
    const color = new Float32Array(3 * m);
    const radius = new Float32Array(m);
    const tip1 = directed ? new Float32Array(3 * m) : null;
    const tip2 = directed ? new Float32Array(3 * m) : null;
    const tipRadius = directed ? new Float32Array(m) : null;
    for (let n = 0; n < m; n++) {
      const e = kept[n];
      const i = pairs[2 * e], j = pairs[2 * e + 1], q = weights[e];
      for (let d = 0; d < 3; d++) {
        const a = ca[3 * i + d], b = ca[3 * j + d];
        position1[3 * n + d] = a;
        position2[3 * n + d] = directed ? a + SHAFT * (b - a) : b;
        if (directed) {
          tip1[3 * n + d] = a + SHAFT * (b - a);
          tip2[3 * n + d] = a + 0.97 * (b - a);
        }
      }
      const hex = cmap[q];
      color[3 * n] = ((hex >> 16) & 255) / 255;
      color[3 * n + 1] = ((hex >> 8) & 255) / 255;
      color[3 * n + 2] = (hex & 255) / 255;
      radius[n] = s.min_radius + (s.max_radius - s.min_radius) * (q / 255);
      if (directed) tipRadius[n] = Math.max(2.4 * radius[n], 0.5);
    }
    // The buffers go straight to the viewer, not into a new stage component:
    // adding/removing components makes nglview sync component counts and
    // representation dicts back to the kernel on every update.
    for (const buffer of [state.edgeBuffer, state.arrowBuffer]) {
      if (!buffer) continue;
      stage.viewer.remove(buffer);
      buffer.dispose();
    }
    state.edgeBuffer = state.arrowBuffer = null;
    if (m > 0) {
      state.edgeBuffer = new N.CylinderBuffer(
        { position1: position1, position2: position2, color: color, color2: color, radius: radius },
        { radialSegments: 12, disableImpostor: false }
      );
      stage.viewer.add(state.edgeBuffer);
      if (directed && N.ConeBuffer) {
        state.arrowBuffer = new N.ConeBuffer(
          { position1: tip1, position2: tip2, color: color, radius: tipRadius }, { radialSegments: 16 });
        stage.viewer.add(state.arrowBuffer);
      }
    }
    state.nEdges = m;
    state.arrows = directed && m > 0 && !!state.arrowBuffer ? m : 0;
    drawEdgeLegend(directed, focus);
    state.drawnEdges += 1;
    state.edgeChecksum = fnv1a([pairBytes, weights], [4 * k, k]);
  }

  function colorResidues() {
    const received = bytesOf(model.get("_pa_received"));
    const cmap = colormapHex(1);
    for (let i = 0; i < state.colors.length; i++) state.colors[i] = cmap[received[i] || 0];
    state.cartoon.update({ color: true });
  }

  function residueName(i) {
    const names = model.get("_pa_residue_labels") || [];
    const chain = model.get("_pa_chain");
    return `${chain} ${names[i] || (model.get("_pa_residue_keys") || [])[i] || i + 1}`;
  }

  function highlight() {
    const i = model.get("_pa_selected");
    const atoms = i >= 0 && i < state.atomsOf.length ? state.atomsOf[i] : [];
    if (atoms.length) {
      state.highlight.setSelection("@" + atoms.join(","));
      state.highlight.setVisibility(true);
      const anchor = state.caAtomOf[i] >= 0 ? state.caAtomOf[i] : atoms[0];
      state.selectedLabel.setParameters({ labelText: { [anchor]: residueName(i) } });
      state.selectedLabel.setSelection("@" + anchor);
      state.selectedLabel.setVisibility(true);
    } else {
      state.highlight.setVisibility(false);
      state.highlight.setSelection("NONE");
      state.selectedLabel.setVisibility(false);
      state.selectedLabel.setSelection("NONE");
    }
    buttons.centre.disabled = !atoms.length;
    buttons.focus.disabled = !atoms.length;
  }

  // -- the overlay: caption, chain legend, edge legend, buttons, hover tooltip -------------
  const host = view.$container ? view.$container[0] : el;
  if (host.style && !host.style.position) host.style.position = "relative";
  const overlayCss = "position:absolute;font:12px sans-serif;color:#222;z-index:10;";
  const panel = "background:rgba(255,255,255,0.82);border-radius:3px;padding:2px 6px;";
  function box(className, css, parent = host) {
    const d = document.createElement("div");
    d.className = className;
    d.style.cssText = overlayCss + css;
    parent.appendChild(d);
    return d;
  }
  const label = box("protattn-label", "bottom:6px;left:8px;right:8px;pointer-events:none;" + panel);
  const chainLegend = box("protattn-chain-legend", "top:6px;left:8px;pointer-events:none;line-height:1.5;" + panel);
  const edgeLegend = box("protattn-edge-legend", "bottom:32px;right:8px;pointer-events:none;width:150px;" + panel);
  const toolbar = box("protattn-toolbar", "top:6px;right:8px;display:flex;gap:4px;");
  const tooltip = box("protattn-ngl-tooltip", "display:none;pointer-events:none;z-index:20;max-width:min(300px,calc(100% - 16px));" +
    "background:rgba(255,255,255,0.95);border:1px solid #bbb;border-radius:3px;padding:2px 6px;");
  function button(name, text, title, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "protattn-ngl-button protattn-" + name;
    b.textContent = text;
    b.title = title;
    b.setAttribute("aria-label", title);
    b.style.cssText = "font:12px sans-serif;padding:1px 7px;border:1px solid #aaa;border-radius:3px;" +
      "background:#fff;cursor:pointer;";
    b.addEventListener("click", (event) => { event.stopPropagation(); onClick(); });
    toolbar.appendChild(b);
    return b;
  }
  const buttons = {
    focus: button("focus", "focus", "Show only the selected residue's edges", () => {
      model.set("_pa_focus", !model.get("_pa_focus"));
      if (model.save_changes) model.save_changes();
    }),
    centre: button("centre", "centre", "Centre the view on the selected residue", () => centreOnSelection()),
    reset: button("reset", "reset view", "Show the whole structure again", () => resetView()),
  };
  function centreOnSelection() {
    const i = model.get("_pa_selected");
    const atoms = i >= 0 && i < state.atomsOf.length ? state.atomsOf[i] : [];
    if (!state.component || !atoms.length) return;
    // Frame the residue with its edge partners (or its sequence neighbours): centred, and not
    // zoomed in on one residue.
    const pairs = new Uint16Array(bytesOf(model.get("_pa_edges")).slice().buffer);
    const around = new Set([i]);
    for (let d = -4; d <= 4; d++) if (i + d >= 0 && i + d < state.atomsOf.length) around.add(i + d);
    for (let e = 0; e + 1 < pairs.length; e += 2) {
      if (pairs[e] === i) around.add(pairs[e + 1]);
      else if (pairs[e + 1] === i) around.add(pairs[e]);
    }
    const sele = [...around].flatMap((r) => state.atomsOf[r] || []);
    state.component.autoView("@" + sele.join(","), 400);
    state.centred = (state.centred || 0) + 1;
  }
  function cameraKey() {
    // Rotation, position and zoom of the camera (not the canvas size).
    return stage.viewerControls ? Array.from(stage.viewerControls.getOrientation().elements).join(",") : "";
  }
  function frame() {
    state.component.autoView(state.modelSele);
    state.framedAt = cameraKey();
  }
  function resetView() {
    if (!state.component) return;
    state.component.autoView(state.modelSele, 300);
    state.resets = (state.resets || 0) + 1;
  }
  function drawLabel() {
    label.textContent = model.get("_pa_label") || "";
    const focused = !!model.get("_pa_focus");
    buttons.focus.setAttribute("aria-pressed", focused ? "true" : "false");
    buttons.focus.style.background = focused ? "#fde0ef" : "#fff";
    buttons.focus.style.fontWeight = focused ? "bold" : "normal";
  }
  function drawLegend() {
    chainLegend.textContent = "";
    const chains = model.get("_pa_chains") || [];
    const blues = colormapHex(1);
    const css = (h) => "#" + h.toString(16).padStart(6, "0");
    for (const c of chains) {
      const line = document.createElement("div");
      line.className = "protattn-chain" + (c.attention ? " protattn-attention-chain" : "");
      const chip = document.createElement("span");
      chip.style.cssText = "display:inline-block;width:14px;height:10px;margin-right:5px;vertical-align:middle;" +
        "border:1px solid #777;" + (c.attention
          ? `background:linear-gradient(90deg,${css(blues[0])},${css(blues[255])});`
          : `background:${c.color};`);
      line.appendChild(chip);
      line.appendChild(document.createTextNode(c.label));
      if (c.attention) line.style.fontWeight = "bold";
      chainLegend.appendChild(line);
    }
    if (state.component && state.component.structure) {
      const ligands = state.component.structure.getView(new N.Selection("(ligand or ion) and not water and " + state.modelSele));
      if (ligands.atomCount > 0) {
        const line = document.createElement("div");
        line.className = "protattn-chain protattn-ligand-legend";
        const dot = document.createElement("span");
        dot.style.cssText = "display:inline-block;width:10px;height:10px;border-radius:50%;margin:0 7px 0 2px;" +
          `vertical-align:middle;background:${style().ligand_color};`;
        line.appendChild(dot);
        line.appendChild(document.createTextNode("ligands"));
        chainLegend.appendChild(line);
      }
    }
    chainLegend.style.display = chainLegend.childNodes.length ? "block" : "none";
  }
  function drawEdgeLegend(directed, focus) {
    const cmap = colormapHex(0);
    const t = Number(model.get("_pa_threshold") || 0);
    const stops = [0, 64, 128, 192, 255].map((q) => "#" + cmap[q].toString(16).padStart(6, "0")).join(",");
    edgeLegend.textContent = "";
    const title = document.createElement("div");
    title.textContent = directed ? "edge i \u2192 j: i attends to j" : "edge weight (colour, width)";
    const bar = document.createElement("div");
    bar.className = "protattn-edge-scale";
    // A wedge: the edge gets wider as well as darker with its weight.
    bar.style.cssText = `height:9px;margin:2px 0;background:linear-gradient(90deg,${stops});` +
      "clip-path:polygon(0 70%,100% 0,100% 100%,0 100%);";
    const ticks = document.createElement("div");
    ticks.style.cssText = "display:flex;justify-content:space-between;font-size:11px;";
    for (const text of [t.toFixed(2), "1.00"]) {
      const span = document.createElement("span");
      span.textContent = text;
      ticks.appendChild(span);
    }
    edgeLegend.append(title, bar, ticks);
    if (focus) {
      const note = document.createElement("div");
      note.textContent = `focus: ${residueName(model.get("_pa_selected"))} only`;
      edgeLegend.appendChild(note);
    }
  }

  // The pointer's position in the overlay, for the hover tooltip.
  const pointer = { x: 0, y: 0 };
  host.addEventListener("mousemove", (event) => {
    const b = host.getBoundingClientRect();
    pointer.x = event.clientX - b.left;
    pointer.y = event.clientY - b.top;
  });
  host.addEventListener("mouseleave", () => { tooltip.style.display = "none"; });
  function hoverText(atom) {
    const i = state.residueOf[atom.residueIndex];
    const resno = atom.inscode ? `${atom.resno}${atom.inscode}` : String(atom.resno);
    const chains = model.get("_pa_chains") || [];
    const chain = chains.find((c) => c.id === atom.chainname);
    if (i === undefined || i < 0) {
      const what = chain ? chain.label : (atom.isPolymer && atom.isPolymer() ? `chain ${atom.chainname}` : "ligand");
      return `${atom.chainname} ${atom.resname} ${resno} (author id) \u00b7 ${what}`;
    }
    const stats = typed(Float32Array, "_pa_residue_stats");
    const n = state.colors.length;
    let text = `${atom.chainname} ${atom.resname} ${resno} (author id; residue ${i + 1} of ${n})`;
    if (stats.length >= 3 * n) {
      const received = stats[i], target = Math.round(stats[n + i]), weight = stats[2 * n + i];
      text += ` \u00b7 receives ${received.toFixed(2)}`;
      if (target >= 0 && target < n) text += ` \u00b7 gives most to ${residueName(target)} (${weight.toFixed(2)})`;
    }
    return text;
  }
  function onHover(picked) {
    const atom = picked && (picked.atom || (picked.bond && picked.bond.atom1));
    if (!atom) {
      tooltip.style.display = "none";
      return;
    }
    tooltip.textContent = hoverText(atom);
    tooltip.style.display = "block";
    const maxX = (host.clientWidth || 400) - tooltip.offsetWidth - 4;
    tooltip.style.left = `${Math.max(0, Math.min(pointer.x + 12, maxX))}px`;
    tooltip.style.top = `${Math.max(0, pointer.y + 14)}px`;
    state.hovers = (state.hovers || 0) + 1;
  }

  // The user may resize the view (CSS resize on the explorer's `.protattn-structure-box`, or
  // the page's box): the view takes the box's height and NGL follows.
  if (typeof ResizeObserver !== "undefined") {
    const box = el.closest ? el.closest(".protattn-structure-box") : null;
    let size = "";
    new ResizeObserver(() => {
      if (box && box.clientHeight > 0 && box.clientWidth > 0) {
        // nglview fixes its size on the view and on the stage's container: both follow the box.
        // (Pixel sizes, never "100%": an NGL viewer that starts 0 px wide never picks again.)
        const w = `${box.clientWidth}px`, h = `${box.clientHeight}px`;
        for (const node of new Set([el, host, stage.viewer.container])) {
          if (!node || !node.style || node === box) continue;  // the box itself: clientWidth excludes its border, a shrinking loop
          if (node.style.height !== h) node.style.height = h;
          if (node.style.width !== w) node.style.width = w;
        }
      }
      const now = `${el.clientWidth}x${el.clientHeight}`;
      if (now !== size && el.clientWidth > 0 && el.clientHeight > 0) {
        size = now;
        stage.handleResize();
        // Until the user turns or zooms, a new size frames the structure again.
        if (state.component && state.framedAt === cameraKey()) frame();
      }
    }).observe(box || el);
  }

  function redraw(changed) {
    if (!state.component) return;
    const all = !changed;
    if (all || changed.edges || (changed.selected && model.get("_pa_focus"))) drawEdges();
    if (all || changed.received) colorResidues();
    if (all || changed.selected) highlight();
    if (all || changed.chains) drawLegend();
    drawLabel();
    state.updates += 1;
    stage.viewer.requestRender();
  }

  // A frame on screen that shows every redraw so far: no representation (re)build pending.
  stage.viewer.signals.rendered.add(function () {
    if (stage.viewer.lastRenderedPicking) return;
    state.renders += 1;
    if (!stage.tasks || stage.tasks.count === 0) state.paintedUpdate = state.updates;
  });

  view.listenTo(model, "change", function () {
    redraw({
      edges: ["_pa_edges", "_pa_weights", "_pa_ca", "_pa_directed", "_pa_focus", "_pa_threshold"].some((t) => model.hasChanged(t)),
      received: model.hasChanged("_pa_received") || model.hasChanged("_pa_colormaps"),
      selected: model.hasChanged("_pa_selected"),
      chains: model.hasChanged("_pa_chains"),
    });
  });

  el.protattn = {
    stage: stage,
    redraw: function () { redraw(); },
    // For tests and tooling: where residue i's CA is on the canvas (CSS px, canvas-relative).
    screenPosition: function (i) {
      const index = state.caAtomOf[i];
      if (!state.component || index === undefined || index < 0) return null;
      const atom = state.component.structure.getAtomProxy(index);
      const v = atom.positionToVector3().applyMatrix4(state.component.matrix);
      const p = stage.viewerControls.getPositionOnCanvas(v);
      return [p.x, stage.viewer.height - p.y];
    },
    // Our residue index of an NGL atom (a picked one), -1 for atoms of other chains or models.
    residueOfAtom: function (atomIndex) {
      if (!state.component) return -1;
      const i = state.residueOf[state.component.structure.getAtomProxy(atomIndex).residueIndex];
      return i === undefined ? -1 : i;
    },
    summary: function () {
      return {
        ready: !!state.component, edges: state.nEdges, updates: state.updates,
        drawnEdges: state.drawnEdges, edgeChecksum: state.edgeChecksum, renders: state.renders,
        // NGL has drawn a frame since the last redraw, with no representation build pending.
        painted: !!state.component && state.paintedUpdate === state.updates,
        selected: model.get("_pa_selected"), mappedResidues: state.atomsOf.filter((a) => a.length).length,
        arrows: state.arrows || 0, focus: !!model.get("_pa_focus"), hovers: state.hovers || 0,
        centred: state.centred || 0, resets: state.resets || 0,
        tooltip: tooltip.style.display === "block" ? tooltip.textContent : null,
        legend: chainLegend.textContent, edgeLegend: edgeLegend.textContent,
        selectedLabelVisible: !!(state.selectedLabel && state.selectedLabel.getVisibility()),
        // The camera as NGL's orientation matrix (rotation, centre and zoom), for "did it move".
        cameraPosition: stage.viewerControls ? Array.from(stage.viewerControls.getOrientation().elements) : null,
      };
    },
  };

  const existing = stage.compList.find((c) => c.type === "structure");
  if (existing) {
    setup(existing);
  } else {
    const onAdded = function (component) {
      if (component.type !== "structure") return;
      stage.signals.componentAdded.remove(onAdded);
      setup(component);
    };
    stage.signals.componentAdded.add(onAdded);
  }
})(this, typeof NGL !== "undefined" ? NGL : window.NGL);
