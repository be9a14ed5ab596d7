// Draw every <canvas data-chart="ID"> from the JSON in <script id="ID"> (Django's json_script).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  if (typeof Chart === "undefined") {
    return; // the table below each chart still shows the numbers
  }
  const locale = document.documentElement.lang || "fi";
  document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source) {
      return;
    }
    const data = JSON.parse(source.textContent);
    // One series ({values}), or several stacked ({series: [{label, values}]}).
    const colours = ["#005a8c", "#c8102e", "#6a8d2f", "#7a4f9a", "#d98e04"];
    const stacked = Array.isArray(data.series);
    const datasets = stacked
      ? data.series.map((s, i) => ({ label: s.label, data: s.values, backgroundColor: colours[i % colours.length] }))
      : [{ label: data.title, data: data.values, backgroundColor: "#005a8c", borderColor: "#005a8c" }];
    new Chart(canvas, {
      type: data.type,
      data: { labels: data.labels, datasets: datasets },
      options: {
        locale: locale,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { display: stacked } },
        scales: {
          x: { stacked: stacked },
          y: { stacked: stacked, beginAtZero: true, ticks: { precision: 0 } },
        },
      },
    });
  });
});
