// Select the whole value of read-only fields marked data-select-on-focus (the API token), so
// that it can be copied in one tap. A file, not an onfocus attribute: the site's CSP allows no
// inline handlers.
document.querySelectorAll("[data-select-on-focus]").forEach(function (field) {
  field.addEventListener("focus", function () { field.select(); });
});
