// Live preview for the page editors: asks /preview for the rendered HTML. Without this script
// the "Preview" submit button of the new-page form still works.
(function () {
  "use strict";
  document.querySelectorAll(".editor[data-preview-url]").forEach(function (editor) {
    var form = editor.closest("form");
    var textarea = editor.querySelector("textarea");
    var pane = editor.querySelector(".preview-pane");
    var button = form && form.querySelector(".js-preview");
    if (!textarea || !pane) { return; }
    function show() {
      var body = new URLSearchParams();
      body.set("body", textarea.value);
      pane.hidden = false;
      pane.setAttribute("aria-busy", "true");
      fetch(editor.getAttribute("data-preview-url"), {
        method: "POST",
        headers: {"X-CSRFToken": window.CoWiki.csrfToken(), "Content-Type": "application/x-www-form-urlencoded"},
        body: body.toString(),
        credentials: "same-origin"
      }).then(function (response) { return response.text(); })
        .then(function (html) { pane.innerHTML = html; })  // sanitized by the server's renderer
        .catch(function () { pane.textContent = "The preview is not available right now."; })
        .finally(function () { pane.removeAttribute("aria-busy"); });
    }
    if (button) {
      button.hidden = false;
      button.addEventListener("click", show);
    }
  });
})();
