// Forms that save in place (htmx, answered with the form alone plus the messages out of band):
// a refused save (400) is shown too, as the form with its problems, and the first problem gets
// the focus; after a save the message is scrolled into view if it is not.
(function () {
  "use strict";

  document.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.xhr.status === 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterSettle", (event) => {
    const source = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!source || !source.id) return;
    const form = document.getElementById(source.id);
    if (!form) return;
    if (event.detail.xhr.status === 400) {
      const problem = form.querySelector('[aria-invalid="true"]:not([disabled])');
      if (problem) problem.focus();
      return;
    }
    const messages = document.getElementById("messages");
    if (!messages || !messages.firstElementChild) return;
    const box = messages.getBoundingClientRect();
    if (box.top < 0 || box.bottom > window.innerHeight) {
      messages.scrollIntoView({ block: "center", behavior: "smooth" });
    }
  });
})();
