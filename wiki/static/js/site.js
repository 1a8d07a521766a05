// Small progressive enhancements; every feature works without this file.
(function () {
  "use strict";
  // Forms with data-confirm ask before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    // Busy feedback on the button that sent the form.
    var button = form.querySelector("button[type=submit], button:not([type])");
    if (button && !form.hasAttribute("data-no-busy")) {
      button.setAttribute("aria-busy", "true");
    }
  });
  window.CoWiki = window.CoWiki || {};
  window.CoWiki.csrfToken = function () {
    var input = document.querySelector("input[name=csrf_token]");
    var meta = document.querySelector("meta[name=csrf-token]");
    return meta ? meta.content : input ? input.value : "";
  };
})();
