// The booking page: a month of days with free times, the times of one day, then the form.
// Times are fetched from the slots JSON endpoint in the customer's own time zone.
(function () {
  "use strict";
  // The initials' colour, fixed per expert. Set through the CSSOM: the Content-Security-Policy
  // forbids style attributes in the markup, not this.
  for (const avatar of document.querySelectorAll("[data-avatar-hue]")) {
    avatar.style.setProperty("--avatar-hue", avatar.dataset.avatarHue);
  }
  const root = document.getElementById("booking");
  if (!root) return;
  const text = JSON.parse(document.getElementById("booking-i18n").textContent);
  const language = root.dataset.language || "en";
  const zonePicker = document.getElementById("id_time_zone_picker");
  const zoneField = document.getElementById("id_time_zone");
  const startField = document.getElementById("id_start");
  const clockField = document.getElementById("id_clock");
  const grid = document.getElementById("month-grid");
  const weekdays = document.getElementById("weekdays");
  const days = document.getElementById("month-days");
  const title = document.getElementById("month-title");
  const note = document.getElementById("month-note");
  const times = document.getElementById("times");
  const timesTitle = document.getElementById("times-title");
  const timeList = document.getElementById("time-list");
  const form = document.getElementById("booking-form");
  const chosen = document.getElementById("chosen-slot");
  const submit = form.querySelector("button[type=submit]");
  const summary = document.getElementById("booking-summary");
  const summaryTime = document.getElementById("booking-summary-time");
  const clockGroup = document.getElementById("clock");

  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  const initialZone = zoneField.value && zoneField.value !== "UTC" ? zoneField.value : browserZone;
  zonePicker.value = window.okomoZones ? window.okomoZones.resolve(initialZone) : [...zonePicker.options].some((o) => o.value === initialZone) ? initialZone : "UTC";
  zoneField.value = zonePicker.value;
  // 12 h or 24 h: the browser's convention unless the customer chose on this page.
  const CLOCK_KEY = "okomo.clock";
  function browserClock() {
    const cycle = new Intl.DateTimeFormat(navigator.language || language, { hour: "numeric" })
      .resolvedOptions().hourCycle;
    return cycle === "h11" || cycle === "h12" ? "12" : "24";
  }
  function storedClock() {
    try {
      return window.localStorage.getItem(CLOCK_KEY);
    } catch (error) {
      return null; // storage blocked: the browser's convention it is
    }
  }
  let clock = ["12", "24"].includes(storedClock()) ? storedClock() : browserClock();
  function setClock(value) {
    clock = value;
    if (clockField) clockField.value = value; // confirmation and mails use it too
    for (const button of clockGroup.querySelectorAll("[data-clock]")) {
      button.setAttribute("aria-pressed", String(button.dataset.clock === clock));
    }
  }
  // "1:00 PM": Intl puts a narrow no-break space before the day period; a plain one reads
  // (and matches) the same everywhere, and CSS keeps a time on one line.
  function clockTime(start) {
    // 24 h as the times were always written ("09:00"), 12 h without the zero ("9:00 AM").
    return new Intl.DateTimeFormat(language, {
      hour: clock === "12" ? "numeric" : "2-digit", minute: "2-digit",
      hourCycle: clock === "12" ? "h12" : "h23", timeZone: zonePicker.value,
    }).format(new Date(start)).replace(/[\u202f\u00a0]/g, " ");
  }

  // A form sent back with a problem still holds the time it was sent for: the page opens
  // that day again, and keeps the time only if it is still free (see afterLoad).
  const sentStart = startField.value ? new Date(startField.value) : null;
  let returning = sentStart && !Number.isNaN(sentStart.getTime()) ? sentStart : null;
  let picked = null; // { dayIso, slot }

  const today = todayIn(zonePicker.value);
  let month = returning ? dayIn(returning, zonePicker.value) : { year: today.year, month: today.month };
  let data = null;

  function dayIn(moment, zone) {
    const parts = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" })
      .formatToParts(moment);
    const get = (type) => Number(parts.find((p) => p.type === type).value);
    return { year: get("year"), month: get("month"), day: get("day") };
  }

  function todayIn(zone) {
    return dayIn(new Date(), zone);
  }

  function iso(year, monthNumber, day) {
    return `${year}-${String(monthNumber).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
  }

  function shift(m, delta) {
    const index = m.year * 12 + (m.month - 1) + delta;
    return { year: Math.floor(index / 12), month: (index % 12) + 1 };
  }

  const dayFormat = new Intl.DateTimeFormat(language, {
    weekday: "long", day: "numeric", month: "long", timeZone: "UTC",
  });
  // The page's languages (English, German) have one singular and one plural form.
  const plural = new Intl.PluralRules(language);

  function dayLabel(dayIso) {
    const [y, m, d] = dayIso.split("-").map(Number);
    return dayFormat.format(new Date(Date.UTC(y, m - 1, d, 12)));
  }

  function freeTimes(count) {
    const phrase = plural.select(count) === "one" ? text.freeOne : text.freeOther;
    return phrase.replace("%s", count.toLocaleString(language));
  }

  // The weekday column heads: short on screen, the full name for screen readers.
  function drawWeekdays() {
    const short = new Intl.DateTimeFormat(language, { weekday: "short", timeZone: "UTC" });
    const long = new Intl.DateTimeFormat(language, { weekday: "long", timeZone: "UTC" });
    for (let i = 0; i < 7; i++) {
      const date = new Date(Date.UTC(2024, 0, 1 + i)); // a Monday, then the week
      const head = document.createElement("th");
      head.scope = "col";
      const seen = document.createElement("span");
      seen.setAttribute("aria-hidden", "true");
      seen.textContent = short.format(date);
      const heard = document.createElement("span");
      heard.className = "visually-hidden";
      heard.textContent = long.format(date);
      head.append(seen, heard);
      weekdays.append(head);
    }
  }

  async function load() {
    const next = shift(month, 1);
    const params = new URLSearchParams({
      from: iso(month.year, month.month, 1), to: iso(next.year, next.month, 1), tz: zonePicker.value,
    });
    title.textContent = new Date(Date.UTC(month.year, month.month - 1, 15)).toLocaleDateString(language, {
      month: "long", year: "numeric", timeZone: "UTC",
    });
    grid.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(`${root.dataset.slotsUrl}?${params}`, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(String(response.status));
      data = await response.json();
    } catch (error) {
      data = { days: {} };
      note.textContent = text.loadFailed;
    }
    grid.removeAttribute("aria-busy");
    render();
    afterLoad();
  }

  // Back from the server with the form (a refused time, a field to correct): show the day
  // sent for. A time still free stays chosen; a refused one is gone from the list, and the
  // form waits for a new one instead of sending the refused time again.
  function afterLoad() {
    if (!returning) return;
    const sent = returning;
    returning = null;
    const part = dayIn(sent, zonePicker.value);
    const dayIso = iso(part.year, part.month, part.day);
    const slots = data.days[dayIso] || [];
    if (slots.length) showDay(dayIso, { focus: false });
    const still = slots.find((slot) => new Date(slot.start).getTime() === sent.getTime());
    const button = still && timeList.querySelector(`[data-start="${still.start}"]`);
    if (button) {
      choose(dayIso, still, button, { focus: false });
    } else {
      clearChoice();
      chosen.textContent = text.pickNew;
    }
  }

  function clearChoice() {
    picked = null;
    startField.value = "";
    submit.disabled = true;
    summary.hidden = true;
    timeList.querySelectorAll(".slot.selected").forEach((el) => {
      el.classList.remove("selected");
      el.removeAttribute("aria-current");
    });
  }

  // The month as a table, a week a row: a day with free times is a button that names the
  // date and how many times it has; any other day is plain text (nothing to tab through).
  function render() {
    days.replaceChildren();
    const first = new Date(Date.UTC(month.year, month.month - 1, 1));
    const offset = (first.getUTCDay() + 6) % 7;
    const daysInMonth = new Date(Date.UTC(month.year, month.month, 0)).getUTCDate();
    let any = false;
    let row = null;
    for (let cellIndex = 0; cellIndex < Math.ceil((offset + daysInMonth) / 7) * 7; cellIndex++) {
      if (cellIndex % 7 === 0) {
        row = document.createElement("tr");
        days.append(row);
      }
      const td = document.createElement("td");
      row.append(td);
      const day = cellIndex - offset + 1;
      if (day < 1 || day > daysInMonth) continue;
      const dayIso = iso(month.year, month.month, day);
      const slots = data.days[dayIso] || [];
      const cell = document.createElement(slots.length ? "button" : "span");
      cell.className = "day" + (slots.length ? " has-slots" : "");
      cell.textContent = String(day);
      cell.dataset.day = dayIso;
      if (slots.length) {
        any = true;
        cell.type = "button";
        cell.setAttribute("aria-label", `${dayLabel(dayIso)}, ${freeTimes(slots.length)}`);
        cell.addEventListener("click", () => showDay(dayIso));
      }
      td.append(cell);
    }
    if (note.textContent !== text.loadFailed) note.textContent = any ? text.pick : text.noSlots;
    const prev = document.getElementById("prev-month");
    const next = document.getElementById("next-month");
    const until = data.bookable_until ? new Date(data.bookable_until) : null;
    const nextStart = shift(month, 1);
    disable(prev, month.year * 12 + month.month <= today.year * 12 + today.month, next);
    disable(next, !until || Date.UTC(nextStart.year, nextStart.month - 1, 1) > until.getTime(), prev);
    times.hidden = true;
    summary.hidden = true;
  }

  // A month button that just became useless hands the keyboard focus to the other one.
  function disable(button, disabled, other) {
    const focused = document.activeElement === button;
    button.disabled = disabled;
    if (disabled && focused && !other.disabled) other.focus();
  }

  function showDay(dayIso, { focus = true } = {}) {
    grid.querySelectorAll(".day.selected").forEach((el) => {
      el.classList.remove("selected");
      el.removeAttribute("aria-current");
    });
    const picked = grid.querySelector(`[data-day="${dayIso}"]`);
    picked.classList.add("selected");
    picked.setAttribute("aria-current", "true");
    timesTitle.textContent = `${text.timesOn} ${dayLabel(dayIso)}`;
    if (note.textContent === text.pick) note.textContent = ""; // done: a day is picked
    timeList.replaceChildren();
    for (const slot of data.days[dayIso]) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button secondary slot";
      button.textContent = clockTime(slot.start);
      button.dataset.start = slot.start;
      button.addEventListener("click", () => choose(dayIso, slot, button));
      timeList.append(button);
    }
    times.hidden = false;
    // On to the day's times, not through the rest of the month: the heading names the day.
    if (focus) timesTitle.focus();
  }

  function choose(dayIso, slot, button, { focus = true } = {}) {
    timeList.querySelectorAll(".slot.selected").forEach((el) => {
      el.classList.remove("selected");
      el.removeAttribute("aria-current");
    });
    button.classList.add("selected");
    button.setAttribute("aria-current", "true");
    startField.value = slot.start;
    zoneField.value = zonePicker.value;
    picked = { dayIso, slot };
    describeChoice();
    submit.disabled = false;
    form.hidden = false;
    summary.hidden = false;
    // The first field to fill in; when moving a booking there is none but the button.
    if (focus) firstField().focus();
  }

  function firstField() {
    return form.querySelector("input:not([type=hidden]), button[type=submit]");
  }

  function describeChoice() {
    if (!picked) return;
    const when = `${dayLabel(picked.dayIso)}, ${clockTime(picked.slot.start)}`;
    chosen.textContent = `${when} · ${window.okomoZones ? window.okomoZones.label(zonePicker.value) : zonePicker.value}`;
    summaryTime.textContent = when;
  }

  // The 12 h / 24 h toggle: labelled with 13:00 itself, written both ways.
  for (const button of clockGroup.querySelectorAll("[data-clock]")) {
    button.textContent = new Intl.DateTimeFormat(language, {
      hour: "numeric", minute: button.dataset.clock === "24" ? "2-digit" : undefined,
      hourCycle: button.dataset.clock === "12" ? "h12" : "h23", timeZone: "UTC",
    }).format(new Date(Date.UTC(2024, 0, 1, 13))).replace(/[\u202f\u00a0]/g, " ");
    button.addEventListener("click", () => {
      setClock(button.dataset.clock);
      try {
        window.localStorage.setItem(CLOCK_KEY, clock);
      } catch (error) {
        // not remembered; still switched on this page
      }
      for (const slotButton of timeList.querySelectorAll(".slot")) {
        slotButton.textContent = clockTime(slotButton.dataset.start);
      }
      describeChoice();
    });
  }
  setClock(clock);
  clockGroup.hidden = false;

  // On a phone the summary follows the customer down the times; its button goes to the form.
  document.getElementById("booking-summary-go").addEventListener("click", () => {
    form.scrollIntoView({ block: "start" });
    firstField().focus();
  });
  // Never the same refused (or no) time twice: without a time there is nothing to send.
  form.addEventListener("submit", (event) => {
    if (!startField.value) event.preventDefault();
  });

  zonePicker.addEventListener("change", () => {
    zoneField.value = zonePicker.value;
    form.hidden = true;
    load();
  });
  drawWeekdays();
  document.getElementById("prev-month").addEventListener("click", () => { month = shift(month, -1); load(); });
  document.getElementById("next-month").addEventListener("click", () => { month = shift(month, 1); load(); });
  load();
})();
