/* Keyboard-first coding (narrascope serve): 1 / 0 / ? label, u undo, n note, arrows move.
   Keys pressed while a decision is being saved wait in a queue and apply, in order, to the items that follow:
   nothing is dropped, and every decision is acknowledged by the server before the next one is sent. */
(function () {
  "use strict";
  var KEYS = ["1", "0", "?", "u", "n", "ArrowLeft", "ArrowRight"];
  var queue = [];
  var busy = false;

  function root() { return document.getElementById("coding"); }

  function status(text) {
    var el = document.getElementById("coding-status");
    if (!el) {
      el = document.createElement("p");
      el.id = "coding-status";
      el.className = "error";
      el.setAttribute("role", "alert");
      root().parentNode.insertBefore(el, root());
    }
    el.textContent = text;
  }

  function act(key) {
    var r = root();
    if (!r) { return; }
    if (key === "n") {
      var note = document.getElementById("note");
      if (note) { note.focus(); }
      return;
    }
    var el = r.querySelector('[data-key="' + key.replace(/["\\]/g, "") + '"]');
    if (!el || el.disabled) { next(); return; }
    el.click();
    if (!busy) { next(); }  /* the element issued no request */
  }

  function next() {
    if (!busy && queue.length) { act(queue.shift()); }
  }

  function press(key) {
    if (busy || queue.length) { queue.push(key); } else { act(key); }
  }

  document.addEventListener("keydown", function (ev) {
    if (!root()) { return; }
    var t = ev.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable)) {
      if (ev.key === "Escape") { t.blur(); }
      if (ev.key === "Enter" && t.id === "note") { ev.preventDefault(); t.blur(); press("note-save"); }
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey || KEYS.indexOf(ev.key) < 0) { return; }
    ev.preventDefault();
    press(ev.key);
  });

  document.addEventListener("htmx:beforeRequest", function (ev) {
    if (root() && root().contains(ev.target)) { busy = true; }
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (busy) { busy = false; next(); }
  });
  function failed(message) {
    return function () {
      busy = false;
      queue = [];
      status(message);
    };
  }
  document.addEventListener("htmx:responseError", failed("The last decision was NOT saved (the server refused it): reload the page."));
  document.addEventListener("htmx:sendError", failed("The last decision was NOT saved: the server cannot be reached. Restart it and reload; every acknowledged decision is kept."));
})();
