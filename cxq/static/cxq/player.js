// Recording ↔ transcript sync (docs/interactions.md#the-interaction-page): highlight the utterance being played, seek on click,
// playback speed buttons. The transcript's utterances carry data-start / data-end in seconds.

// A link to a moment, "#t=12.5" (seconds; an automated answer's evidence links here): the line said then
// is marked and scrolled to, and the recording, if there is one, is cued there and played.
function cueMoment() {
  const match = /^#t=(\d+(?:\.\d+)?)$/.exec(window.location.hash);
  if (!match) return;
  const at = Number(match[1]);
  const lines = Array.from(document.querySelectorAll(".utt[data-start]"));
  const line = lines.filter((u) => Number(u.dataset.start) <= at + 0.001).pop() || lines[0];
  lines.forEach((u) => u.classList.toggle("cued", u === line));
  if (line) {
    line.scrollIntoView({ block: "center" });
    line.focus({ preventScroll: true });
  }
  const media = document.querySelector("[data-player] [data-media]");
  if (!media) return;
  const play = () => {
    media.currentTime = at;
    media.play().catch(() => {});
  };
  if (media.readyState >= 1) play();
  else media.addEventListener("loadedmetadata", play, { once: true });
}
document.addEventListener("DOMContentLoaded", cueMoment);
window.addEventListener("hashchange", cueMoment);

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
    // a click on a control inside the line (its "Comment" button) is that control's, not a seek
    u.addEventListener("click", (e) => { if (!e.target.closest("button, a, input, textarea, select")) seek(u); });
    // Enter on the line itself, not on a control inside it (its "Comment" button).
    u.addEventListener("keydown", (e) => { if (e.key === "Enter" && e.target === u) seek(u); });
  });

  // A hit or comment on the timeline plays the recording from that moment.
  document.querySelectorAll(".timeline .marker[data-at]").forEach((marker) => {
    marker.addEventListener("click", () => {
      media.currentTime = Number(marker.dataset.at);
      media.play().catch(() => {});
    });
  });

  // The playhead moves along the timeline while the recording plays; a click on the bar (not on a
  // marker) plays from that point. The timeline spans the interaction (data-length, seconds).
  const timeline = document.querySelector(".timeline[data-length]");
  const track = timeline && timeline.querySelector("[data-track]");
  const head = timeline && timeline.querySelector("[data-playhead]");
  const length = timeline ? Number(timeline.dataset.length) : 0;
  if (track && head && length > 0) {
    const moveHead = () => {
      head.hidden = false;
      head.style.left = `${Math.min(100, (100 * media.currentTime) / length)}%`;
    };
    ["timeupdate", "seeked", "loadedmetadata"].forEach((name) => media.addEventListener(name, moveHead));
    timeline.addEventListener("click", (e) => {
      if (e.target.closest(".marker")) return;
      const box = track.getBoundingClientRect();
      const fraction = Math.min(1, Math.max(0, (e.clientX - box.left) / box.width));
      media.currentTime = fraction * length;
      media.play().catch(() => {});
    });
  }

  // The selected speed follows the media's own rate, so it is right from the start and after a
  // change made elsewhere (the browser's playback-speed menu), and says so to screen readers.
  const rates = Array.from(player.querySelectorAll("[data-rate]"));
  const showRate = () => rates.forEach((b) => {
    const on = Number(b.dataset.rate) === media.playbackRate;
    b.classList.toggle("btn-primary", on);
    b.setAttribute("aria-pressed", String(on));
  });
  rates.forEach((button) => {
    button.addEventListener("click", () => { media.playbackRate = Number(button.dataset.rate); });
  });
  media.addEventListener("ratechange", showRate);
  showRate();

  // A moment named elsewhere on the page (a dispute item's "at 1:23") plays from there; "Now" next to
  // a moment field writes the player's position into it as m:ss.
  document.querySelectorAll("[data-seek]").forEach((button) => {
    button.addEventListener("click", () => {
      media.currentTime = Number(button.dataset.seek);
      media.play().catch(() => {});
    });
  });
  document.querySelectorAll("[data-moment-now]").forEach((button) => {
    button.addEventListener("click", () => {
      const input = document.getElementById(button.dataset.momentNow);
      const t = Math.floor(media.currentTime);
      const h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), s = String(t % 60).padStart(2, "0");
      input.value = h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
    });
  });
});

// Screen tracks beside the call (docs/screen-recordings.md#playback): each monitor's video follows the
// call's audio. Its time is the audio's minus its offset (data-offset, seconds; negative when the screen
// started first); outside its span it is paused and hidden behind a blank that says so. Play, pause,
// seek and speed follow the audio; a video drifting more than DRIFT seconds is put back in step.
document.addEventListener("DOMContentLoaded", () => {
  const media = document.querySelector("[data-player] [data-media]");
  const screens = Array.from(document.querySelectorAll("[data-screen]"));
  if (!media || !screens.length) return;
  const DRIFT = 0.25;
  const sync = (force) => {
    const t = media.currentTime;
    screens.forEach((screen) => {
      const video = screen.querySelector("[data-screen-video]");
      const local = t - Number(screen.dataset.offset);
      const length = Number.isFinite(video.duration) ? video.duration : Infinity;
      const inside = local >= 0 && local < length;
      screen.classList.toggle("screen-off", !inside);
      if (!inside) {
        if (!video.paused) video.pause();
        return;
      }
      if (video.playbackRate !== media.playbackRate) video.playbackRate = media.playbackRate;
      if (force || Math.abs(video.currentTime - local) > DRIFT) video.currentTime = local;
      if (media.paused) {
        if (!video.paused) video.pause();
      } else if (video.paused) {
        video.play().catch(() => {});
      }
    });
  };
  ["seeking", "seeked", "loadedmetadata"].forEach((name) => media.addEventListener(name, () => sync(true)));
  ["play", "pause", "ratechange", "timeupdate"].forEach((name) => media.addEventListener(name, () => sync(false)));
  screens.forEach((screen) => {
    screen.querySelector("[data-screen-video]").addEventListener("loadedmetadata", () => sync(true));
  });
  sync(true);
});
