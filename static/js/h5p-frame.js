// Runs inside the H5P player's iframe: H5P core saves resume state with jQuery POSTs, which
// Django only accepts with the CSRF token, so every request of the iframe carries it.
(function () {
  "use strict";
  var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  if (!match || !window.H5P || !window.H5P.jQuery) return;
  window.H5P.jQuery.ajaxSetup({ headers: { "X-CSRFToken": decodeURIComponent(match[1]) } });
})();
