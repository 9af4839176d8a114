// Country pages: ask before deleting a clue. Without JavaScript the form simply submits.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.classList.contains("js-confirm")) {
    if (!window.confirm(form.dataset.confirm || "")) event.preventDefault();
  }
});
