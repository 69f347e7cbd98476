// Rehearse web app: the little htmx does not do. Everything works without it.
// - [data-timer]: counts the time the server is measuring for the current question.
// - [data-words]: live word count of the answer box.
// - [data-draft-key]: keeps the answer being typed in localStorage as well as on the
//   server (htmx posts it, debounced), and restores it after a crash or reload.
(function () {
  "use strict";

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function clock(s) {
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return (h > 0 ? h + ":" + pad(m) : m) + ":" + pad(r);
  }

  function timer(el) {
    var asked = Number(el.getAttribute("data-asked-at"));
    var offset = Number(el.getAttribute("data-server-now")) - Date.now();
    var expected = Number(el.getAttribute("data-expected")) || 0;
    var out = el.querySelector("[data-timer-text]") || el;
    function tick() {
      var spent = Math.max(0, Math.floor((Date.now() + offset - asked) / 1000));
      if (expected > 0 && spent > expected) {
        el.classList.add("over");
        out.textContent = clock(spent) + " (" + clock(spent - expected) + " over " + clock(expected) + ")";
      } else {
        out.textContent = clock(spent) + (expected > 0 ? " of " + clock(expected) : "");
      }
    }
    tick();
    setInterval(tick, 1000);
  }

  function words(area) {
    var out = document.getElementById(area.getAttribute("data-words"));
    if (!out) return;
    function count() {
      var n = area.value.trim() === "" ? 0 : area.value.trim().split(/\s+/).length;
      out.textContent = n + (n === 1 ? " word" : " words");
    }
    area.addEventListener("input", count);
    count();
  }

  function draft(area) {
    var key = "rehearse:" + area.getAttribute("data-draft-key");
    var serverSaved = Number(area.getAttribute("data-server-saved")) || 0;
    var note = document.getElementById(area.getAttribute("data-draft-note"));
    var local = null;
    try { local = JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) { local = null; }
    if (local && typeof local.v === "string" && local.t > serverSaved && local.v !== area.value) {
      area.value = local.v;
      if (note) note.textContent = "Restored the draft kept in this browser.";
      area.dispatchEvent(new Event("change", { bubbles: true }));
    }
    area.addEventListener("input", function () {
      try { window.localStorage.setItem(key, JSON.stringify({ t: Date.now(), v: area.value })); } catch (e) { /* full or disabled */ }
    });
    var form = area.form;
    if (form) {
      form.addEventListener("submit", function () {
        try { window.localStorage.removeItem(key); } catch (e) { /* ignore */ }
      });
    }
  }

  function init(root) {
    var i, list;
    list = root.querySelectorAll("[data-timer]");
    for (i = 0; i < list.length; i++) timer(list[i]);
    list = root.querySelectorAll("[data-words]");
    for (i = 0; i < list.length; i++) words(list[i]);
    list = root.querySelectorAll("[data-draft-key]");
    for (i = 0; i < list.length; i++) draft(list[i]);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
})();
