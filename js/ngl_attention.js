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
//   _pa_label        str          caption shown in the corner
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
      { other_color: 0xd9d9d9, highlight_color: "#e7298a", min_radius: 0.15, max_radius: 0.6 },
      model.get("_pa_style") || {}
    );
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

    const other = style().other_color;
    state.schemeId = N.ColormakerRegistry.addScheme(function () {
      this.atomColor = function (atom) {
        const i = state.residueOf[atom.residueIndex];
        return i >= 0 ? state.colors[i] : other;
      };
    }, "protattn-received");
    const model_sele = "/" + modelIndex;
    state.cartoon = component.addRepresentation("cartoon", {
      name: "protattn-cartoon", sele: "polymer and " + model_sele, color: state.schemeId,
    });
    component.addRepresentation("ball+stick", {
      name: "protattn-ligands", sele: "ligand and " + model_sele,
    });
    state.highlight = component.addRepresentation("ball+stick", {
      name: "protattn-selected", sele: "NONE", color: style().highlight_color,
      radiusScale: 2.0, multipleBond: "off",
    });
    // The view was loaded without nglview's default representation, hence without its autoView.
    component.autoView(model_sele);
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
    const position1 = new Float32Array(3 * k);
    const position2 = new Float32Array(3 * k);
    const color = new Float32Array(3 * k);
    const radius = new Float32Array(k);
    for (let e = 0; e < k; e++) {
      const i = pairs[2 * e], j = pairs[2 * e + 1], q = weights[e];
      for (let d = 0; d < 3; d++) {
        position1[3 * e + d] = ca[3 * i + d];
        position2[3 * e + d] = ca[3 * j + d];
      }
      const hex = cmap[q];
      color[3 * e] = ((hex >> 16) & 255) / 255;
      color[3 * e + 1] = ((hex >> 8) & 255) / 255;
      color[3 * e + 2] = (hex & 255) / 255;
      radius[e] = s.min_radius + (s.max_radius - s.min_radius) * (q / 255);
    }
    // The buffer goes straight to the viewer, not into a new stage component:
    // adding/removing components makes nglview sync component counts and
    // representation dicts back to the kernel on every update.
    if (state.edgeBuffer) {
      stage.viewer.remove(state.edgeBuffer);
      state.edgeBuffer.dispose();
      state.edgeBuffer = null;
    }
    if (k > 0) {
      state.edgeBuffer = new N.CylinderBuffer(
        { position1: position1, position2: position2, color: color, color2: color, radius: radius },
        { radialSegments: 12, disableImpostor: false }
      );
      stage.viewer.add(state.edgeBuffer);
    }
    state.nEdges = k;
    state.drawnEdges += 1;
    state.edgeChecksum = fnv1a([pairBytes, weights], [4 * k, k]);
  }

  function colorResidues() {
    const received = bytesOf(model.get("_pa_received"));
    const cmap = colormapHex(1);
    for (let i = 0; i < state.colors.length; i++) state.colors[i] = cmap[received[i] || 0];
    state.cartoon.update({ color: true });
  }

  function highlight() {
    const i = model.get("_pa_selected");
    const atoms = i >= 0 && i < state.atomsOf.length ? state.atomsOf[i] : [];
    if (atoms.length) {
      state.highlight.setSelection("@" + atoms.join(","));
      state.highlight.setVisibility(true);
    } else {
      state.highlight.setVisibility(false);
      state.highlight.setSelection("NONE");
    }
  }

  const label = document.createElement("div");
  label.className = "protattn-label";
  label.style.cssText =
    "position:absolute;bottom:6px;left:8px;padding:1px 6px;font:12px sans-serif;" +
    "background:rgba(255,255,255,0.75);pointer-events:none;z-index:10;";
  (view.$container ? view.$container[0] : el).appendChild(label);
  function drawLabel() {
    label.textContent = model.get("_pa_label") || "";
  }

  function redraw(changed) {
    if (!state.component) return;
    const all = !changed;
    if (all || changed.edges) drawEdges();
    if (all || changed.received) colorResidues();
    if (all || changed.selected) highlight();
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
      edges: model.hasChanged("_pa_edges") || model.hasChanged("_pa_weights") || model.hasChanged("_pa_ca"),
      received: model.hasChanged("_pa_received") || model.hasChanged("_pa_colormaps"),
      selected: model.hasChanged("_pa_selected"),
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
