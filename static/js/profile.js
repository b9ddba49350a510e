// The profile's booking link: the address under the name field follows what is typed, so the
// expert sees the page's URL before saving.
(function () {
  "use strict";
  const slug = document.getElementById("id_slug");
  const shown = document.getElementById("booking-url");
  if (!slug || !shown) return;
  const valid = /^[-a-zA-Z0-9_]+$/;
  slug.addEventListener("input", () => {
    const name = slug.value.trim();
    if (!name) {
      const none = document.createElement("span");
      none.className = "muted";
      none.textContent = shown.dataset.none;
      shown.replaceChildren(none);
    } else if (valid.test(name)) {
      // Plain text while typing: the link only works once saved.
      shown.textContent = `${shown.dataset.prefix}${name}/`;
    }
  });
})();
