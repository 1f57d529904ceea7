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
