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
});
