// The evaluation form: keyboard shortcuts (EV-1) and the stale-save banner (EV-9).
// Scoring is the server's: every change posts the answers and the running total comes back.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("[data-evaluation-form]");
  if (!form) return;
  const visibleQuestions = () =>
    Array.from(form.querySelectorAll(".eval-question")).filter((q) => q.offsetParent !== null);
  let current = null;
  const focusQuestion = (q) => {
    if (!q) return;
    if (current) current.classList.remove("focused");
    current = q;
    q.classList.add("focused");
    q.focus({ preventScroll: true });
    q.scrollIntoView({ block: "center", behavior: "smooth" });
  };
  form.addEventListener("focusin", (e) => {
    const q = e.target.closest(".eval-question");
    if (q && q !== current) {
      if (current) current.classList.remove("focused");
      current = q;
      q.classList.add("focused");
    }
  });
  const choose = (input) => {
    if (!input) return;
    input.checked = true;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  };
  document.addEventListener("keydown", (e) => {
    if (e.target.closest("textarea, input[type=text], select") || e.metaKey || e.ctrlKey || e.altKey) return;
    const questions = visibleQuestions();
    const index = questions.indexOf(current);
    if (e.key === "j") { focusQuestion(questions[Math.min(index + 1, questions.length - 1)]); e.preventDefault(); }
    else if (e.key === "k") { focusQuestion(questions[Math.max(index - 1, 0)]); e.preventDefault(); }
    else if (current && /^[1-9]$/.test(e.key)) {
      const radios = Array.from(current.querySelectorAll("input[type=radio]")).filter((r) => r.value && r.value !== "na");
      choose(radios[Number(e.key) - 1]);
      e.preventDefault();
    } else if (current && e.key === "n") { choose(current.querySelector("input[value=na]")); e.preventDefault(); }
    else if (current && e.key === "0") { choose(current.querySelector("input[value='']")); e.preventDefault(); }
  });
  // A stale save answers 409 with a banner: show it instead of the score panel.
  document.body.addEventListener("htmx:beforeSwap", (e) => {
    if (e.detail.xhr.status === 409) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
      e.detail.target = document.getElementById("eval-alert");
      e.detail.swapOverride = "innerHTML";
    }
  });
  document.body.addEventListener("htmx:beforeRequest", () => {
    const state = document.getElementById("save-state");
    if (state) state.textContent = "Saving…";
  });
});
