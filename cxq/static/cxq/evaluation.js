// The evaluation form: keyboard shortcuts (docs/evaluations.md#starting-an-evaluation), the autosave indicator, and the stale-save banner (docs/evaluations.md#concurrent-edits).
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

  // The indicator is replaced by every successful save (hx-swap-oob), so look it up each time.
  const setState = (text, bad = false) => {
    const state = document.getElementById("save-state");
    if (!state) return;
    state.textContent = text;
    state.classList.toggle("save-bad", bad);
  };
  const alertBox = document.getElementById("eval-alert");
  const showAlert = (text) => {
    const banner = document.createElement("div");
    banner.className = "banner banner-bad";
    banner.setAttribute("role", "alert");
    banner.dataset.refused = "";
    banner.textContent = text;
    alertBox.replaceChildren(banner);
  };
  // Comments save after a pause in typing: until then, say so rather than "saved" — also when a save
  // that left before the last keystrokes comes back.
  let typedSinceSave = false;
  form.addEventListener("input", (e) => {
    if (!e.target.matches("textarea")) return;
    typedSinceSave = true;
    setState("Unsaved changes…");
  });

  // A stale save answers 409 with a banner, a refused one 400 with the reason as text: show them
  // above the form instead of the score panel, and keep the indicator honest.
  form.addEventListener("htmx:beforeSwap", (e) => {
    const status = e.detail.xhr.status;
    if (status === 200) alertBox.querySelector("[data-refused]")?.remove();
    else if (status === 409) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
      e.detail.target = alertBox;
      e.detail.swapOverride = "innerHTML";
      setState("Not saved", true);
    } else if (status === 400) {
      e.detail.shouldSwap = false;
      e.detail.isError = false;
      showAlert(e.detail.xhr.responseText);
      setState("Not saved", true);
    }
  });
  form.addEventListener("htmx:afterSwap", (e) => {
    if (e.detail.target === alertBox) alertBox.scrollIntoView({ block: "nearest" });
  });

  // Submitting while an autosave is on its way would post the old lock version and be refused as
  // stale by our own save: wait for the saves to land (each brings the new lock), then submit, and
  // start no autosave after that.
  let inFlight = 0;
  let submitAsked = false;
  let submitting = false;
  const submitWhenIdle = () => {
    if (!submitAsked || submitting || inFlight > 0) return;
    submitting = true;
    HTMLFormElement.prototype.submit.call(form);
  };
  form.addEventListener("htmx:beforeRequest", (e) => {
    if (submitting) { e.preventDefault(); return; }
    inFlight += 1;
    typedSinceSave = false;  // the form's values were read just before this event
    setState("Saving…");
  });
  form.addEventListener("htmx:afterRequest", (e) => {
    inFlight = Math.max(0, inFlight - 1);
    if (!e.detail.successful) setState("Not saved: connection lost", true);
    else if (typedSinceSave) setState("Unsaved changes…");
    // A queued save starts right after this event: let it register before deciding.
    setTimeout(submitWhenIdle, 0);
  });
  // Back from the submitted page (bfcache): the form is live again.
  window.addEventListener("pageshow", (e) => {
    if (e.persisted) { submitAsked = false; submitting = false; }
  });
  form.addEventListener("submit", (e) => {
    if (submitting) return;
    e.preventDefault();
    submitAsked = true;
    if (inFlight > 0) setState("Saving before submitting…");
    submitWhenIdle();
  });
});
