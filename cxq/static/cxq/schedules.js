// The slot picker (docs/schedules.md#the-slot-picker): asks /schedules/suggest/ for the people in the
// form's agent and coach fields, shows the explained slots, and a click on one fills the form's
// #id_starts_at (datetime-local) and #id_duration_minutes. Included by schedules/_slot_picker.html;
// loaded once even when a page includes the picker twice.
(function () {
  if (window.cxqSlotPicker) return;
  window.cxqSlotPicker = true;

  function values(id) {
    const field = id ? document.getElementById(id) : null;
    if (!field) return [];
    if (field instanceof HTMLSelectElement) return Array.from(field.selectedOptions).map((o) => o.value).filter(Boolean);
    // A group of checkboxes (Django's CheckboxSelectMultiple renders a container with this id).
    if (!(field instanceof HTMLInputElement)) {
      return Array.from(field.querySelectorAll("input:checked")).map((box) => box.value).filter(Boolean);
    }
    return field.value ? [field.value] : [];
  }

  function scope(picker) {
    return picker.closest("form") || document;
  }

  function isoDay(date) {
    return date.toISOString().slice(0, 10);
  }

  function ask(picker) {
    const from = picker.querySelector("[data-slot-from]");
    const to = picker.querySelector("[data-slot-to]");
    if (!from.value) from.value = isoDay(new Date());
    if (!to.value) {
      const end = new Date(`${from.value}T12:00:00`);
      end.setDate(end.getDate() + 13);
      to.value = isoDay(end);
    }
    const duration = scope(picker).querySelector("#id_duration_minutes");
    const params = new URLSearchParams();
    [...values(picker.dataset.agentField), ...values(picker.dataset.coachField)].forEach((v) => params.append("users", v));
    params.set("from", from.value);
    params.set("to", to.value);
    params.set("duration", (duration && duration.value) || "30");
    if (picker.dataset.team) params.set("team", picker.dataset.team);
    const target = picker.querySelector("[data-slot-results]");
    /* global htmx */
    htmx.ajax("GET", `${picker.dataset.url}?${params}`, { target, swap: "innerHTML", source: picker });
  }

  function pick(button) {
    const form = scope(button.closest("[data-slot-picker]") || button);
    const start = form.querySelector("#id_starts_at");
    const duration = form.querySelector("#id_duration_minutes");
    if (start) start.value = button.dataset.slotStart;
    if (duration) duration.value = button.dataset.slotDuration;
    [start, duration].forEach((field) => field && field.dispatchEvent(new Event("change", { bubbles: true })));
    button.closest(".slot-list").querySelectorAll(".slot-pick").forEach((b) => b.classList.remove("is-chosen"));
    button.classList.add("is-chosen");
  }

  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const suggest = target && target.closest("[data-slot-suggest]");
    if (suggest) ask(suggest.closest("[data-slot-picker]"));
    const slot = target && target.closest(".slot-pick[data-slot-start]");
    if (slot) pick(slot);
  });
})();
