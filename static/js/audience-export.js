// Poll an audience export's progress and show it; reload when the file is ready, failed or
// stuck, or when the job service takes the job that waited for it.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const box = document.querySelector("[data-export-progress]");
  if (!box) {
    return;
  }
  const bar = box.querySelector("progress");
  const label = box.querySelector("[data-export-label]");
  const waiting = box.dataset.exportWaiting === "true";
  const poll = () => {
    fetch(box.dataset.exportProgress, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((data) => {
        bar.value = data.percent;
        bar.textContent = `${data.percent} %`;
        label.textContent = data.label;
        if (data.finished || data.stuck || data.waiting_for_job_service !== waiting) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(() => window.setTimeout(poll, 3000));
  };
  window.setTimeout(poll, 500);
});
