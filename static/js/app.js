// Small progressive enhancements; every page works without them.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Put the cursor where the work starts: the first field marked data-autofocus, else the
  // first visible input of the page's first form (login and code pages).
  const target =
    document.querySelector("[data-autofocus]") ||
    document.querySelector("main form input:not([type=hidden]):not([disabled])");
  if (target && !document.querySelector("[autofocus]")) {
    target.focus();
  }

  // Ask before an action marked data-confirm ("Poista", "Peruuta suostumus", ...).
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    });
  });
});
