// Wagtail's rich-text fields (Draftail) render a contenteditable element with role=textbox and
// no accessible name, so a screen reader announces an unnamed text box (axe: aria-input-field-
// name). Name each one after its field's label, including blocks added while editing.
(function () {
  "use strict";
  var SELECTOR = '[contenteditable="true"][role="textbox"]:not([aria-labelledby]):not([aria-label])';
  var counter = 0;

  function labelFor(box) {
    var wrapper = box.closest(".w-field__wrapper, .w-field");
    var label = wrapper && wrapper.querySelector("label, .w-field__label");
    if (label && label.textContent.trim()) return label;
    var block = box.closest("[data-contentpath]");
    return block && block.querySelector(".c-sf-block__type, .w-panel__heading");
  }

  function name(root) {
    root.querySelectorAll(SELECTOR).forEach(function (box) {
      var label = labelFor(box);
      if (label && label.textContent.trim()) {
        if (!label.id) label.id = "rich-text-label-" + (++counter);
        box.setAttribute("aria-labelledby", label.id);
      } else {
        box.setAttribute("aria-label", document.title);
      }
    });
  }

  function start() {
    name(document);
    new MutationObserver(function () { name(document); }).observe(document.body, {
      childList: true,
      subtree: true,
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
