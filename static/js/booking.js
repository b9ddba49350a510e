// The booking page: a month of days with free times, the times of one day, then the form.
// Times are fetched from the slots JSON endpoint in the customer's own time zone.
(function () {
  "use strict";
  const root = document.getElementById("booking");
  if (!root) return;
  const text = JSON.parse(document.getElementById("booking-i18n").textContent);
  const language = root.dataset.language || "en";
  const zonePicker = document.getElementById("id_time_zone_picker");
  const zoneField = document.getElementById("id_time_zone");
  const startField = document.getElementById("id_start");
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

  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  const initialZone = zoneField.value && zoneField.value !== "UTC" ? zoneField.value : browserZone;
  zonePicker.value = [...zonePicker.options].some((o) => o.value === initialZone) ? initialZone : "UTC";
  zoneField.value = zonePicker.value;
  // A form sent back with a problem still holds the time it was sent for: name it.
  const sentStart = startField.value ? new Date(startField.value) : null;
  if (!form.hidden && sentStart && !Number.isNaN(sentStart.getTime())) {
    chosen.textContent = `${sentStart.toLocaleString(language, {
      weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit",
      hourCycle: "h23", timeZone: zonePicker.value,
    })} (${zonePicker.value})`;
  }

  const today = todayIn(zonePicker.value);
  let month = { year: today.year, month: today.month };
  let data = null;

  function todayIn(zone) {
    const parts = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" })
      .formatToParts(new Date());
    const get = (type) => Number(parts.find((p) => p.type === type).value);
    return { year: get("year"), month: get("month"), day: get("day") };
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
    if (!note.textContent || note.textContent !== text.loadFailed) note.textContent = any ? text.pick : text.noSlots;
    const prev = document.getElementById("prev-month");
    const next = document.getElementById("next-month");
    const until = data.bookable_until ? new Date(data.bookable_until) : null;
    const nextStart = shift(month, 1);
    disable(prev, month.year * 12 + month.month <= today.year * 12 + today.month, next);
    disable(next, !until || Date.UTC(nextStart.year, nextStart.month - 1, 1) > until.getTime(), prev);
    times.hidden = true;
  }

  // A month button that just became useless hands the keyboard focus to the other one.
  function disable(button, disabled, other) {
    const focused = document.activeElement === button;
    button.disabled = disabled;
    if (disabled && focused && !other.disabled) other.focus();
  }

  function showDay(dayIso) {
    grid.querySelectorAll(".day.selected").forEach((el) => {
      el.classList.remove("selected");
      el.removeAttribute("aria-current");
    });
    const picked = grid.querySelector(`[data-day="${dayIso}"]`);
    picked.classList.add("selected");
    picked.setAttribute("aria-current", "true");
    timesTitle.textContent = `${text.timesOn} ${dayLabel(dayIso)}`;
    timeList.replaceChildren();
    for (const slot of data.days[dayIso]) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button secondary slot";
      button.textContent = slot.time;
      button.dataset.start = slot.start;
      button.addEventListener("click", () => choose(dayIso, slot, button));
      timeList.append(button);
    }
    times.hidden = false;
    // On to the day's times, not through the rest of the month: the heading names the day.
    timesTitle.focus();
  }

  function choose(dayIso, slot, button) {
    timeList.querySelectorAll(".slot.selected").forEach((el) => {
      el.classList.remove("selected");
      el.removeAttribute("aria-current");
    });
    button.classList.add("selected");
    button.setAttribute("aria-current", "true");
    startField.value = slot.start;
    zoneField.value = zonePicker.value;
    chosen.textContent = `${dayLabel(dayIso)}, ${slot.time} (${zonePicker.value})`;
    form.hidden = false;
    // The first field to fill in; when moving a booking there is none but the button.
    form.querySelector("input:not([type=hidden]), button[type=submit]").focus();
  }

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
