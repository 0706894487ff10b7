/* The network view (narrascope serve): pan and zoom the SVG graph, click an edge to load its evidence messages
   into the side panel, click a node to show it and its neighbours. Everything the server sent is already escaped
   HTML; what this script writes itself goes through textContent. */
(function () {
  "use strict";

  function svg() { return document.getElementById("network-svg"); }

  function box(el) {
    var v = el.getAttribute("viewBox").split(" ").map(Number);
    return { x: v[0], y: v[1], w: v[2], h: v[3] };
  }

  function setBox(el, b) { el.setAttribute("viewBox", [b.x, b.y, b.w, b.h].join(" ")); }

  function zoom(el, factor, cx, cy) {
    var b = box(el);
    var w = Math.min(4000, Math.max(60, b.w * factor));
    var k = w / b.w;
    setBox(el, { x: cx - (cx - b.x) * k, y: cy - (cy - b.y) * k, w: w, h: b.h * k });
  }

  function point(el, evt) {
    var r = el.getBoundingClientRect();
    var b = box(el);
    return { x: b.x + (evt.clientX - r.left) / r.width * b.w, y: b.y + (evt.clientY - r.top) / r.height * b.h };
  }

  function panel() { return document.getElementById("evidence"); }

  function loadEvidence(href) {
    var p = panel();
    if (!p) { window.location.href = href; return; }
    p.setAttribute("aria-busy", "true");
    fetch(href, { headers: { "HX-Request": "true", "HX-Target": "evidence" }, credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.text();
      })
      .then(function (html) {
        p.innerHTML = html;  // the server's template output: every data string in it is escaped
        p.removeAttribute("aria-busy");
        if (window.htmx) { window.htmx.process(p); }
        p.scrollIntoView({ block: "nearest" });
      })
      .catch(function (err) {
        p.removeAttribute("aria-busy");
        p.textContent = "could not load the evidence: " + err.message;
      });
  }

  function selectEdge(a) {
    var s = svg();
    s.querySelectorAll(".edge.selected").forEach(function (e) { e.classList.remove("selected"); });
    a.classList.add("selected");
    loadEvidence(a.getAttribute("href"));
  }

  function showNode(g) {
    var s = svg();
    var id = g.getAttribute("data-node");
    var near = {};
    near[id] = true;
    s.querySelectorAll(".edge").forEach(function (e) {
      var on = e.getAttribute("data-source") === id || e.getAttribute("data-target") === id;
      e.classList.toggle("dim", !on);
      if (on) { near[e.getAttribute("data-source")] = true; near[e.getAttribute("data-target")] = true; }
    });
    s.querySelectorAll(".node").forEach(function (n) { n.classList.toggle("dim", !near[n.getAttribute("data-node")]); });
    var p = panel();
    if (!p) { return; }
    p.textContent = "";
    var h = document.createElement("h2");
    var b = document.createElement("bdi");
    b.textContent = g.getAttribute("data-label");
    h.appendChild(b);
    p.appendChild(h);
    var facts = [["id", id], [s.getAttribute("data-colour"), g.getAttribute("data-group")],
                 ["kind", g.getAttribute("data-kind")], ["edge weight (these relations)", g.getAttribute("data-strength")],
                 ["messages in the store", g.getAttribute("data-messages")],
                 ["neighbours drawn", String(Object.keys(near).length - 1)]];
    var dl = document.createElement("dl");
    facts.forEach(function (f) {
      if (!f[1]) { return; }
      var dt = document.createElement("dt"); dt.textContent = f[0];
      var dd = document.createElement("dd"); dd.textContent = f[1];
      dl.appendChild(dt); dl.appendChild(dd);
    });
    p.appendChild(dl);
    if (g.getAttribute("data-in-store") === "1") {
      var link = document.createElement("a");
      link.href = "/messages?channel=" + encodeURIComponent(id);
      link.textContent = "this channel's messages";
      p.appendChild(link);
    }
  }

  function clearNode() {
    var s = svg();
    s.querySelectorAll(".dim").forEach(function (e) { e.classList.remove("dim"); });
  }

  function wire() {
    var s = svg();
    if (!s || s.getAttribute("data-wired")) { return; }
    s.setAttribute("data-wired", "1");
    var home = s.getAttribute("viewBox");
    var drag = null;
    var moved = false;
    s.addEventListener("click", function (evt) {
      if (moved) { evt.preventDefault(); return; }
      var a = evt.target.closest(".edge");
      if (a) { evt.preventDefault(); selectEdge(a); return; }
      var g = evt.target.closest(".node");
      if (g) { showNode(g); return; }
      clearNode();
    });
    s.addEventListener("keydown", function (evt) {
      var g = evt.target.closest && evt.target.closest(".node");
      if (g && (evt.key === "Enter" || evt.key === " ")) { evt.preventDefault(); showNode(g); }
    });
    s.addEventListener("wheel", function (evt) {
      evt.preventDefault();
      var p = point(s, evt);
      zoom(s, evt.deltaY > 0 ? 1.15 : 1 / 1.15, p.x, p.y);
    }, { passive: false });
    s.addEventListener("pointerdown", function (evt) {
      drag = { x: evt.clientX, y: evt.clientY, b: box(s) };
      moved = false;
    });
    s.addEventListener("pointermove", function (evt) {
      if (!drag) { return; }
      var dx = evt.clientX - drag.x, dy = evt.clientY - drag.y;
      if (!moved && Math.abs(dx) + Math.abs(dy) < 4) { return; }
      moved = true;
      var r = s.getBoundingClientRect();
      setBox(s, { x: drag.b.x - dx / r.width * drag.b.w, y: drag.b.y - dy / r.height * drag.b.h,
                  w: drag.b.w, h: drag.b.h });
    });
    ["pointerup", "pointerleave", "pointercancel"].forEach(function (name) {
      s.addEventListener(name, function () { drag = null; window.setTimeout(function () { moved = false; }, 0); });
    });
    var tools = document.querySelector(".network-tools");
    if (tools) {
      tools.addEventListener("click", function (evt) {
        var btn = evt.target.closest("button[data-zoom]");
        if (!btn) { return; }
        var b = box(s), how = btn.getAttribute("data-zoom");
        if (how === "reset") { s.setAttribute("viewBox", home); return; }
        zoom(s, how === "in" ? 1 / 1.4 : 1.4, b.x + b.w / 2, b.y + b.h / 2);
      });
    }
  }

  document.addEventListener("DOMContentLoaded", wire);
  // the view is replaced by htmx when the relations or the colour change
  document.addEventListener("htmx:afterSettle", wire);
  // evidence links in the edge table open in the panel too (plain links without script)
  document.addEventListener("click", function (evt) {
    var a = evt.target.closest && evt.target.closest("a.evidence-link");
    if (a && panel() && !evt.ctrlKey && !evt.metaKey && !evt.shiftKey) {
      evt.preventDefault();
      loadEvidence(a.getAttribute("href"));
    }
  });
})();
