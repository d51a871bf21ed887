var protattnNglview = (() => {
  var __defProp = Object.defineProperty;
  var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
  var __getOwnPropNames = Object.getOwnPropertyNames;
  var __hasOwnProp = Object.prototype.hasOwnProperty;
  var __export = (target, all) => {
    for (var name in all)
      __defProp(target, name, { get: all[name], enumerable: true });
  };
  var __copyProps = (to, from, except, desc) => {
    if (from && typeof from === "object" || typeof from === "function") {
      for (let key of __getOwnPropNames(from))
        if (!__hasOwnProp.call(to, key) && key !== except)
          __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
    }
    return to;
  };
  var __toCommonJS = (mod) => __copyProps(__defProp({}, "__esModule", { value: true }), mod);

  // js/nglview_overlay.js
  var nglview_overlay_exports = {};
  __export(nglview_overlay_exports, {
    draw: () => draw
  });

  // js/lib/format.js
  var WEIGHT_DECIMALS = 3;
  function formatWeight(value, step = 0) {
    const v = Number(value);
    if (!Number.isFinite(v)) return "n/a";
    const half = step > 0 ? step / 2 : 0;
    if (half > 0 && v < half) {
      const unit = 10 ** -WEIGHT_DECIMALS;
      if (half >= unit / 2) return `< ${(Math.ceil(half / unit) * unit).toFixed(WEIGHT_DECIMALS)}`;
    }
    return v.toFixed(WEIGHT_DECIMALS);
  }
  var STRONG_EDGES = "strong edges i\u2192j";
  function formatThreshold(value) {
    const v = Number(value);
    if (!Number.isFinite(v)) return String(value);
    return String(Number(v.toPrecision(4)));
  }

  // js/lib/ngl_overlay.js
  var LEGEND_MAX_CHAINS = 8;
  function captionText({
    head,
    shown,
    total,
    threshold,
    cap,
    directed,
    focusName,
    focusCount,
    selectedName,
    strong = null,
    strongThreshold = null
  }) {
    const unit = directed ? "arrow" : "line";
    const plural = (n) => `${n} ${unit}${n === 1 ? "" : "s"}`;
    const t = formatThreshold(threshold);
    let text;
    if (focusName != null) {
      text = `${head}: ${focusCount} of ${plural(shown)} \u2265 ${t} touch ${focusName}`;
    } else if (total > shown) {
      text = `${head}: ${shown} strongest of ${plural(total)} \u2265 ${t} (cap ${cap})`;
    } else {
      text = `${head}: ${plural(shown)} \u2265 ${t}`;
    }
    if (strong != null) {
      const st = strongThreshold == null ? threshold : strongThreshold;
      const at = Math.abs(st - threshold) < 1e-9 ? "" : ` \u2265 ${formatThreshold(st)}`;
      text += ` \xB7 ${strong} ${STRONG_EDGES}${at}`;
    }
    if (total === 0) text += ` (move the threshold slider down to see ${unit}s)`;
    if (selectedName && focusName == null) text += ` | selected ${selectedName}`;
    return text;
  }
  function legendLines(chains, max = LEGEND_MAX_CHAINS) {
    if (chains.length <= max) return { shown: chains, hidden: 0 };
    const attention = chains.filter((c) => c.attention);
    const others = chains.filter((c) => !c.attention).slice(0, Math.max(0, max - attention.length));
    const keep = /* @__PURE__ */ new Set([...attention, ...others]);
    const shown = chains.filter((c) => keep.has(c));
    return { shown, hidden: chains.length - shown.length };
  }
  function segmentDistance(p, a, b) {
    const dx = b[0] - a[0], dy = b[1] - a[1];
    const len = dx * dx + dy * dy;
    let t = len > 0 ? ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len : 0;
    t = Math.min(1, Math.max(0, t));
    const x = a[0] + t * dx - p[0], y = a[1] + t * dy - p[1];
    return { d2: x * x + y * y, t };
  }
  function bytesOf(value) {
    if (!value) return new Uint8Array(0);
    if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    if (value instanceof ArrayBuffer) return new Uint8Array(value);
    return new Uint8Array(0);
  }
  function hexNumber(color) {
    return typeof color === "number" ? color : parseInt(String(color).replace("#", ""), 16);
  }
  var cssHex = (h) => "#" + (h >>> 0).toString(16).padStart(6, "0");
  function drawAttention({ stage, model, host, NGL: N, overlayOnly = false }) {
    const state = {
      component: null,
      cartoon: null,
      highlight: null,
      edgeBuffer: null,
      arrowBuffer: null,
      residueOf: null,
      atomsOf: [],
      caAtomOf: [],
      colors: new Uint32Array(0),
      schemeId: null,
      nEdges: 0,
      kept: [],
      updates: 0,
      drawnEdges: 0,
      edgeChecksum: 0,
      renders: 0,
      paintedUpdate: -1,
      hovers: 0,
      centred: 0,
      resets: 0,
      arrows: 0,
      chain: null,
      error: null
    };
    const disposers = [];
    const style = () => Object.assign({
      other_color: 14277081,
      highlight_color: "#e7298a",
      min_radius: 0.15,
      max_radius: 0.6,
      ligand_color: "#5f6b7a",
      max_edges: 0
    }, model.get("_pa_style") || {});
    function colormapHex(which) {
      const u8 = bytesOf(model.get("_pa_colormaps"));
      const out = new Uint32Array(256);
      for (let q = 0; q < 256; q++) {
        const o = (which * 256 + q) * 3;
        out[q] = u8[o] << 16 | u8[o + 1] << 8 | u8[o + 2];
      }
      return out;
    }
    const typed = (Type, name) => new Type(bytesOf(model.get(name)).slice().buffer);
    const selected = () => {
      const i = model.get("selected_residue");
      return i == null || i < 0 || i >= state.atomsOf.length ? -1 : i;
    };
    if (host.style && getComputedStyle(host).position === "static") host.style.position = "relative";
    const overlayCss = "position:absolute;font:12px sans-serif;color:#222;z-index:10;";
    const panel = "background:rgba(255,255,255,0.85);border-radius:3px;padding:2px 6px;";
    function box(className, testid, css) {
      const d = document.createElement("div");
      d.className = className;
      d.dataset.testid = testid;
      d.style.cssText = overlayCss + css;
      host.appendChild(d);
      disposers.push(() => d.remove());
      return d;
    }
    const caption = box("protattn-label", "structure-caption", "bottom:6px;left:8px;right:8px;pointer-events:none;" + panel);
    const chainLegend = box(
      "protattn-chain-legend",
      "structure-chain-legend",
      // Under the toolbar's row: in a narrow box (marimo's column) the two would overlap.
      "top:34px;left:8px;pointer-events:none;line-height:1.45;max-width:60%;" + panel
    );
    const edgeLegend = box("protattn-edge-legend", "structure-edge-legend", "right:8px;pointer-events:none;width:150px;" + panel);
    const toolbar = box("protattn-toolbar", "structure-toolbar", "top:6px;right:8px;display:flex;gap:4px;");
    const tooltip = box("protattn-ngl-tooltip", "structure-tooltip", "display:none;pointer-events:none;z-index:20;max-width:min(320px,calc(100% - 16px));background:rgba(255,255,255,0.95);border:1px solid #bbb;border-radius:3px;padding:2px 6px;");
    const residueTag = box("protattn-residue-tag", "structure-residue-label", "display:none;pointer-events:none;z-index:11;font:11px sans-serif;background:rgba(255,255,255,0.9);border:1px solid #e7298a;border-radius:3px;padding:0 4px;white-space:nowrap;");
    function button(name, text, title, onClick2) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "protattn-ngl-button protattn-" + name;
      b.dataset.testid = "structure-" + name;
      b.textContent = text;
      b.title = title;
      b.setAttribute("aria-label", title);
      b.style.cssText = "font:12px sans-serif;padding:1px 7px;border:1px solid #aaa;border-radius:3px;background:#fff;cursor:pointer;";
      b.addEventListener("click", (event) => {
        event.stopPropagation();
        onClick2();
      });
      toolbar.appendChild(b);
      return b;
    }
    const toggle = (name) => {
      model.set(name, !model.get(name));
      model.save_changes();
    };
    const buttons = {
      focus: button("focus", "focus", "Show only the selected residue's edges", () => toggle("focus")),
      labels: button("labels", "label", "Show or hide the selected residue's label", () => toggle("show_label")),
      centre: button("centre", "centre", "Centre the view on the selected residue", () => centreOnSelection()),
      reset: button("reset", "reset view", "Show the whole structure again", () => resetView())
    };
    function mapChain() {
      const structure = state.component.structure;
      const chain = model.get("_pa_chain");
      const keys = model.get("_pa_residue_keys") || [];
      const indexOfKey = new Map(keys.map((key, i) => [key, i]));
      state.chain = chain;
      state.residueOf = new Int32Array(structure.residueStore.count).fill(-1);
      state.atomsOf = keys.map(() => []);
      state.caAtomOf = keys.map(() => -1);
      state.colors = new Uint32Array(keys.length);
      structure.eachResidue((rp) => {
        if (rp.chainname !== chain) return;
        const i = indexOfKey.get(rp.inscode ? rp.resno + "^" + rp.inscode : String(rp.resno));
        if (i === void 0) return;
        state.residueOf[rp.index] = i;
        rp.eachAtom((ap) => {
          state.atomsOf[i].push(ap.index);
          if (ap.atomname === "CA" && state.caAtomOf[i] < 0) state.caAtomOf[i] = ap.index;
        });
      }, new N.Selection("/" + (model.get("_pa_model_index") || 0)));
    }
    function setup(component) {
      state.component = component;
      state.modelSele = "/" + (model.get("_pa_model_index") || 0);
      mapChain();
      if (!overlayOnly) {
        const other = hexNumber(style().other_color);
        state.schemeId = N.ColormakerRegistry.addScheme(function() {
          this.atomColor = (atom) => {
            const i = state.residueOf[atom.residueIndex];
            if (i >= 0) return state.colors[i];
            const c = state.chainColor && state.chainColor.get(atom.chainname);
            return c === void 0 ? other : c;
          };
        }, "protattn-received");
        state.cartoon = component.addRepresentation("cartoon", { name: "protattn-cartoon", sele: "polymer and " + state.modelSele, color: state.schemeId });
        component.addRepresentation("spacefill", {
          name: "protattn-ligands",
          sele: "(ligand or ion) and not water and " + state.modelSele,
          color: style().ligand_color,
          radiusScale: 0.45
        });
        state.highlight = component.addRepresentation("spacefill", { name: "protattn-selected", sele: "NONE", color: style().highlight_color, radiusScale: 0.9 });
        frame();
      }
      if (stage.mouseControls) {
        stage.mouseControls.remove("clickPick-left");
        stage.mouseControls.remove("hoverPick");
      }
      schedule({ all: true });
    }
    function fnv1a(arrays, counts) {
      let h = 2166136261;
      for (let a = 0; a < arrays.length; a++) for (let b = 0; b < counts[a]; b++) h = Math.imul(h ^ arrays[a][b], 16777619);
      return h >>> 0;
    }
    function edgeArrays() {
      const pairBytes = bytesOf(model.get("_pa_edges"));
      const pairs = new Uint16Array(pairBytes.slice(0, pairBytes.length & ~1).buffer);
      const weights = bytesOf(model.get("_pa_weights"));
      return { pairBytes, pairs, weights, k: Math.min(weights.length, pairs.length >> 1) };
    }
    function drawEdges() {
      const { pairBytes, pairs, weights, k } = edgeArrays();
      const ca = typed(Float32Array, "_pa_ca");
      const cmap = colormapHex(0);
      const s = style();
      const directed = model.get("mode") === "directed";
      const sel = selected();
      const focus = !!model.get("focus") && sel >= 0;
      const SHAFT = 0.68;
      const kept = [];
      for (let e = 0; e < k; e++) {
        if (focus && pairs[2 * e] !== sel && pairs[2 * e + 1] !== sel) continue;
        kept.push(e);
      }
      const m = kept.length;
      const position1 = new Float32Array(3 * m), position2 = new Float32Array(3 * m);
      const color = new Float32Array(3 * m), radius = new Float32Array(m);
      const tip1 = new Float32Array(directed ? 3 * m : 0), tip2 = new Float32Array(directed ? 3 * m : 0);
      const tipRadius = new Float32Array(directed ? m : 0);
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
        color[3 * n] = (hex >> 16 & 255) / 255;
        color[3 * n + 1] = (hex >> 8 & 255) / 255;
        color[3 * n + 2] = (hex & 255) / 255;
        radius[n] = s.min_radius + (s.max_radius - s.min_radius) * (q / 255);
        if (directed) tipRadius[n] = Math.max(2.4 * radius[n], 0.5);
      }
      for (const buffer of [state.edgeBuffer, state.arrowBuffer]) {
        if (!buffer) continue;
        stage.viewer.remove(buffer);
        buffer.dispose();
      }
      state.edgeBuffer = state.arrowBuffer = null;
      if (m > 0) {
        state.edgeBuffer = new N.CylinderBuffer(
          { position1, position2, color, color2: color, radius },
          { radialSegments: 12, disableImpostor: false }
        );
        stage.viewer.add(state.edgeBuffer);
        if (directed && N.ConeBuffer) {
          state.arrowBuffer = new N.ConeBuffer({ position1: tip1, position2: tip2, color, radius: tipRadius }, { radialSegments: 16 });
          stage.viewer.add(state.arrowBuffer);
        }
      }
      state.kept = kept;
      state.nEdges = m;
      state.arrows = directed && m > 0 && state.arrowBuffer ? m : 0;
      state.drawnEdges += 1;
      state.edgeChecksum = fnv1a([pairBytes, weights], [4 * k, k]);
    }
    function colorResidues() {
      if (overlayOnly || !state.cartoon) return;
      const received = bytesOf(model.get("_pa_received"));
      const cmap = colormapHex(1);
      for (let i = 0; i < state.colors.length; i++) state.colors[i] = cmap[received[i] || 0];
      state.chainColor = new Map((model.get("_pa_chains") || []).map((c) => [c.id, hexNumber(c.color)]));
      state.cartoon.update({ color: true });
    }
    function residueName(i) {
      const names = model.get("_pa_residue_labels") || [];
      return `${model.get("_pa_chain")} ${names[i] || (model.get("_pa_residue_keys") || [])[i] || i + 1}`;
    }
    function highlight() {
      const i = selected();
      const atoms = i >= 0 ? state.atomsOf[i] : [];
      if (state.highlight) {
        state.highlight.setSelection(atoms.length ? "@" + atoms.join(",") : "NONE");
        state.highlight.setVisibility(atoms.length > 0);
      }
      residueTag.textContent = atoms.length ? residueName(i) : "";
      buttons.centre.disabled = !atoms.length;
      buttons.focus.disabled = !atoms.length;
      placeResidueTag();
    }
    function placeResidueTag() {
      const i = selected();
      const p = i >= 0 && model.get("show_label") !== false ? screenPosition(i) : null;
      const canvas2 = stage.viewer.renderer.domElement;
      if (!p || !canvas2) {
        residueTag.style.display = "none";
        return;
      }
      const c = canvas2.getBoundingClientRect(), h = host.getBoundingClientRect();
      const x = p[0] + c.left - h.left, y = p[1] + c.top - h.top;
      residueTag.style.display = "block";
      residueTag.style.left = `${Math.round(x + 10)}px`;
      residueTag.style.top = `${Math.round(y - 22)}px`;
    }
    function drawCaption() {
      const { k } = edgeArrays();
      const sel = selected();
      const focus = !!model.get("focus") && sel >= 0;
      caption.textContent = captionText({
        head: model.get("_pa_head_label") || "",
        shown: k,
        total: model.get("_pa_total") ?? k,
        threshold: Number(model.get("threshold") || 0),
        cap: style().max_edges,
        directed: model.get("mode") === "directed",
        focusName: focus ? residueName(sel) : null,
        focusCount: state.nEdges,
        selectedName: sel >= 0 ? residueName(sel) : null,
        strong: model.get("_pa_strong") ?? null,
        strongThreshold: model.get("_pa_strong_threshold") ?? null
      });
      const focused = !!model.get("focus");
      buttons.focus.setAttribute("aria-pressed", focused ? "true" : "false");
      buttons.focus.style.background = focused ? "#fde0ef" : "#fff";
      const labelled = model.get("show_label") !== false;
      buttons.labels.setAttribute("aria-pressed", labelled ? "true" : "false");
      buttons.labels.style.background = labelled ? "#fde0ef" : "#fff";
      edgeLegend.style.bottom = `${(caption.offsetHeight || 18) + 10}px`;
    }
    function drawLegend() {
      chainLegend.textContent = "";
      const chains = model.get("_pa_chains") || [];
      const blues = colormapHex(1);
      const { shown, hidden } = legendLines(chains);
      for (const c of shown) {
        const line = document.createElement("div");
        line.className = "protattn-chain" + (c.attention ? " protattn-attention-chain" : "");
        const chip = document.createElement("span");
        chip.style.cssText = "display:inline-block;width:14px;height:10px;margin-right:5px;vertical-align:middle;border:1px solid #777;" + (c.attention ? `background:linear-gradient(90deg,${cssHex(blues[0])},${cssHex(blues[255])});` : `background:${c.color};`);
        if (!overlayOnly) line.appendChild(chip);
        line.appendChild(document.createTextNode(c.label));
        if (c.attention) line.style.fontWeight = "bold";
        chainLegend.appendChild(line);
      }
      if (hidden > 0) {
        const more = document.createElement("div");
        more.className = "protattn-chain protattn-more-chains";
        more.textContent = `+ ${hidden} more chain${hidden === 1 ? "" : "s"} not listed`;
        chainLegend.appendChild(more);
      }
      if (!overlayOnly && state.component) {
        const ligands = state.component.structure.getView(new N.Selection("(ligand or ion) and not water and " + state.modelSele));
        if (ligands.atomCount > 0) {
          const line = document.createElement("div");
          line.className = "protattn-chain protattn-ligand-legend";
          const dot = document.createElement("span");
          dot.style.cssText = `display:inline-block;width:10px;height:10px;border-radius:50%;margin:0 7px 0 2px;vertical-align:middle;background:${style().ligand_color};`;
          line.append(dot, document.createTextNode("ligands"));
          chainLegend.appendChild(line);
        }
      }
      chainLegend.style.display = chainLegend.childNodes.length ? "block" : "none";
    }
    function drawEdgeLegend() {
      const cmap = colormapHex(0);
      const directed = model.get("mode") === "directed";
      const stops = [0, 64, 128, 192, 255].map((q) => cssHex(cmap[q])).join(",");
      edgeLegend.textContent = "";
      const title = document.createElement("div");
      title.textContent = directed ? "arrow i \u2192 j: i attends to j" : `line i \u2013 j: ${model.get("mode")} of a_ij, a_ji`;
      const bar = document.createElement("div");
      bar.className = "protattn-edge-scale";
      bar.style.cssText = `height:9px;margin:2px 0;background:linear-gradient(90deg,${stops});clip-path:polygon(0 70%,100% 0,100% 100%,0 100%);`;
      const ticks = document.createElement("div");
      ticks.style.cssText = "display:flex;justify-content:space-between;font-size:11px;";
      for (const text of [formatThreshold(Number(model.get("threshold") || 0)), "1"]) {
        const span = document.createElement("span");
        span.textContent = text;
        ticks.appendChild(span);
      }
      edgeLegend.append(title, bar, ticks);
    }
    function cameraKey() {
      return stage.viewerControls ? Array.from(stage.viewerControls.getOrientation().elements).join(",") : "";
    }
    function frame() {
      if (!state.component || overlayOnly) return;
      state.component.autoView(state.modelSele);
      state.framedAt = cameraKey();
    }
    function resetView() {
      if (!state.component) return;
      state.component.autoView(overlayOnly ? void 0 : state.modelSele, 300);
      state.resets += 1;
    }
    function centreOnSelection() {
      const i = selected();
      if (!state.component || i < 0 || !state.atomsOf[i].length) return;
      const { pairs } = edgeArrays();
      const around = /* @__PURE__ */ new Set([i]);
      for (let d = -4; d <= 4; d++) if (i + d >= 0 && i + d < state.atomsOf.length) around.add(i + d);
      for (let e = 0; e + 1 < pairs.length; e += 2) {
        if (pairs[e] === i) around.add(pairs[e + 1]);
        else if (pairs[e + 1] === i) around.add(pairs[e]);
      }
      state.component.autoView("@" + [...around].flatMap((r) => state.atomsOf[r] || []).join(","), 400);
      state.centred += 1;
    }
    function screenPosition(i) {
      const index = state.caAtomOf[i];
      if (!state.component || index === void 0 || index < 0) return null;
      const atom = state.component.structure.getAtomProxy(index);
      const v = atom.positionToVector3().applyMatrix4(state.component.matrix);
      const p = stage.viewerControls.getPositionOnCanvas(v);
      return [p.x, stage.viewer.height - p.y];
    }
    const canvas = stage.viewer.renderer.domElement;
    canvas.dataset.testid = "structure-canvas";
    const local = (event) => {
      const r = canvas.getBoundingClientRect();
      return { x: event.clientX - r.left, y: event.clientY - r.top, h: r.height };
    };
    function pickAt(event) {
      const p = local(event);
      return stage.pickingControls.pick(p.x, p.h - p.y);
    }
    let down = null;
    const onDown = (event) => {
      down = { x: event.clientX, y: event.clientY };
    };
    const onClick = (event) => {
      if (down && Math.hypot(event.clientX - down.x, event.clientY - down.y) > 4) return;
      const picked = pickAt(event);
      const atom = picked && (picked.atom || picked.bond && picked.bond.atom1);
      if (!atom || !state.residueOf) return;
      const i = state.residueOf[atom.residueIndex];
      if (i === void 0 || i < 0) return;
      model.set("selected_residue", i);
      model.save_changes();
    };
    function edgeAt(p) {
      if (!state.nEdges) return null;
      const { pairs, weights } = edgeArrays();
      let best = null;
      const project = /* @__PURE__ */ new Map();
      const pos = (i) => {
        if (!project.has(i)) project.set(i, screenPosition(i));
        return project.get(i);
      };
      for (const e of state.kept) {
        const a = pos(pairs[2 * e]), b = pos(pairs[2 * e + 1]);
        if (!a || !b) continue;
        const { d2, t } = segmentDistance([p.x, p.y], a, b);
        if (t <= 0.03 || t >= 0.97) continue;
        if (d2 <= 25 && (!best || d2 < best.d2)) best = { d2, e, i: pairs[2 * e], j: pairs[2 * e + 1], q: weights[e] };
      }
      return best;
    }
    let hoverTimer = null;
    const onMove = (event) => {
      const p = local(event);
      clearTimeout(hoverTimer);
      hoverTimer = setTimeout(() => hover(event, p), 30);
    };
    function hover(event, p) {
      const picked = pickAt(event);
      const atom = picked && (picked.atom || picked.bond && picked.bond.atom1);
      const i = atom && state.residueOf ? state.residueOf[atom.residueIndex] : -1;
      const ca = i >= 0 ? screenPosition(i) : null;
      const onResidue = ca && Math.hypot(ca[0] - p.x, ca[1] - p.y) <= 6;
      const edge = onResidue ? null : edgeAt(p);
      let text = null;
      if (edge) {
        const directed = model.get("mode") === "directed";
        text = `${residueName(edge.i)} ${directed ? "\u2192" : "\u2194"} ${residueName(edge.j)}: ${formatWeight(edge.q / 255)} (${model.get("mode")} weight)`;
        state.hoveredEdge = [edge.i, edge.j];
      } else {
        state.hoveredEdge = null;
        if (atom) text = atomText(atom);
      }
      if (!text) {
        tooltip.style.display = "none";
        return;
      }
      tooltip.textContent = text;
      tooltip.style.display = "block";
      const c = canvas.getBoundingClientRect(), h = host.getBoundingClientRect();
      const maxX = (host.clientWidth || 400) - tooltip.offsetWidth - 4;
      tooltip.style.left = `${Math.max(0, Math.min(p.x + c.left - h.left + 12, maxX))}px`;
      tooltip.style.top = `${Math.max(0, p.y + c.top - h.top + 14)}px`;
      state.hovers += 1;
    }
    function atomText(atom) {
      const i = state.residueOf ? state.residueOf[atom.residueIndex] : -1;
      const resno = atom.inscode ? `${atom.resno}${atom.inscode}` : String(atom.resno);
      const chain = (model.get("_pa_chains") || []).find((c) => c.id === atom.chainname);
      if (i === void 0 || i < 0) {
        const what = chain ? chain.label : atom.isPolymer && atom.isPolymer() ? `chain ${atom.chainname}` : "ligand";
        return `${atom.chainname} ${atom.resname} ${resno} (author id) \xB7 ${what}`;
      }
      const stats = typed(Float32Array, "_pa_residue_stats");
      const n = state.atomsOf.length;
      let text = `${atom.chainname} ${atom.resname} ${resno} (author id; residue ${i + 1} of ${n})`;
      if (stats.length >= 3 * n) {
        const target = Math.round(stats[n + i]);
        text += ` \xB7 receives ${formatWeight(stats[i])}`;
        if (target >= 0 && target < n) text += ` \xB7 gives most to ${residueName(target)} (${formatWeight(stats[2 * n + i])})`;
      }
      return text;
    }
    const onLeave = () => {
      clearTimeout(hoverTimer);
      tooltip.style.display = "none";
    };
    const listeners = [
      [canvas, "pointerdown", onDown],
      [canvas, "click", onClick],
      [canvas, "mousemove", onMove],
      [canvas, "mouseleave", onLeave]
    ];
    for (const [t, type, f] of listeners) t.addEventListener(type, f);
    disposers.push(() => {
      for (const [t, type, f] of listeners) t.removeEventListener(type, f);
      clearTimeout(hoverTimer);
    });
    let pending = null;
    let frameRequest = null;
    function schedule(flags) {
      pending = Object.assign(pending || {}, flags);
      if (frameRequest != null) return;
      const run = () => {
        frameRequest = null;
        const f = pending;
        pending = null;
        if (f) redraw(f);
      };
      frameRequest = typeof requestAnimationFrame === "function" && !document.hidden ? requestAnimationFrame(run) : setTimeout(run, 0);
    }
    function redraw(f) {
      if (!state.component) return;
      try {
        if (f.all || f.chain) {
          mapChain();
          f = { all: true };
        }
        if (f.all || f.edges || f.selected && model.get("focus")) drawEdges();
        if (f.all || f.received) colorResidues();
        if (f.all || f.selected) highlight();
        if (f.all || f.chains) drawLegend();
        drawEdgeLegend();
        drawCaption();
        state.updates += 1;
        stage.viewer.requestRender();
      } catch (error) {
        state.error = String(error && error.message ? error.message : error);
        console.error("protattn 3D:", error);
      }
    }
    const on = (names, flags) => {
      const cb = () => schedule(flags);
      for (const name of names) model.on(`change:${name}`, cb);
      disposers.push(() => {
        for (const name of names) model.off(`change:${name}`, cb);
      });
    };
    on(["_pa_edges", "_pa_weights", "_pa_ca", "mode", "focus", "threshold", "_pa_total", "_pa_strong"], { edges: true });
    on(["_pa_received", "_pa_colormaps"], { received: true });
    on(["selected_residue", "show_label"], { selected: true });
    on(["_pa_chains"], { chains: true, received: true });
    on(["_pa_chain", "_pa_residue_keys"], { chain: true });
    on(["_pa_head_label", "_pa_residue_labels"], {});
    const onRendered = () => {
      if (stage.viewer.lastRenderedPicking) return;
      state.renders += 1;
      placeResidueTag();
      if (!stage.tasks || stage.tasks.count === 0) state.paintedUpdate = state.updates;
    };
    stage.viewer.signals.rendered.add(onRendered);
    disposers.push(() => stage.viewer.signals.rendered.remove(onRendered));
    const existing = stage.compList.find((c) => c.type === "structure");
    if (existing) setup(existing);
    else {
      const onAdded = (component) => {
        if (component.type !== "structure") return;
        stage.signals.componentAdded.remove(onAdded);
        setup(component);
      };
      stage.signals.componentAdded.add(onAdded);
      disposers.push(() => stage.signals.componentAdded.remove(onAdded));
    }
    async function makeImage({ scale = 2, transparent = false } = {}) {
      const blob = await stage.makeImage({ factor: scale, antialias: true, transparent, trim: false });
      const image = await createImageBitmap(blob);
      const out = document.createElement("canvas");
      out.width = image.width;
      out.height = image.height;
      const ctx = out.getContext("2d");
      ctx.drawImage(image, 0, 0);
      const k = image.width / Math.max(1, canvas.clientWidth || stage.viewer.width);
      const c = canvas.getBoundingClientRect();
      ctx.font = `${12 * k}px sans-serif`;
      ctx.textBaseline = "top";
      const panelAt = (node, lines) => {
        if (!node || node.style.display === "none" || !lines.length) return;
        const r2 = node.getBoundingClientRect();
        const x = (r2.left - c.left) * k, y = (r2.top - c.top) * k;
        ctx.fillStyle = "rgba(255,255,255,0.85)";
        ctx.fillRect(x, y, r2.width * k, r2.height * k);
        lines.forEach(([text, color, dy], n) => {
          ctx.fillStyle = color || "#222";
          ctx.fillText(text, x + 6 * k, y + (dy ?? 3 + 16 * n) * k);
        });
      };
      panelAt(chainLegend, [...chainLegend.childNodes].map((line) => [line.textContent]));
      panelAt(caption, [[caption.textContent]]);
      const r = edgeLegend.getBoundingClientRect();
      panelAt(edgeLegend, [[edgeLegend.firstChild ? edgeLegend.firstChild.textContent : ""]]);
      const cmap = colormapHex(0);
      const x0 = (r.left - c.left + 6) * k, y0 = (r.top - c.top + 20) * k, w = (r.width - 12) * k;
      for (let x = 0; x < w; x++) {
        ctx.fillStyle = cssHex(cmap[Math.round(255 * x / Math.max(1, w - 1))]);
        const h = 9 * k * (0.3 + 0.7 * (x / w));
        ctx.fillRect(x0 + x, y0 + 9 * k - h, 1, h);
      }
      ctx.fillStyle = "#222";
      ctx.fillText(formatThreshold(Number(model.get("threshold") || 0)), x0, y0 + 11 * k);
      ctx.textAlign = "right";
      ctx.fillText("1", x0 + w, y0 + 11 * k);
      ctx.textAlign = "left";
      if (residueTag.style.display === "block") panelAt(residueTag, [[residueTag.textContent, "#111", 1]]);
      return await new Promise((resolve) => out.toBlob(resolve, "image/png"));
    }
    const api = {
      stage,
      redraw: () => schedule({ all: true }),
      screenPosition,
      makeImage,
      residueOfAtom(atomIndex) {
        if (!state.component) return -1;
        const i = state.residueOf[state.component.structure.getAtomProxy(atomIndex).residueIndex];
        return i === void 0 ? -1 : i;
      },
      /** Canvas point (CSS px from the canvas' top-left) of the middle of drawn edge number n. */
      edgeMidpoint(n = 0) {
        const { pairs } = edgeArrays();
        const e = state.kept[n];
        if (e === void 0) return null;
        const a = screenPosition(pairs[2 * e]), b = screenPosition(pairs[2 * e + 1]);
        return a && b ? [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2] : null;
      },
      summary() {
        return {
          ready: !!state.component,
          structureName: state.component ? state.component.structure.name : null,
          edges: state.nEdges,
          updates: state.updates,
          drawnEdges: state.drawnEdges,
          edgeChecksum: state.edgeChecksum,
          renders: state.renders,
          // A frame shows every change so far: none waits for its redraw (scheduled, not yet run), and a
          // frame was rendered after the last redraw with no representation build pending.  Without the
          // first, a wait on live state (s.selected, s.focus) right after a change saw the frame before it.
          painted: !!state.component && pending === null && frameRequest === null && state.paintedUpdate === state.updates,
          selected: selected(),
          mappedResidues: state.atomsOf.filter((a) => a.length).length,
          chain: state.chain,
          arrows: state.arrows,
          focus: !!model.get("focus"),
          hovers: state.hovers,
          centred: state.centred,
          resets: state.resets,
          tooltip: tooltip.style.display === "block" ? tooltip.textContent : null,
          caption: caption.textContent,
          legend: chainLegend.textContent,
          edgeLegend: edgeLegend.textContent,
          residueLabel: residueTag.style.display === "block" ? residueTag.textContent : null,
          cartoon: !!state.cartoon,
          components: stage.compList.length,
          error: state.error,
          cameraPosition: stage.viewerControls ? Array.from(stage.viewerControls.getOrientation().elements) : null
        };
      },
      frameIfUntouched() {
        if (state.component && state.framedAt === cameraKey()) frame();
      }
    };
    return {
      api,
      dispose() {
        if (frameRequest != null) {
          cancelAnimationFrame(frameRequest);
          clearTimeout(frameRequest);
        }
        for (const d of disposers.splice(0)) d();
        for (const buffer of [state.edgeBuffer, state.arrowBuffer]) {
          if (buffer) {
            stage.viewer.remove(buffer);
            buffer.dispose();
          }
        }
      }
    };
  }

  // js/lib/page_model.js
  var PageModel = class {
    /** @param {Object<string, *>} attributes the traits, as the Python widget would sync them */
    constructor(attributes = {}) {
      this.attributes = { ...attributes };
      this.changed = {};
      this._handlers = /* @__PURE__ */ new Map();
    }
    get(name) {
      return this.attributes[name];
    }
    /** Set one value (name, value) or several ({name: value}); fires the change events. */
    set(nameOrValues, value) {
      const values = typeof nameOrValues === "string" ? { [nameOrValues]: value } : nameOrValues || {};
      const changed = {};
      for (const [name, next] of Object.entries(values)) {
        if (Object.is(this.attributes[name], next)) continue;
        this.attributes[name] = next;
        changed[name] = true;
      }
      const names = Object.keys(changed);
      if (!names.length) return this;
      this.changed = changed;
      for (const name of names) this._emit(`change:${name}`, this.attributes[name]);
      this._emit("change");
      return this;
    }
    hasChanged(name) {
      return name == null ? Object.keys(this.changed).length > 0 : !!this.changed[name];
    }
    on(events, callback) {
      for (const event of events.split(/\s+/).filter(Boolean)) {
        if (!this._handlers.has(event)) this._handlers.set(event, []);
        this._handlers.get(event).push(callback);
      }
      return this;
    }
    off(events, callback) {
      for (const event of (events || "").split(/\s+/).filter(Boolean)) {
        const list = this._handlers.get(event) || [];
        this._handlers.set(event, callback ? list.filter((f) => f !== callback) : []);
      }
      return this;
    }
    /** No kernel to save to: the page's controller has already seen the change events. */
    save_changes() {
    }
    /** No kernel to send to. */
    send() {
    }
    _emit(event, value) {
      for (const callback of [...this._handlers.get(event) || []]) callback(this, value);
    }
  };

  // js/nglview_overlay.js
  var BINARY = ["_pa_edges", "_pa_weights", "_pa_ca", "_pa_received", "_pa_colormaps", "_pa_residue_stats"];
  function base64Bytes(text) {
    const binary = atob(text || "");
    const out = new Uint8Array(binary.length);
    for (let k = 0; k < binary.length; k++) out[k] = binary.charCodeAt(k);
    return out;
  }
  function draw(view, NGL, data) {
    if (!view || !view.stage || !NGL) {
      console.warn("protattn: no NGL stage here; attention overlay not drawn");
      return null;
    }
    const host = view.$container && view.$container[0] ? view.$container[0] : view.el;
    if (host.protattnOverlay) host.protattnOverlay.dispose();
    const traits = { ...data };
    for (const name of BINARY) traits[name] = base64Bytes(data[name]);
    const model = new PageModel(traits);
    const overlay = drawAttention({ stage: view.stage, model, host, NGL, overlayOnly: true });
    const notice = noBackboneNotice(view.stage, host);
    const summary = overlay.api.summary;
    overlay.api.summary = () => ({ ...summary(), noBackbone: notice.shown() });
    host.protattnOverlay = { api: overlay.api, dispose: () => {
      notice.dispose();
      overlay.dispose();
    } };
    host.protattn = overlay.api;
    return overlay.api;
  }
  function noBackboneNotice(stage, host) {
    const box = document.createElement("div");
    box.className = "protattn-no-backbone";
    box.dataset.testid = "structure-no-backbone";
    box.style.cssText = "position:absolute;top:34px;right:8px;max-width:55%;z-index:10;display:none;font:12px sans-serif;color:#222;background:#fff4e5;border:1px solid #e0a050;border-radius:3px;padding:2px 6px;";
    box.textContent = "NGL built no protein backbone from this file, so nglview draws no cartoon (in a PDB file, columns 77-78 must hold the element). Load it with view.add_structure(nglview_structure(structure)) from protattn_widgets.widgets.nglview_interop.";
    host.appendChild(box);
    const check = (component) => {
      if (!component || component.type !== "structure" || !component.structure) return;
      let polymers = 0;
      component.structure.eachPolymer(() => {
        polymers += 1;
      });
      if (polymers === 0 && component.structure.residueStore.count > 1) box.style.display = "block";
    };
    const first = stage.compList.find((c) => c.type === "structure");
    if (first) check(first);
    const onAdded = (component) => {
      if (stage.compList.find((c) => c.type === "structure") === component) check(component);
    };
    stage.signals.componentAdded.add(onAdded);
    return {
      shown: () => box.style.display === "block",
      dispose() {
        stage.signals.componentAdded.remove(onAdded);
        box.remove();
      }
    };
  }
  return __toCommonJS(nglview_overlay_exports);
})();
