// Closure page: while a change's fan-out (sessions, notices, e-mails) runs, poll its progress
// and, when a figure moves, swap in the history section from a fresh copy of the page (the
// rest of the page, and any form being filled in, stays as it is).
(function () {
  const sectionId = "closure-history";
  const section = () => document.getElementById(sectionId);
  if (!section()) return;
  const url = section().dataset.progressUrl;
  const running = () => section().querySelectorAll('.fanout[data-finished="0"]').length > 0;
  if (!running()) return;
  let last = "";
  let delay = 2000;
  async function refreshHistory() {
    const response = await fetch(window.location.href, { headers: { Accept: "text/html" } });
    if (!response.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.getElementById(sectionId);
    if (fresh) section().replaceWith(document.importNode(fresh, true));
  }
  async function poll() {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const state = JSON.stringify((await response.json()).changes);
        if (state !== last) await refreshHistory();
        last = state;
        delay = 2000;
        if (!running()) return;
      }
    } catch (error) {
      delay = Math.min(delay * 2, 20000); // a weak network: back off
    }
    window.setTimeout(poll, delay);
  }
  window.setTimeout(poll, 500);
})();
