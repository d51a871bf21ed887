// One view's model inside the explorer's model.
//
// The explorer is ONE widget model (anywidget in a notebook, a PageModel in the standalone
// page).  Its views (heatmap.js, head_grid.js, sequence_track.js, structure_view.js) were
// written against a model of their own with trait names like "_matrix" or "caption": here
// they get a view of the explorer's model in which the shared state (layer, head, ...) is the
// explorer's own trait and everything else is the explorer's trait `${prefix}${name}`
// (e.g. "_heatmap__matrix").  Only the anywidget model API is used: get, set, save_changes,
// on/off("change:<name>"), send.

export function scopedModel(model, prefix, shared) {
  const sharedNames = new Set(shared);
  const full = (name) => (sharedNames.has(name) ? name : prefix + name);
  return {
    prefix,
    get(name) {
      return model.get(full(name));
    },
    set(nameOrValues, value) {
      if (typeof nameOrValues === "string") return model.set(full(nameOrValues), value);
      for (const [name, v] of Object.entries(nameOrValues || {})) model.set(full(name), v);
      return undefined;
    },
    save_changes() {
      return model.save_changes();
    },
    send(...args) {
      return model.send(...args);
    },
    on(events, callback) {
      for (const event of events.split(/\s+/).filter(Boolean)) {
        const name = event.startsWith("change:") ? `change:${full(event.slice(7))}` : event;
        model.on(name, callback);
      }
    },
    off(events, callback) {
      for (const event of (events || "").split(/\s+/).filter(Boolean)) {
        const name = event.startsWith("change:") ? `change:${full(event.slice(7))}` : event;
        model.off(name, callback);
      }
    },
  };
}
