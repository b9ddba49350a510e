// "Copy link" next to a read-only field (data-copy names the field's id): copies its text and
// says so in the page's live region; where copying is not allowed, selects the text instead.
(function () {
  "use strict";

  document.querySelectorAll("button[data-copy]").forEach((button) => {
    const field = document.getElementById(button.dataset.copy);
    const status = document.querySelector("[data-copy-status]");
    if (!field) return;
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(field.value);
        if (status) status.textContent = button.dataset.copied;
      } catch {
        field.focus();
        field.select();
      }
    });
  });
})();
