// Relay drafts: a live length counter per draft, counted as the platform does
// (X counts every link as 23 characters). The server checks again on submit.
(function () {
  "use strict";
  var URL_RE = /https?:\/\/\S+/gi;
  var X_LINK = 23;

  function weighted(text, channel) {
    var length = Array.from(text).length;
    if (channel !== "x") { return length; }
    var links = text.match(URL_RE) || [];
    links.forEach(function (link) { length += X_LINK - Array.from(link).length; });
    return length;
  }

  function update(area, counter) {
    var limit = parseInt(area.getAttribute("data-relay-limit"), 10);
    var length = weighted(area.value, area.getAttribute("data-relay-channel"));
    counter.textContent = counter.textContent.replace(/^\s*\d+\s*\/\s*\d+/, length + " / " + limit);
    counter.classList.toggle("over", length > limit);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-relay-count-for]").forEach(function (counter) {
      var area = document.getElementById(counter.getAttribute("data-relay-count-for"));
      if (!area) { return; }
      area.addEventListener("input", function () { update(area, counter); });
      update(area, counter);
    });
  });
})();
