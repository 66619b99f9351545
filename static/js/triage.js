/* VOST Hub — triage workspace: keyboard shortcuts, lease countdown and auto-renewal,
 * undo countdown, the team lead's table (j/k, space, select all). No inline scripts (CSP).
 *
 * The server decides what a page offers: an element with data-key="x" is "clicked"
 * by the key x (links and submit buttons alike), so a shortcut only exists when the
 * page shows the matching action. Every action is a plain form: without this file
 * everything still works with the mouse or Tab + Enter.
 *
 * Shortcuts are ignored while typing in a field, except Escape (leave the field,
 * cancel) and Ctrl+Enter (confirm). Inside the decision form, Enter confirms the
 * chosen decision (Shift+Enter makes a new line in the note).
 */
(function () {
  "use strict";
  var root = document.querySelector("[data-triage-page]");
  if (!root) { return; }
  var form = document.getElementById("decision-form");
  var help = document.getElementById("triage-help");
  var mode = null; // "relevant", "urgent" or "verify" while a decision is being made
  var gPressed = 0; // time of a "g" waiting for its "q"
  var lastActivity = Date.now();
  var ACTIVE_MS = 5 * 60 * 1000; // the lease is renewed only for someone still there

  // --- helpers --------------------------------------------------------------------
  var TEXT_TYPES = ["text", "search", "email", "url", "tel", "password", "number", "date",
    "datetime-local", "time", "month", "week"];
  function isTyping(el) {
    if (!el || !el.tagName) { return false; }
    var tag = el.tagName.toLowerCase();
    if (tag === "textarea" || tag === "select" || el.isContentEditable) { return true; }
    return tag === "input" && TEXT_TYPES.indexOf((el.type || "text").toLowerCase()) !== -1;
  }
  function keyTarget(key) {
    var el = document.querySelector('[data-key="' + key + '"]');
    return el && !el.disabled ? el : null;
  }
  function press(key) {
    var el = keyTarget(key);
    if (el) { el.click(); }
    return !!el;
  }
  function button(action) {
    return form ? form.querySelector('[data-action="' + action + '"]') : null;
  }
  function field(name) {
    return form ? form.elements.namedItem(name) : null;
  }
  function hint(text) {
    var box = form && form.querySelector("[data-mode-hint]");
    if (box) { box.textContent = text || ""; }
  }
  function formatSeconds(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    var m = Math.floor(s / 60);
    s = s % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }
  function loadedAt(el) {
    if (!el.dataset.loadedAt) { el.dataset.loadedAt = String(Date.now()); }
    return Number(el.dataset.loadedAt);
  }

  // --- decision modes ---------------------------------------------------------------
  function setMode(next) {
    mode = next;
    if (!form) { return; }
    form.classList.toggle("mode-relevant", next === "relevant");
    form.classList.toggle("mode-urgent", next === "urgent");
    form.classList.toggle("mode-verify", next === "verify");
    var urgent = button("urgent");
    if (urgent) {
      if (!urgent.dataset.label) { urgent.dataset.label = urgent.innerHTML; }
      if (next === "urgent") {
        urgent.textContent = urgent.dataset.confirmLabel || urgent.textContent;
        urgent.classList.add("is-armed");
      } else {
        urgent.innerHTML = urgent.dataset.label;
        urgent.classList.remove("is-armed");
      }
    }
    hint(next ? form.dataset["hint" + next.charAt(0).toUpperCase() + next.slice(1)] : "");
  }
  function startRelevant(focusName) {
    if (!form) { return; }
    setMode("relevant");
    var target = field(focusName || "category");
    if (target) { target.focus(); }
    if (focusName === "tags") { hint(form.dataset.hintTags); }
  }
  function startVerify() {
    if (!form) { return; }
    setMode("verify");
    var note = field("note");
    if (note) { note.focus(); }
  }
  function armUrgent() {
    var urgent = button("urgent");
    if (!urgent) { return; }
    setMode("urgent");
    urgent.focus();
  }
  function confirm() {
    if (!form) { return; }
    if (mode === "verify") { submitWith(button("verify")); return; }
    if (mode === "urgent") { submitWith(button("urgent")); return; }
    var category = field("category");
    if (category && !category.value) {
      setMode("relevant");
      hint(form.dataset.hintCategory);
      category.focus();
      return;
    }
    submitWith(button("relevant"));
  }
  function submitWith(btn) {
    if (!btn || btn.disabled) { return; }
    if (btn.dataset.action === "urgent") { btn.dataset.confirmed = "1"; }
    if (form.requestSubmit) { form.requestSubmit(btn); } else { btn.click(); }
  }
  function pickCategory(digit) {
    var category = field("category");
    if (!category || digit < 1 || digit >= category.options.length) { return; }
    category.selectedIndex = digit;
    category.dispatchEvent(new Event("change", { bubbles: true }));
    if (mode !== "relevant") { setMode("relevant"); }
    category.focus();
  }

  if (form) {
    // Mouse or Tab users: urgent asks for a second click, relevant needs a category.
    form.addEventListener("click", function (event) {
      var btn = event.target.closest && event.target.closest("button[data-action]");
      if (!btn) { return; }
      if (btn.dataset.action === "urgent" && mode !== "urgent" && !btn.dataset.confirmed) {
        event.preventDefault();
        armUrgent();
      } else if (btn.dataset.action === "relevant") {
        var category = field("category");
        if (category && !category.value) {
          event.preventDefault();
          startRelevant();
          hint(form.dataset.hintCategory);
        }
      }
    });
  }

  // --- one submission per form (double clicks, key repeat) -----------------------------
  document.addEventListener("submit", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLFormElement) || target.hasAttribute("hx-post")) { return; }
    if (target.method === "get" || target.getAttribute("method") === "dialog") { return; }
    if (target.dataset.submitting) { event.preventDefault(); return; }
    target.dataset.submitting = "1";
    // disabled after the browser has read the clicked button's value
    window.setTimeout(function () {
      target.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    }, 0);
  });
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form[data-submitting]").forEach(function (f) {
      delete f.dataset.submitting;
      f.querySelectorAll("button").forEach(function (b) { if (!b.hasAttribute("hidden")) { b.disabled = false; } });
    });
  });

  // --- team lead's table ----------------------------------------------------------
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-row]"));
  var currentRow = -1;
  var counter = document.querySelector("[data-selected-count]");
  function rowBox(row) { return row.querySelector('input[type="checkbox"]'); }
  function focusRow(index) {
    if (!rows.length) { return; }
    currentRow = Math.max(0, Math.min(rows.length - 1, index));
    rows.forEach(function (row, i) { row.classList.toggle("row-current", i === currentRow); });
    var box = rowBox(rows[currentRow]);
    if (box) { box.focus(); }
    rows[currentRow].scrollIntoView({ block: "nearest" });
  }
  function updateSelection() {
    if (!counter) { return; }
    var n = rows.filter(function (row) { var b = rowBox(row); return b && b.checked; }).length;
    rows.forEach(function (row) { var b = rowBox(row); row.classList.toggle("row-selected", !!(b && b.checked)); });
    var template = n === 1 ? counter.dataset.one : counter.dataset.many;
    counter.textContent = n && template ? template.replace("{n}", String(n)) : (counter.dataset.none || "");
  }
  rows.forEach(function (row, index) {
    var box = rowBox(row);
    if (!box) { return; }
    box.addEventListener("focus", function () {
      currentRow = index;
      rows.forEach(function (r, i) { r.classList.toggle("row-current", i === index); });
    });
    box.addEventListener("change", updateSelection);
  });
  var selectAll = document.querySelector("[data-select-all]");
  if (selectAll) {
    selectAll.addEventListener("change", function () {
      rows.forEach(function (row) { var b = rowBox(row); if (b) { b.checked = selectAll.checked; } });
      updateSelection();
    });
  }
  updateSelection();

  // --- keys -----------------------------------------------------------------------
  function openHelp() {
    if (help && !help.open && help.showModal) { help.showModal(); }
  }
  document.querySelectorAll("[data-open-help]").forEach(function (el) {
    el.addEventListener("click", openHelp);
  });

  function onFieldKey(event, target) {
    // Enter, digits and Escape inside the decision form's fields
    var name = target.name;
    if (event.key === "Escape") {
      setMode(null);
      target.blur();
      event.preventDefault();
      return true;
    }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      confirm();
      return true;
    }
    if (event.key === "Enter" && !event.shiftKey && !event.altKey) {
      event.preventDefault();
      if (name === "note" && mode !== "verify" && mode !== "relevant") { setMode("verify"); }
      confirm();
      return true;
    }
    if (name === "category" && /^[1-9]$/.test(event.key)) {
      event.preventDefault();
      pickCategory(Number(event.key));
      return true;
    }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    lastActivity = Date.now();
    if (event.defaultPrevented || event.isComposing) { return; }
    if (help && help.open) { return; } // the dialog closes itself on Escape
    var target = event.target;
    if (form && isTyping(target) && form.contains(target)) {
      onFieldKey(event, target);
      return;
    }
    if (isTyping(target)) {
      if (event.key === "Escape") { target.blur(); }
      return;
    }
    var key = event.key;
    if (key === "Escape") {
      if (mode) { setMode(null); if (document.activeElement && form && form.contains(document.activeElement)) { document.activeElement.blur(); } }
      return;
    }
    if (key === "Enter" && (event.ctrlKey || event.metaKey) && form && mode) {
      event.preventDefault();
      confirm();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    // a checked row: Enter opens its item
    if (key === "Enter" && target.closest && target.closest("tr[data-row]") && target.type === "checkbox") {
      event.preventDefault();
      window.location.assign(target.closest("tr[data-row]").dataset.href);
      return;
    }
    if (gPressed && Date.now() - gPressed < 1500) {
      gPressed = 0;
      if (key === "q") { event.preventDefault(); press("gq"); }
      return;
    }
    gPressed = 0;
    var handled = true;
    switch (key) {
      case "?": openHelp(); break;
      case "g": gPressed = Date.now(); break;
      case "n": case "x": case "s": case "e": case "o": case "z": handled = press(key); break;
      case "r": if (form) { startRelevant(); } else { handled = false; } break;
      case "t": if (form) { startRelevant("tags"); } else { handled = false; } break;
      case "v": if (form) { startVerify(); } else { handled = false; } break;
      case "u": if (form) { armUrgent(); } else { handled = false; } break;
      case "j": if (rows.length) { focusRow(currentRow + 1); } else { handled = false; } break;
      case "k": if (rows.length) { focusRow(currentRow < 0 ? 0 : currentRow - 1); } else { handled = false; } break;
      case " ":
        if (rows.length && currentRow >= 0 && !(target.type === "checkbox")) {
          var box = rowBox(rows[currentRow]);
          if (box) { box.checked = !box.checked; updateSelection(); }
        } else { handled = false; }
        break;
      default:
        if (/^[1-9]$/.test(key) && form && mode === "relevant") { pickCategory(Number(key)); } else { handled = false; }
    }
    if (handled) { event.preventDefault(); }
  });
  ["pointerdown", "pointermove", "scroll", "focusin"].forEach(function (name) {
    document.addEventListener(name, function () { lastActivity = Date.now(); }, { passive: true });
  });

  // --- lease: countdown and renewal while the person is active ---------------------------
  function tickLease() {
    var lease = document.getElementById("lease");
    if (!lease || !lease.dataset.secondsLeft) { return; }
    var left = Number(lease.dataset.secondsLeft) - (Date.now() - loadedAt(lease)) / 1000;
    var out = lease.querySelector("[data-lease-countdown]");
    if (out) { out.textContent = left > 0 ? " · " + formatSeconds(left) : ""; }
    if (left <= 0) {
      if (!lease.classList.contains("lease-lost")) {
        lease.classList.add("lease-lost");
        var text = lease.querySelector(".lease-text");
        if (text && lease.dataset.expiredText) { text.textContent = lease.dataset.expiredText; text.setAttribute("role", "alert"); }
      }
      return;
    }
    var renewBefore = Number(lease.dataset.renewBefore || 120);
    if (left < renewBefore && !lease.dataset.renewing && Date.now() - lastActivity < ACTIVE_MS) {
      var renew = lease.querySelector("[data-renew-form]");
      if (renew && window.htmx) {
        lease.dataset.renewing = "1";
        renew.requestSubmit();
      }
    }
  }

  // --- undo: the button goes away with the window -----------------------------------------
  function tickUndo() {
    var bar = document.getElementById("undo-bar");
    if (!bar) { return; }
    var left = Number(bar.dataset.secondsLeft) - (Date.now() - loadedAt(bar)) / 1000;
    var out = bar.querySelector("[data-undo-countdown]");
    if (left <= 0) { bar.remove(); return; }
    if (out) { out.textContent = String(Math.ceil(left)); }
  }
  window.setInterval(function () { tickLease(); tickUndo(); }, 1000);
  tickLease();
  tickUndo();

  // --- live counters: a lapsed session must not paint the login page into the header ----
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail && event.detail.xhr;
    var login = root.dataset.loginUrl;
    if (xhr && login && xhr.responseURL && xhr.responseURL.indexOf(login) !== -1) {
      event.detail.shouldSwap = false;
      window.location.reload();
    }
  });

})();
