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
    new Chart(canvas, {
      type: data.type,
      data: {
        labels: data.labels,
        datasets: [{ label: data.title, data: data.values, backgroundColor: "#005a8c", borderColor: "#005a8c" }],
      },
      options: {
        locale: locale,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  });
});
