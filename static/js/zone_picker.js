// The time-zone picker of the booking page and the expert's profile: a searchable combobox
// (WAI-ARIA APG "editable combobox with list autocomplete") in front of the <select> inside
// #zone-picker (the booking page's id_time_zone_picker, the profile form's time_zone field).
// The select stays the source of truth (its value is the IANA name, booking.js reads it and
// listens to its "change", a form submits it); it is hidden once this script has built the
// combobox, and works alone without JavaScript. Search matches city, country, zone name, abbreviation ("EST",
// "CET"), the generic name ("Eastern Time") and the offset ("UTC+1"), accents ignored.
(function () {
  "use strict";
  const box = document.getElementById("zone-picker");
  const select = box && box.querySelector("select");
  if (!box || !select) return;
  const aliases = JSON.parse(document.getElementById("zone-aliases").textContent);
  const language = (document.getElementById("booking") || document.documentElement).dataset.language
    || document.documentElement.lang || "en";

  function fold(value) {
    return value.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  const zones = [...select.options].map((option) => ({
    value: option.value,
    label: option.textContent,
    country: option.dataset.country || "",
    search: fold(`${option.textContent} ${option.dataset.search || ""}`),
  }));
  const byValue = new Map(zones.map((zone) => [zone.value, zone]));

  // The 12 h / 24 h choice of the page (booking.js keeps it under this key), else the locale's.
  function hourCycle() {
    try {
      const stored = window.localStorage.getItem("okomo.clock");
      if (stored === "12") return "h12";
      if (stored === "24") return "h23";
    } catch (error) {
      // storage blocked: the locale's convention
    }
    const locale = new Intl.DateTimeFormat(language, { hour: "numeric" }).resolvedOptions();
    return locale.hourCycle === "h11" || locale.hourCycle === "h12" ? "h12" : "h23";
  }
  const formats = new Map();
  function localTime(zone) {
    const cycle = hourCycle();
    const key = `${zone}|${cycle}`;
    if (!formats.has(key)) {
      // 24 h as the time buttons write it ("00:05"), 12 h without the zero ("12:05 AM").
      formats.set(key, new Intl.DateTimeFormat(language, {
        hour: cycle === "h12" ? "numeric" : "2-digit", minute: "2-digit", timeZone: zone,
        hourCycle: cycle,
      }));
    }
    return formats.get(key).format(new Date()).replace(/[\u202f\u00a0]/g, " ");
  }
  function text(zone) {
    return `${zone.label} · ${localTime(zone.value)}`;
  }

  // The combobox: the label moves to it; the select leaves the page's tab order and view.
  const label = box.querySelector("label");
  if (!label.id) label.id = "zone-label";
  const input = document.createElement("input");
  input.type = "text";
  input.id = "id_time_zone_search";
  input.className = "zone-input";
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", "zone-listbox");
  input.autocomplete = "off";
  // The select's help and error texts describe the combobox now.
  for (const name of ["aria-describedby", "aria-invalid"]) {
    if (select.hasAttribute(name)) input.setAttribute(name, select.getAttribute(name));
  }
  input.spellcheck = false;
  const list = document.createElement("ul");
  list.id = "zone-listbox";
  list.className = "zone-list";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-labelledby", label.id);
  list.hidden = true;
  const status = document.createElement("span");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  const wrap = document.createElement("div");
  wrap.className = "zone-combo";
  wrap.append(input, list, status);
  select.after(wrap);
  select.hidden = true;
  label.htmlFor = input.id;

  let shown = [];
  let active = -1;

  function show() {
    const current = byValue.get(select.value);
    input.value = current ? text(current) : select.value;
  }
  function filter(query) {
    const words = fold(query).split(/\s+/).filter(Boolean);
    shown = words.length ? zones.filter((zone) => words.every((word) => zone.search.includes(word))) : zones;
    list.replaceChildren(...shown.map((zone, index) => {
      const item = document.createElement("li");
      item.id = `zone-option-${index}`;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", String(zone.value === select.value));
      item.textContent = text(zone);
      if (zone.country && !zone.label.includes(zone.country)) {
        const country = document.createElement("span");
        country.className = "zone-country";
        country.textContent = ` ${zone.country}`;
        item.append(country);
      }
      item.addEventListener("mousedown", (event) => event.preventDefault()); // keep the focus
      item.addEventListener("click", () => choose(zone));
      return item;
    }));
    const count = shown.length === 1 ? box.dataset.countOne : box.dataset.countOther;
    status.textContent = shown.length ? count.replace("%s", String(shown.length)) : box.dataset.none;
    setActive(words.length ? 0 : shown.findIndex((zone) => zone.value === select.value));
  }
  function setActive(index) {
    const items = list.children;
    if (items[active]) items[active].classList.remove("active");
    active = index >= 0 && index < items.length ? index : -1;
    if (active >= 0) {
      items[active].classList.add("active");
      items[active].scrollIntoView({ block: "nearest" });
      input.setAttribute("aria-activedescendant", items[active].id);
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }
  function open(query = "") {
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    filter(query);
  }
  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    status.textContent = "";
    active = -1;
  }
  function choose(zone) {
    close();
    const changed = zone.value !== select.value;
    select.value = zone.value;
    show();
    if (changed) select.dispatchEvent(new Event("change", { bubbles: true }));
  }

  input.addEventListener("focus", () => input.select());
  input.addEventListener("click", () => {
    if (list.hidden) {
      open();
      input.select();
    }
  });
  input.addEventListener("input", () => open(input.value));
  input.addEventListener("keydown", (event) => {
    const step = { ArrowDown: 1, ArrowUp: -1, PageDown: 10, PageUp: -10 }[event.key];
    if (step) {
      event.preventDefault();
      if (list.hidden) {
        open();
        return;
      }
      const next = active < 0 ? (step > 0 ? 0 : shown.length - 1) : active + step;
      setActive(Math.max(0, Math.min(shown.length - 1, next)));
    } else if (event.key === "Enter") {
      if (!list.hidden) {
        event.preventDefault(); // never submit a form from here
        if (shown[active]) choose(shown[active]);
      }
    } else if (event.key === "Escape") {
      if (!list.hidden) {
        event.preventDefault();
        close();
        show();
        input.select();
      }
    }
  });
  input.addEventListener("blur", () => {
    close();
    show();
  });
  // booking.js (or anyone) setting the select: the combobox follows.
  select.addEventListener("change", show);
  // The page's 12 h / 24 h switch (booking.js stores the choice first, then this runs).
  const clockSwitch = document.getElementById("clock");
  if (clockSwitch) clockSwitch.addEventListener("click", () => window.setTimeout(show));
  // The local times move on.
  window.setInterval(() => {
    if (list.hidden && document.activeElement !== input) show();
  }, 30000);

  // For booking.js: the offered zone a name stands for ("Asia/Calcutta" → "Asia/Kolkata",
  // "US/Eastern" → "America/New_York"), and the label people read.
  window.okomoZones = {
    resolve(name) {
      const zone = aliases[name] || name;
      return byValue.has(zone) ? zone : "UTC";
    },
    label(name) {
      const zone = byValue.get(aliases[name] || name);
      return zone ? zone.label : name.replace(/_/g, " ");
    },
    refresh: show,
  };
  // booking.js runs after this script and sets the select's value: show it then.
  document.addEventListener("DOMContentLoaded", show);
  show();
})();
