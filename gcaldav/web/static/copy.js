// The copy buttons: shown only where a script may run, they copy their data-copy text.
for (const button of document.querySelectorAll("button.copy")) {
  button.hidden = false;
  button.addEventListener("click", () => navigator.clipboard.writeText(button.dataset.copy)
    .then(() => { button.textContent = "Copied"; }));
}
