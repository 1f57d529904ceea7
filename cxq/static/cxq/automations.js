// Automation cards (docs/automations.md): drag to reorder (SortableJS), and the condition builder of a
// card's form. Alpine runs its CSP build: templates only read state and call the methods below.
/* global Alpine, Sortable */

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

// A card's condition (docs/conditions.md): one group (all / any) of rules edited as rows; a nested
// condition is edited as JSON ("advanced"). The form's hidden ``condition`` field is written on submit.
function conditionBuilder() {
  const config = { ...this.$el.dataset };
  const vocabulary = JSON.parse(document.getElementById(config.vocabulary).textContent);
  const start = JSON.parse(JSON.parse(document.getElementById(config.condition).textContent) || "{}");
  const spec = (name) => vocabulary.find((f) => f.name === name) || vocabulary[0];
  const listed = (op) => op === "in" || op === "not_in" || op === "between";
  const toRow = (rule) => ({
    field: rule.field,
    op: rule.op,
    value: Array.isArray(rule.value) ? rule.value.join(", ") : String(rule.value),
    side: rule.side || "",
  });
  const toRule = (row) => {
    const kind = spec(row.field).kind;
    const one = (v) => ((kind === "int" || kind === "metric") && v !== "" && !Number.isNaN(Number(v)) ? Number(v) : v);
    const parts = row.value.split(",").map((v) => v.trim()).filter((v) => v !== "");
    const rule = { field: row.field, op: row.op, value: listed(row.op) ? parts.map(one) : one(row.value.trim()) };
    if (row.side && spec(row.field).sided) rule.side = row.side;
    return rule;
  };
  const kind = Object.keys(start)[0] || "all";
  const items = start[kind] || [];
  const flat = items.every((i) => i.field);
  return {
    fields: vocabulary,
    join: flat ? kind : "all",
    rows: flat ? items.map(toRow) : [],
    advanced: !flat,
    raw: flat ? "" : JSON.stringify(start, null, 2),
    opsFor(row) { return spec(row.field).ops; },
    isSided(row) { return spec(row.field).sided; },
    hintsId(row) { return `hints-${row.field}`; },
    isOp(row, op) { return row.op === op.value; },
    isField(row, f) { return row.field === f.name; },
    placeholder(row) {
      if (row.op === "between") return "from, to";
      return listed(row.op) ? "values, separated by commas" : "value";
    },
    add() { this.rows.push({ field: "channel", op: "is", value: "", side: "" }); },
    remove(index) { this.rows.splice(index, 1); },
    fieldChanged(row) { row.op = spec(row.field).ops[0].value; row.value = ""; row.side = ""; },
    condition() { return this.advanced ? this.raw : JSON.stringify({ [this.join]: this.rows.map(toRule) }); },
    toggleAdvanced() {
      if (!this.advanced) {
        this.raw = JSON.stringify(JSON.parse(this.condition()), null, 2);
        this.advanced = true;
      }
    },
    serialize() { document.getElementById(config.target).value = this.condition(); },
  };
}
document.addEventListener("alpine:init", () => Alpine.data("automationConditionBuilder", conditionBuilder));
