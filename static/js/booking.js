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

  function dayLabel(dayIso) {
    const [y, m, d] = dayIso.split("-").map(Number);
    return new Date(Date.UTC(y, m - 1, d, 12)).toLocaleDateString(language, {
      weekday: "long", day: "numeric", month: "long", timeZone: "UTC",
    });
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

  function render() {
    grid.replaceChildren();
    const monday = new Date(Date.UTC(2024, 0, 1));
    for (let i = 0; i < 7; i++) {
      const head = document.createElement("div");
      head.className = "weekday";
      head.textContent = new Date(monday.getTime() + i * 86400000).toLocaleDateString(language, { weekday: "short", timeZone: "UTC" });
      grid.append(head);
    }
    const first = new Date(Date.UTC(month.year, month.month - 1, 1));
    const offset = (first.getUTCDay() + 6) % 7;
    for (let i = 0; i < offset; i++) grid.append(document.createElement("div"));
    const daysInMonth = new Date(Date.UTC(month.year, month.month, 0)).getUTCDate();
    let any = false;
    for (let day = 1; day <= daysInMonth; day++) {
      const dayIso = iso(month.year, month.month, day);
      const slots = data.days[dayIso] || [];
      const cell = document.createElement("button");
      cell.type = "button";
      cell.className = "day" + (slots.length ? " has-slots" : "");
      cell.textContent = String(day);
      cell.dataset.day = dayIso;
      cell.disabled = !slots.length;
      if (slots.length) {
        any = true;
        cell.setAttribute("aria-label", `${dayLabel(dayIso)}: ${slots.length}`);
        cell.addEventListener("click", () => showDay(dayIso));
      }
      grid.append(cell);
    }
    if (!note.textContent || note.textContent !== text.loadFailed) note.textContent = any ? text.pick : text.noSlots;
    document.getElementById("prev-month").disabled = month.year * 12 + month.month <= today.year * 12 + today.month;
    const until = data.bookable_until ? new Date(data.bookable_until) : null;
    const nextStart = shift(month, 1);
    document.getElementById("next-month").disabled = !until || Date.UTC(nextStart.year, nextStart.month - 1, 1) > until.getTime();
    times.hidden = true;
  }

  function showDay(dayIso) {
    grid.querySelectorAll(".day.selected").forEach((el) => el.classList.remove("selected"));
    grid.querySelector(`[data-day="${dayIso}"]`).classList.add("selected");
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
  }

  function choose(dayIso, slot, button) {
    timeList.querySelectorAll(".slot.selected").forEach((el) => el.classList.remove("selected"));
    button.classList.add("selected");
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
  document.getElementById("prev-month").addEventListener("click", () => { month = shift(month, -1); load(); });
  document.getElementById("next-month").addEventListener("click", () => { month = shift(month, 1); load(); });
  load();
})();
