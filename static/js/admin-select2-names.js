// The admin's autocomplete fields (select2) name their combobox only by the chosen value, so a
// screen reader does not say which field it is (axe: aria-input-field-name). Name each one by
// its field's label as well, also in inline rows added later.
"use strict";

(function () {
  function nameComboboxes() {
    document.querySelectorAll("select.admin-autocomplete").forEach((select) => {
      const container = select.nextElementSibling;
      const combobox = container && container.querySelector('[role="combobox"]');
      let label = select.id ? document.querySelector(`label[for="${select.id}"]`) : null;
      const cell = select.closest("td");
      if (!label && cell) {
        // A tabular inline: the column's heading names the field.
        const headings = cell.closest("table").querySelectorAll("thead th");
        label = headings[Array.from(cell.parentNode.children).indexOf(cell)] || null;
      }
      if (!combobox || !label) {
        return;
      }
      if (!label.id) {
        label.id = `${select.id || select.name}-label`;
      }
      const names = (combobox.getAttribute("aria-labelledby") || "").split(" ").filter(Boolean);
      if (!names.includes(label.id)) {
        combobox.setAttribute("aria-labelledby", [label.id, ...names].join(" "));
      }
      // Inside it, select2 shows the chosen value as a read-only textbox: named by the label.
      const rendered = combobox.querySelector('[role="textbox"]');
      if (rendered && !rendered.hasAttribute("aria-labelledby")) {
        rendered.setAttribute("aria-labelledby", label.id);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    nameComboboxes();
    new MutationObserver(nameComboboxes).observe(document.body, { childList: true, subtree: true });
  });
})();
