/* Escalations: keep the "waiting for" timers running, without inline scripts (CSP).
 *
 * <time data-elapsed="SECONDS" data-since="ISO">…</time> is rendered by the server
 * (so the page reads right without JavaScript); this adds the seconds gone by since
 * the element arrived, which keeps working across the htmx refreshes of the list and
 * does not depend on the browser's clock agreeing with the server's.
 * The format matches monitoring.escalations.duration_label.
 */
(function () {
  "use strict";

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function label(total) {
    if (total < 60) { return total + " s"; }
    var minutes = Math.floor(total / 60);
    if (minutes < 60) { return minutes + " min " + pad(total % 60) + " s"; }
    var hours = Math.floor(minutes / 60);
    if (hours < 24) { return hours + " h " + pad(minutes % 60) + " min"; }
    return Math.floor(hours / 24) + " d " + pad(hours % 24) + " h";
  }

  function tick() {
    var now = Date.now();
    var timers = document.querySelectorAll("time[data-elapsed]");
    Array.prototype.forEach.call(timers, function (el) {
      if (!el.dataset.loadedAt) { el.dataset.loadedAt = String(now); }
      var start = parseInt(el.dataset.elapsed, 10);
      if (isNaN(start)) { return; }
      var seconds = start + Math.floor((now - parseInt(el.dataset.loadedAt, 10)) / 1000);
      var text = label(Math.max(0, seconds));
      if (el.textContent !== text) { el.textContent = text; }
    });
  }

  tick();
  window.setInterval(tick, 1000);
})();
