// Recording ↔ transcript sync (IN-4): highlight the utterance being played, seek on click,
// playback speed buttons. The transcript's utterances carry data-start / data-end in seconds.
document.addEventListener("DOMContentLoaded", () => {
  const player = document.querySelector("[data-player]");
  const media = player && player.querySelector("[data-media]");
  if (!media) return;
  const utterances = Array.from(document.querySelectorAll(".utt[data-start]"));
  let current = null;

  media.addEventListener("timeupdate", () => {
    const t = media.currentTime;
    const next = utterances.find((u) => t >= Number(u.dataset.start) && t < Number(u.dataset.end)) || null;
    if (next === current) return;
    if (current) current.classList.remove("playing");
    if (next) {
      next.classList.add("playing");
      next.scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
    current = next;
  });

  const seek = (u) => {
    media.currentTime = Number(u.dataset.start);
    media.play().catch(() => {});
  };
  utterances.forEach((u) => {
    u.addEventListener("click", () => seek(u));
    u.addEventListener("keydown", (e) => { if (e.key === "Enter") seek(u); });
  });

  player.querySelectorAll("[data-rate]").forEach((button) => {
    button.addEventListener("click", () => {
      media.playbackRate = Number(button.dataset.rate);
      player.querySelectorAll("[data-rate]").forEach((b) => b.classList.toggle("btn-primary", b === button));
    });
  });
});
