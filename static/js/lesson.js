// Lesson page: typeset formulas with KaTeX (when the page has any) and load hosted videos
// only when the student asks for them.
(function () {
  "use strict";
  function typeset() {
    var body = document.querySelector(".lesson-body");
    if (!body || typeof window.renderMathInElement !== "function") return;
    window.renderMathInElement(body, {
      delimiters: [
        { left: "$$", right: "$$", display: true },
        { left: "\\[", right: "\\]", display: true },
        { left: "\\(", right: "\\)", display: false },
        { left: "$", right: "$", display: false }
      ],
      throwOnError: false
    });
    body.setAttribute("data-math-ready", "");
  }
  function videos() {
    document.querySelectorAll("[data-load-video]").forEach(function (button) {
      button.addEventListener("click", function () {
        var facade = button.closest(".video-facade");
        var frame = document.createElement("iframe");
        frame.src = facade.getAttribute("data-embed-src");
        frame.title = button.textContent;
        frame.allow = "fullscreen; picture-in-picture";
        frame.setAttribute("allowfullscreen", "");
        frame.loading = "lazy";
        facade.replaceChildren(frame);
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    typeset();
    videos();
  });
})();
