// Reply templates: "Copy" puts the filled reply on the clipboard (no inline script).
(function () {
  "use strict";

  function announce(button, text) {
    var status = button.parentElement.querySelector(".copy-status");
    if (status) {
      status.textContent = text;
    }
  }

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (error) {
      ok = false;
    }
    document.body.removeChild(area);
    return ok;
  }

  function copy(button) {
    var target = document.getElementById(button.dataset.copyTarget);
    if (!target) {
      return;
    }
    var text = target.textContent.trim();
    var done = function () {
      button.dataset.copied = "true";
      announce(button, button.dataset.copiedLabel);
    };
    var failed = function () {
      if (fallbackCopy(text)) {
        done();
        return;
      }
      var range = document.createRange();
      range.selectNodeContents(target);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      announce(button, button.dataset.failedLabel);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, failed);
    } else {
      failed();
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".js-copy");
    if (button) {
      event.preventDefault();
      copy(button);
    }
  });
})();
