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

  // After an action in a section of a page ("#suostumukset", "#palaute"), the browser jumps to
  // the section: show the confirmation there, not off-screen at the top, and put the focus on
  // the section. The list stays a live region and is filled after the move, so that screen
  // readers announce it.
  const messages = document.querySelector("main > .messages");
  const anchor = window.location.hash ? decodeURIComponent(window.location.hash.slice(1)) : "";
  const section = anchor ? document.getElementById(anchor) : null;
  if (section && section.tagName === "SECTION") {
    if (!section.hasAttribute("tabindex")) {
      section.setAttribute("tabindex", "-1");
    }
    if (messages) {
      const items = Array.from(messages.children);
      messages.replaceChildren();
      messages.classList.add("messages-in-section");
      const heading = section.querySelector("h2, .section-head");
      const head = heading && heading.closest(".section-head") ? heading.closest(".section-head") : heading;
      if (head && head.parentNode === section) {
        head.after(messages);
      } else {
        section.prepend(messages);
      }
      window.setTimeout(() => messages.replaceChildren(...items), 100);
    }
    section.focus({ preventScroll: true });
    section.scrollIntoView({ block: "start" });
  }

  // Alt+Shift+letter moves to the section whose navigation link says data-shortcut="letter"
  // (the customer page): the section takes the focus, so the next Tab is inside it. The key's
  // position (event.code) is used, so the layout's letters do not matter.
  const shortcuts = new Map();
  document.querySelectorAll("a[data-shortcut]").forEach((link) => {
    shortcuts.set("Key" + link.dataset.shortcut.toUpperCase(), link);
  });
  if (shortcuts.size) {
    document.addEventListener("keydown", (event) => {
      if (!event.altKey || !event.shiftKey || event.ctrlKey || event.metaKey) {
        return;
      }
      const link = shortcuts.get(event.code);
      const target = link ? document.getElementById(link.hash.slice(1)) : null;
      if (!target) {
        return;
      }
      event.preventDefault();
      if (!target.hasAttribute("tabindex")) {
        target.setAttribute("tabindex", "-1");
      }
      target.focus({ preventScroll: true });
      target.scrollIntoView({ block: "start" });
      history.replaceState(null, "", link.hash);
    });
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
