// The interaction page's moment form (docs/moments.md#making-a-moment): "Mark in"/"Mark out" take the
// player's current time; "Use the selected lines" takes the range of the transcript lines under the
// text selection (data-start of the first, data-end of the last).
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("[data-moment-form]");
  if (!form) return;
  const start = form.querySelector("[data-moment-start]");
  const end = form.querySelector("[data-moment-end]");
  const label = form.querySelector("[data-moment-range]");
  const media = document.querySelector("[data-player] [data-media]");
  const clock = (s) => {
    const t = Math.max(0, Math.floor(Number(s)));
    return `${Math.floor(t / 60)}:${String(t % 60).padStart(2, "0")}`;
  };
  const show = () => {
    label.textContent = start.value && end.value ? `${clock(start.value)} – ${clock(end.value)}` : "";
  };
  [start, end].forEach((input) => input.addEventListener("input", show));
  form.querySelectorAll("[data-mark]").forEach((button) => {
    if (!media) { button.disabled = true; button.title = "No recording to mark on"; return; }
    button.addEventListener("click", () => {
      const input = button.dataset.mark === "start" ? start : end;
      input.value = media.currentTime.toFixed(1);
      show();
    });
  });
  const lineOf = (node) => {
    const el = node && (node.nodeType === 1 ? node : node.parentElement);
    return el ? el.closest(".utt[data-start]") : null;
  };
  form.querySelector("[data-use-selection]").addEventListener("click", () => {
    const selection = window.getSelection();
    if (!selection || selection.isCollapsed) { label.textContent = "Select lines of the transcript first."; return; }
    const lines = [lineOf(selection.anchorNode), lineOf(selection.focusNode)].filter(Boolean);
    if (!lines.length) { label.textContent = "Select lines of the transcript first."; return; }
    const first = Math.min(...lines.map((u) => Number(u.dataset.start)));
    const last = Math.max(...lines.map((u) => Number(u.dataset.end)));
    start.value = first.toFixed(1);
    end.value = last.toFixed(1);
    show();
  });
});
