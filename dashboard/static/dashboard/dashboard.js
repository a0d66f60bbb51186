/* The dashboard's only script besides htmx: copy buttons. */
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy-target]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copyTarget);
  if (!source) return;
  const text = source.value !== undefined ? source.value : source.textContent.trim();
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = "Copied";
  } catch (error) {
    source.select && source.select();
    button.textContent = "Press Ctrl+C to copy";
  }
});
