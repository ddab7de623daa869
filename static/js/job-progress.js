// Polls a job's state (jobs/<id>/ as JSON), moves the progress bar, reloads when it ends.
(function () {
  const section = document.getElementById("job-progress");
  if (!section || section.dataset.finished === "1") return;
  const bar = section.querySelector("progress");
  const text = document.getElementById("job-text");
  const stage = document.getElementById("job-stage");
  const url = section.dataset.statusUrl;
  let delay = 1000;
  async function poll() {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const state = await response.json();
        if (bar) {
          bar.value = state.percent;
          bar.textContent = state.percent + "%";
        }
        if (text && state.total) text.dataset.done = state.done;
        if (stage && state.stage !== undefined) stage.textContent = state.stage;
        if (state.status === "done" || state.status === "failed") {
          window.location.reload();
          return;
        }
        delay = 1000;
      }
    } catch (error) {
      delay = Math.min(delay * 2, 15000); // a weak network: back off, then try again
    }
    window.setTimeout(poll, delay);
  }
  window.setTimeout(poll, 500);
})();
