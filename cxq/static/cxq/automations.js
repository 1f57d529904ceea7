// Automation cards (docs/automations.md): drag to reorder (SortableJS). A card's condition is edited
// with the condition builder shared with goals (conditionBuilder in app.js).
/* global Sortable */

// The list: dropping a card posts the whole new order at once; the priorities shown follow.
document.addEventListener("DOMContentLoaded", () => {
  const list = document.querySelector(".automation-cards[data-reorder-url]");
  const status = document.getElementById("reorder-status");
  if (!list || !window.Sortable) return;
  const renumber = () => list.querySelectorAll("[data-testid=priority]").forEach((p, i) => { p.textContent = `#${i + 1}`; });
  Sortable.create(list, {
    handle: ".drag",
    animation: 120,
    onEnd: async (event) => {
      if (event.oldIndex === event.newIndex) return;
      renumber();
      const order = Array.from(list.children).map((li) => li.dataset.id);
      status.textContent = "Saving the new order…";
      const response = await fetch(list.dataset.reorderUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": list.dataset.csrf },
        body: JSON.stringify({ order }),
      }).catch(() => null);
      if (response && response.ok) {
        status.textContent = "New order saved: it applies to the next interactions that arrive.";
      } else {
        const data = response ? await response.json().catch(() => ({})) : {};
        status.textContent = `Not saved: ${data.detail || "the server could not be reached"} Reloading…`;
        setTimeout(() => window.location.reload(), 1500);
      }
    },
  });
});
