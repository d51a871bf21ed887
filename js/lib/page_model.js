// The in-page stand-in for a widget model, used by the standalone HTML page (js/standalone.js).
//
// The views (heatmap.js, head_grid.js, sequence_track.js) and the NGL drawing code
// (ngl_attention.js) only use this much of the anywidget / Backbone model API:
//   get(name), set(name, value) or set({name: value, ...}), on/off("change:name" | "change", cb),
//   hasChanged(name), save_changes(), send(message).
// Events follow Backbone: one set() fires "change:<name>" for every value that changed, then one
// "change"; hasChanged() tells which names the last set() changed.  There is no kernel:
// save_changes() and send() deliver nothing (the page's controller listens to the changes instead).

export class PageModel {
  /** @param {Object<string, *>} attributes the traits, as the Python widget would sync them */
  constructor(attributes = {}) {
    this.attributes = { ...attributes };
    this.changed = {};
    this._handlers = new Map();
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
  save_changes() {}

  /** No kernel to send to. */
  send() {}

  _emit(event, value) {
    // A copy: a handler may add or remove handlers.
    for (const callback of [...(this._handlers.get(event) || [])]) callback(this, value);
  }
}
