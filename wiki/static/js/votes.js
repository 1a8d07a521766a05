// Voting in place: the vote form works without this file (a POST that returns to the page);
// with it, a click sends the vote to the JSON API and updates the counts and pressed state.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector("meta[name=csrf-token]");
    return meta ? meta.content : "";
  }

  function setText(widget, name, value) {
    var nodes = widget.querySelectorAll("[data-count=" + name + "]");
    for (var i = 0; i < nodes.length; i++) {
      nodes[i].textContent = name === "score" && value > 0 ? "+" + value : String(value);
    }
  }

  function render(widget, state) {
    setText(widget, "up", state.votes.up);
    setText(widget, "down", state.votes.down);
    setText(widget, "score", state.votes.score);
    var buttons = widget.querySelectorAll("button[data-value]");
    var said = "";
    for (var i = 0; i < buttons.length; i++) {
      var button = buttons[i];
      var own = parseInt(button.getAttribute("data-value"), 10);
      var pressed = state.my_vote === own;
      button.setAttribute("aria-pressed", pressed ? "true" : "false");
      // keep the no-JS fallback right: a pressed button withdraws
      button.value = pressed ? "0" : String(own);
      if (pressed) {
        said = "Your vote: " + button.textContent.replace(/[▲▼\d]/g, "").trim().toLowerCase() + ".";
      }
    }
    var status = widget.querySelector(".vote-status");
    if (status) {
      status.textContent = said || "Your vote was withdrawn.";
    }
  }

  function fail(widget, message) {
    var status = widget.querySelector(".vote-status");
    if (status) {
      status.textContent = message;
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("vote-form") || !window.fetch) {
      return;
    }
    var widget = form.closest("[data-vote-widget]");
    var button = event.submitter;
    if (!widget || !button || !button.hasAttribute("data-value")) {
      return;
    }
    event.preventDefault();
    if (widget.getAttribute("aria-busy") === "true") {
      return;
    }
    var withdraw = button.getAttribute("aria-pressed") === "true";
    var options = {
      method: withdraw ? "DELETE" : "PUT",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() }
    };
    if (!withdraw) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify({ value: parseInt(button.getAttribute("data-value"), 10) });
    }
    widget.setAttribute("aria-busy", "true");
    fetch(widget.getAttribute("data-api"), options)
      .then(function (response) {
        if (response.status === 401) {
          form.submit(); // the server sends the visitor to the log-in page
          return null;
        }
        return response.json().then(function (body) {
          if (!response.ok) {
            throw new Error(body && body.error ? body.error.message : "Your vote was not saved.");
          }
          render(widget, body);
        });
      })
      .catch(function (error) {
        fail(widget, error.message || "Your vote was not saved; please try again.");
      })
      .then(function () {
        widget.removeAttribute("aria-busy");
      });
  });
})();
