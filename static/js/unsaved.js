// Warns before leaving a page with unsaved edits: a form marked data-guard whose values differ
// from those it was loaded (or last saved) with, or one that came back refused (data-unsaved).
// A form whose own submit leaves the page does not count.
(function () {
  "use strict";

  const loaded = new WeakMap();
  let leavingBy = null;

  function state(form) {
    const data = new FormData(form);
    data.delete("csrfmiddlewaretoken");
    return new URLSearchParams(data).toString();
  }

  function remember(root) {
    const forms = root.matches?.("form[data-guard]")
      ? [root]
      : [...root.querySelectorAll("form[data-guard]")];
    forms.forEach((form) => loaded.set(form, state(form)));
  }

  function unsaved(form) {
    return form.hasAttribute("data-unsaved") || loaded.get(form) !== state(form);
  }

  // Runs after htmx's own handler, which cancels the navigation of forms it saves in place.
  window.addEventListener("submit", (event) => {
    if (!event.defaultPrevented) leavingBy = event.target;
  });

  window.addEventListener("beforeunload", (event) => {
    const forms = [...document.querySelectorAll("form[data-guard]")];
    const changed = forms.filter((form) => form !== leavingBy && unsaved(form));
    leavingBy = null;
    if (changed.length) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  remember(document);
  document.addEventListener("htmx:load", (event) => remember(event.detail.elt));
})();
