// Lesson page: play each H5P block with h5p-standalone (iframe mode), send the student's xAPI
// statements to the server (with the CSRF token) and show the score under the activity.
// Players start one after another: h5p-standalone keeps one global H5PIntegration at a time.
(function () {
  "use strict";
  var LOCAL_ID = "http://h5p.org/x-api/h5p-local-content-id";
  var players = {};
  var listening = false;

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) {
      return values[key] === undefined || values[key] === null ? "" : String(values[key]);
    });
  }

  function number(value) {
    return Math.round(value * 100) / 100;
  }

  function showScore(player, data) {
    if (!player.score || !data.recorded) return;
    var text = fill(player.score.getAttribute("data-template"), {
      score: number(data.score), max: number(data.max_score),
      best: number(data.best_score), attempts: data.attempts
    });
    player.score.textContent = text;
    player.score.setAttribute("data-recorded", "");
    // Whether it counts for the lesson is its own line: a wrong answer is not a pass.
    if (player.status) {
      player.status.textContent = data.status || "";
      player.status.toggleAttribute("data-done", Boolean(data.done));
      player.status.classList.toggle("status-completed", Boolean(data.done));
    }
  }

  function playerFor(statement) {
    var object = statement.object || {};
    var extensions = (object.definition && object.definition.extensions) || {};
    var id = extensions[LOCAL_ID];
    if (id !== undefined && players[String(id)]) return players[String(id)];
    for (var key in players) {
      if (object.id && object.id.indexOf(players[key].iri) === 0) return players[key];
    }
    return null;
  }

  function onStatement(event) {
    var statement = event.data && event.data.statement;
    if (!statement) return;
    var player = playerFor(statement);
    if (!player || !player.options.xapiUrl) return;
    fetch(player.options.xapiUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(statement)
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (data) showScore(player, data);
    }).catch(function () { /* offline: the next answer is sent again */ });
  }

  function listen() {
    if (listening || !window.H5P || !window.H5P.externalDispatcher) return;
    window.H5P.externalDispatcher.on("xAPI", onStatement);
    listening = true;
  }

  function start(container) {
    var options = JSON.parse(document.getElementById(container.getAttribute("data-h5p-options")).textContent);
    var figure = container.closest("[data-h5p]");
    var iri = window.location.origin + options.h5pJsonPath + "/";
    options.xAPIObjectIRI = iri;
    options.fullScreen = true;
    players[options.id] = {
      options: options, iri: iri,
      score: figure && figure.querySelector("[data-h5p-score]"),
      status: figure && figure.querySelector("[data-h5p-status]")
    };
    container.replaceChildren();
    return new window.H5PStandalone.H5P(container, options).then(function () {
      container.setAttribute("data-h5p-ready", "");
      listen();
    }, function (error) { failed(container, error); });
  }

  // A player costs ~300 KB (H5P core and the activity's libraries): on a phone over 3G it is
  // only loaded when the student starts it. Players start one after another.
  var chain = Promise.resolve();

  function failed(container, error) {
    container.setAttribute("data-h5p-error", "");
    var message = document.createElement("p");
    message.className = "message error";
    message.textContent = container.getAttribute("data-error-text") || String(error);
    container.appendChild(message);
  }

  // The start button comes disabled: a tap before this script is ready would do nothing (on a
  // slow phone the page shows well before its scripts have run). Without the player's script
  // (it did not load), the student is told so instead.
  function init() {
    document.querySelectorAll("[data-h5p-options]").forEach(function (container) {
      var button = container.querySelector("[data-h5p-start]");
      if (!button) return;
      if (!window.H5PStandalone) {
        failed(container, "H5PStandalone");
        return;
      }
      button.addEventListener("click", function () {
        button.disabled = true;
        chain = chain.then(function () { return start(container); });
      });
      button.disabled = false;
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
