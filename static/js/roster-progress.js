// Polls the import's status and moves the progress bar; reloads the page when it ends.
(function () {
  const section = document.getElementById("roster-progress");
  if (!section) return;
  const bar = section.querySelector("progress");
  const url = section.dataset.statusUrl;
  async function poll() {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const state = await response.json();
        bar.value = state.percent;
        bar.textContent = state.percent + "%";
        if (state.status !== "running") {
          window.location.reload();
          return;
        }
      }
    } catch (error) {
      // A weak network: try again on the next tick.
    }
    window.setTimeout(poll, 1000);
  }
  window.setTimeout(poll, 500);
})();
