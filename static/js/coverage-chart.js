// The coverage chart: reads its data from the json_script element next to the canvas.
// The same figures are in the data table beside it, which is what screen readers use.
(function () {
  "use strict";
  var canvas = document.getElementById("coverage-chart");
  var source = document.getElementById("coverage-chart-data");
  if (!canvas || !source || typeof Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  new Chart(canvas, {
    type: "line",
    data: {
      labels: data.labels,
      datasets: [
        { label: data.labelCoverage, data: data.coverage, borderColor: "#1d6b3a", backgroundColor: "#1d6b3a", spanGaps: true },
        { label: data.labelParticipation, data: data.participation, borderColor: "#1f4e8c", backgroundColor: "#1f4e8c", borderDash: [6, 4], spanGaps: true }
      ]
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: { y: { min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } } }
    }
  });
})();
