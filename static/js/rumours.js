// Rumour page: the counter-message length against each platform's limit, and a
// "copy the text" button for the approved message. Without JavaScript the page
// works the same, without these helpers.
(function () {
  "use strict";

  function limits(textarea) {
    // "x:280,bluesky:300,mastodon:500" -> [["X", 280], ...]
    var names = { x: "X", bluesky: "Bluesky", mastodon: "Mastodon" };
    return (textarea.getAttribute("data-counter-limits") || "")
      .split(",")
      .map(function (pair) {
        var parts = pair.split(":");
        return [names[parts[0]] || parts[0], parseInt(parts[1], 10)];
      })
      .filter(function (pair) { return pair[1] > 0; });
  }

  document.querySelectorAll("[data-counter-for]").forEach(function (output) {
    var textarea = document.getElementById(output.getAttribute("data-counter-for"));
    if (!textarea) {
      return;
    }
    function render() {
      // Code points, as the platforms count them (not UTF-16 units).
      var length = Array.from(textarea.value).length;
      output.textContent = "";
      var total = document.createElement("span");
      total.textContent = length + " " + (output.getAttribute("data-label") || "");
      output.appendChild(total);
      limits(textarea).forEach(function (pair) {
        var item = document.createElement("span");
        item.textContent = " · " + pair[0] + " " + length + "/" + pair[1];
        if (length > pair[1]) {
          item.className = "over";
        }
        output.appendChild(item);
      });
    }
    textarea.addEventListener("input", render);
    render();
  });

  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy-target"));
    if (!source || !navigator.clipboard) {
      return;
    }
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.innerText.trim()).then(function () {
        button.textContent = "✓ " + label;
        window.setTimeout(function () { button.textContent = label; }, 2000);
      });
    });
  });
})();
