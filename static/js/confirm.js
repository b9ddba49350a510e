// A form with data-confirm="Question?" asks before it submits (instead of an inline
// onsubmit handler, which the Content-Security-Policy forbids).
(function () {
  "use strict";
  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });
})();
