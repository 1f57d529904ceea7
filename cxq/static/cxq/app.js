// CXQ front-end glue. Behaviour lives in server-rendered HTML (htmx) and small Alpine components.
document.addEventListener("htmx:responseError", (event) => {
  const status = event.detail.xhr.status;
  const message = status === 403 ? "You do not have access to that." :
    status === 404 ? "That no longer exists." : `The server answered ${status}. Please try again.`;
  const box = document.createElement("div");
  box.className = "flash flash-error";
  box.setAttribute("role", "alert");
  box.textContent = message;
  const content = document.getElementById("content");
  if (content) content.prepend(box);
});

// Confirm destructive actions: <form data-confirm="Delete team X?">
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
}, true);

// The Content-Security-Policy allows no inline code: what templates used to say in on*="…" and
// style="…" attributes is said with data attributes and applied here.

// <select data-autosubmit>: choosing an option submits its form.
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof Element && field.matches("[data-autosubmit]") && field.form) field.form.submit();
});

// <form data-no-submit>: a form that only live-updates (htmx on change) is never submitted by Enter.
document.addEventListener("submit", (event) => {
  if (event.target instanceof HTMLFormElement && event.target.matches("[data-no-submit]")) event.preventDefault();
}, true);

// Positions and bar lengths computed on the server, in percent: data-left="12.5" → left: 12.5%,
// data-width="40" → width: 40%.
function applyGeometry(root) {
  root.querySelectorAll("[data-left]").forEach((el) => { el.style.left = `${el.dataset.left}%`; });
  root.querySelectorAll("[data-width]").forEach((el) => { el.style.width = `${el.dataset.width}%`; });
}

// Conditional questions (show_if): every score panel names the questions its answers hide
// (data-hidden-questions, space-separated keys). The form's questions are rendered with .q-hidden
// already; after an answer only the panel is redrawn, so the questions follow it here.
function applyHiddenQuestions() {
  const panels = document.querySelectorAll("[data-hidden-questions]");
  if (!panels.length) return;
  const hidden = new Set();
  panels.forEach((panel) => panel.dataset.hiddenQuestions.split(" ").filter(Boolean).forEach((key) => hidden.add(key)));
  document.querySelectorAll(".eval-question[data-question]").forEach((question) => {
    question.classList.toggle("q-hidden", hidden.has(question.dataset.question));
  });
}

document.addEventListener("DOMContentLoaded", () => applyGeometry(document));
document.addEventListener("htmx:load", (event) => {
  applyGeometry(event.target);
  applyHiddenQuestions();
});

// Alpine components (the CSP build evaluates no object literals or arrow functions in attributes,
// so every x-data names one registered here, or in the page's own script).
document.addEventListener("alpine:init", () => {
  /* global Alpine */
  // The user menu in the top bar.
  Alpine.data("userMenu", () => ({ open: false }));

  // A flash message: confirmations (data-fade) fade after 8 s; warnings and errors stay until dismissed.
  Alpine.data("flash", () => ({
    show: true,
    init() {
      if (this.$el.hasAttribute("data-fade")) setTimeout(() => { this.show = false; }, 8000);
    },
  }));

  // The interaction list: the secondary filters fold away (data-open: shown at first).
  Alpine.data("moreFilters", () => ({
    more: false,
    init() { this.more = this.$el.dataset.open === "true"; },
  }));

  // An autocomplete picker (docs/interactions.md#pickers): <select data-autocomplete="URL"> carries only
  // the chosen option, rendered by the server; Tom Select turns it into a combobox (label, keyboard,
  // aria-activedescendant) that asks URL?q=… for the others. The select keeps the value, so forms,
  // htmx "change" triggers and a reload work as with a plain drop-down.
  Alpine.data("autocomplete", () => ({
    init() {
      const select = this.$el;
      const source = select.dataset.autocomplete;
      /* global TomSelect */
      if (typeof TomSelect === "undefined" || select.tomselect) return;
      new TomSelect(select, {
        valueField: "value",
        labelField: "text",
        searchField: ["text"],
        allowEmptyOption: true,
        maxOptions: 20,
        preload: "focus",
        loadThrottle: 200,
        shouldLoad: () => true,
        load(query, callback) {
          const url = `${source}?q=${encodeURIComponent(query)}`;
          fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
            .then((response) => (response.ok ? response.json() : { results: [] }))
            .then((data) => callback(data.results))
            .catch(() => callback());
        },
      });
    },
  }));

  // The interaction list: the rows ticked for bulk assignment.
  Alpine.data("picker", () => ({ picked: [] }));

  // An interaction: its tabs, and the transcript line a new comment is about. A link to a comment
  // (#comment-…) opens the Comments tab.
  Alpine.data("interactionTabs", () => ({
    tab: window.location.hash.startsWith("#comment") ? "comments" : "transcript",
    anchor: "",
    anchorLabel: "",
    commentOn(index, label) {
      this.anchor = index;
      this.anchorLabel = label;
      this.tab = "comments";
    },
  }));

  // Answering a dispute, per item: adjust (choose the corrected answer) or re-affirm (with a note).
  Alpine.data("disputeResponse", () => ({
    kind: "",
    notePlaceholder() {
      return this.kind === "reaffirm" ? "Why the answer stands (required)" : "Note to the agent (optional)";
    },
  }));

  // Raising a dispute, per answer: the reason box opens once the answer is ticked.
  Alpine.data("disputeItem", () => ({ on: false }));

  // The condition builder of goals and automations (docs/conditions.md#the-builder), drawn by the include
  // interactions/condition_builder.html: groups of rules and groups edited here, sent as the JSON the
  // server validates (a refused part comes back named by its path). The root element names the
  // json_script element (data-builder) holding the vocabulary, the known values to suggest, the names of
  // the ids the condition names and the condition.
  Alpine.data("conditionBuilder", () => ({
    fields: [],
    byName: {},
    suggestions: {},
    names: {},
    root: { kind: "all", items: [] },
    counter: 0,
    init() {
      const builder = JSON.parse(document.getElementById(this.$el.dataset.builder).textContent);
      this.fields = builder.fields;
      this.suggestions = builder.suggestions;
      this.names = builder.names || {};
      this.fields.forEach((f) => { this.byName[f.name] = f; });
      this.root = this.fromJson(builder.condition);
    },
    nextId() { this.counter += 1; return `c${this.counter}`; },
    spec(rule) { return this.byName[rule.field] || this.fields[0]; },
    fromJson(node) {
      const kind = "any" in node ? "any" : "all";
      return { id: this.nextId(), kind, items: (node[kind] || []).map((item) => ("field" in item ? this.ruleFromJson(item) : this.fromJson(item))) };
    },
    ruleFromJson(item) {
      const rule = this.blankRule(item.field);
      rule.op = item.op;
      rule.side = item.side || "";
      const spec = this.spec(rule);
      const shown = (v) => (v === true ? "yes" : v === false ? "no" : String(v));
      if (item.op === "between") { rule.value = shown(item.value[0]); rule.value2 = shown(item.value[1]); }
      else if (Array.isArray(item.value)) {
        if (this.picks(spec)) rule.values = item.value.map(shown);
        else rule.value = item.value.map(shown).join(", ");
      } else rule.value = shown(item.value);
      return rule;
    },
    blankRule(field) {
      const spec = this.byName[field] || this.fields[0];
      return { id: this.nextId(), field: spec.name, op: spec.ops[0].value, value: "", value2: "", values: [], side: "" };
    },
    picks(spec) { return spec.kind === "ref" || spec.kind === "choice" || spec.kind === "bool"; },
    isGroup(item) { return Array.isArray(item.items); },
    isRule(item) { return !Array.isArray(item.items); },
    same(a, b) { return a === b; },
    includes(list, value) { return list.includes(value); },
    opsFor(rule) { return this.spec(rule).ops; },
    sided(rule) { return this.spec(rule).sided; },
    // the known values, and the rule's own when they are not among them (a person beyond the first
    // suggestions, a phrase set since deleted): a picker never hides what the condition says
    options(rule) {
      const known = this.suggestions[this.spec(rule).name] || [];
      const kind = this.inputKind(rule);
      const current = kind === "multi" ? rule.values : kind === "select" && rule.value ? [rule.value] : [];
      const missing = current.filter((v) => !known.some((s) => s.value === v));
      return missing.length ? [...known, ...missing.map((v) => ({ value: v, label: this.names[v] || v }))] : known;
    },
    listId(rule) { return `cond-list-${rule.id}`; },
    // how the value is entered: one pick, several picks, free text with suggestions, a number, two numbers
    inputKind(rule) {
      const spec = this.spec(rule);
      if (rule.op === "between") return "between";
      const many = rule.op === "in" || rule.op === "not_in";
      if (this.picks(spec)) return many ? "multi" : "select";
      if (spec.kind === "int" || spec.kind === "metric") return many ? "list" : "number";
      return many ? "list" : "text";
    },
    showsInput(rule, kind) { return this.inputKind(rule) === kind; },
    fieldChanged(rule) {
      const spec = this.spec(rule);
      if (!spec.ops.some((o) => o.value === rule.op)) rule.op = spec.ops[0].value;
      rule.value = ""; rule.value2 = ""; rule.values = []; rule.side = "";
    },
    addRule(group) { group.items.push(this.blankRule("queue")); },
    addGroup(group) { group.items.push({ id: this.nextId(), kind: "any", items: [this.blankRule("queue")] }); },
    remove(group, item) { group.items.splice(group.items.indexOf(item), 1); },
    isEmpty() { return this.root.items.length === 0; },
    toJson(node) {
      return { [node.kind]: node.items.map((item) => (this.isGroup(item) ? this.toJson(item) : this.ruleToJson(item))) };
    },
    ruleToJson(rule) {
      const kind = this.inputKind(rule);
      let value = rule.value;
      if (kind === "between") value = [rule.value, rule.value2];
      else if (kind === "multi") value = rule.values.slice();
      else if (kind === "list") value = rule.value.split(",").map((v) => v.trim()).filter((v) => v);
      const out = { field: rule.field, op: rule.op, value };
      if (rule.side) out.side = rule.side;
      return out;
    },
    serialized() { return JSON.stringify(this.toJson(this.root)); },
  }));
});
