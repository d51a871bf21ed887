// guardShortcuts: arrow keys inside a `.protattn-keys` element are hidden from lumino's shortcuts.
import assert from "node:assert/strict";
import { test } from "node:test";

import { KEYS_CLASS, NAV_KEYS, guardShortcuts, stepHead } from "../lib/keys.js";

/** A window with one capture listener and timers run by hand; elements with attributes. */
function fakeWindow() {
  const timers = [];
  const win = {
    listeners: [],
    addEventListener(type, fn, capture) { this.listeners.push({ type, fn, capture }); },
    setTimeout(fn) { timers.push(fn); },
    flush() { while (timers.length) timers.shift()(); },
  };
  return win;
}
function fakeElement(inside) {
  const attrs = new Map();
  return {
    attrs,
    closest: (sel) => (inside && sel === `.${KEYS_CLASS}` ? {} : null),
    hasAttribute: (n) => attrs.has(n),
    setAttribute: (n, v) => attrs.set(n, v),
    removeAttribute: (n) => attrs.delete(n),
  };
}

test("nav keys inside the explorer are marked for lumino during that one event", () => {
  const win = fakeWindow();
  assert.equal(guardShortcuts(win), true);
  assert.equal(guardShortcuts(win), false); // once per window
  const [{ type, fn, capture }] = win.listeners;
  assert.equal(type, "keydown");
  assert.equal(capture, true); // before lumino's document listener
  const inside = fakeElement(true);
  fn({ key: "ArrowUp", target: inside });
  assert.equal(inside.attrs.has("data-lm-suppress-shortcuts"), true);
  win.flush();
  assert.equal(inside.attrs.has("data-lm-suppress-shortcuts"), false);
});

test("other keys and elements outside the explorer are left to the notebook", () => {
  const win = fakeWindow();
  guardShortcuts(win);
  const { fn } = win.listeners[0];
  const inside = fakeElement(true);
  const outside = fakeElement(false);
  fn({ key: "Enter", target: inside });
  fn({ key: "ArrowDown", target: outside });
  assert.equal(inside.attrs.size + outside.attrs.size, 0);
  for (const key of ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown"]) {
    assert.ok(NAV_KEYS.has(key), key);
  }
  assert.deepEqual(stepHead("ArrowUp", 0, 3, 8, 8), { layer: 0, head: 3 });
});
