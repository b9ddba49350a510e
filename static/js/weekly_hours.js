// The hours editor of the Availability tab (the weekly hours and the "Add a date" form): rows of
// time inputs added and removed (cloned from each day's <template>), a day's "Available" tick,
// "Copy to all weekdays", and the date form's "Day off" / "Other hours" choice. Without this
// script the forms still work: every day shows its rows plus one spare row, empty rows are
// ignored. Runs again on every form an in-place save (htmx) puts into the page.
(function () {
  "use strict";

  const DEFAULT_START = "09:00";
  const DEFAULT_END = "17:00";
  const WORKDAYS = ["day_0", "day_1", "day_2", "day_3", "day_4"];

  function rows(day) {
    return [...day.querySelector("[data-rows]").querySelectorAll("[data-row]")];
  }

  function times(row) {
    const [from, until] = row.querySelectorAll("input");
    return [from.value, until.value];
  }

  function reveal(root) {
    root.querySelectorAll("[data-js]").forEach((element) => { element.hidden = false; });
  }

  function later(time, hours) {
    const [h, m] = time.split(":").map(Number);
    const next = Math.min(h + hours, 23);
    return `${String(next).padStart(2, "0")}:${String(next === 23 && h + hours > 23 ? 59 : m).padStart(2, "0")}`;
  }

  function addRow(day, start, end) {
    const template = day.querySelector("template[data-row-template]");
    const row = template.content.firstElementChild.cloneNode(true);
    const [from, until] = row.querySelectorAll("input");
    from.value = start;
    until.value = end;
    reveal(row);
    day.querySelector("[data-rows]").append(row);
    return row;
  }

  function setAvailable(day, on) {
    const tick = day.querySelector("[data-available]");
    if (tick) tick.checked = on;
    day.toggleAttribute("data-off", !on);
    const note = day.querySelector("[data-off-note]");
    if (note) note.hidden = on;
    day.querySelector("[data-rows]").hidden = !on;
    day.querySelectorAll(".day-actions").forEach((actions) => { actions.hidden = !on; });
    // Unticked, the rows stay on the page (ticking again brings them back) but are not sent.
    day.querySelectorAll("[data-rows] input").forEach((input) => { input.disabled = !on; });
    if (on && rows(day).length === 0) addRow(day, DEFAULT_START, DEFAULT_END);
  }

  function onAdd(day) {
    const existing = rows(day);
    let start = DEFAULT_START;
    let end = DEFAULT_END;
    if (existing.length) {
      const last = times(existing[existing.length - 1])[1];
      if (last && last < "23:00") {
        start = last;
        end = later(last, 1);
      }
    }
    addRow(day, start, end).querySelector("input").focus();
  }

  function onRemove(day, row) {
    row.remove();
    if (rows(day).length) {
      const remaining = rows(day);
      remaining[remaining.length - 1].querySelector("[data-remove-row]").focus();
      return;
    }
    if (day.querySelector("[data-available]")) {
      setAvailable(day, false); // no hours left: the day is off
      day.querySelector("[data-available]").focus();
    } else {
      addRow(day, "", "");
      day.querySelector("[data-add-row]").focus();
    }
  }

  function onCopy(form, source) {
    const ranges = rows(source).map(times).filter(([from, until]) => from || until);
    WORKDAYS.forEach((prefix) => {
      const day = form.querySelector(`[data-hours="${prefix}"]`);
      if (!day || day === source) return;
      rows(day).forEach((row) => row.remove());
      setAvailable(day, ranges.length > 0);
      rows(day).forEach((row) => row.remove()); // setAvailable may have added a default row
      ranges.forEach(([from, until]) => addRow(day, from, until));
    });
    const announce = form.querySelector("[data-announce]");
    if (announce) announce.textContent = announce.dataset.copied;
  }

  function setUpDay(form, day) {
    if (day.dataset.ready) return;
    day.dataset.ready = "1";
    reveal(day);
    const tick = day.querySelector("[data-available]");
    // The spare row is for the page without JavaScript; here "Add hours" does its job.
    const filled = rows(day).filter((row) => times(row).some(Boolean));
    if (filled.length || tick) {
      rows(day).filter((row) => !filled.includes(row)).forEach((row) => row.remove());
    }
    if (tick) {
      setAvailable(day, tick.checked);
      tick.addEventListener("change", () => setAvailable(day, tick.checked));
    }
    day.addEventListener("click", (event) => {
      const button = event.target.closest("button");
      if (!button) return;
      if (button.matches("[data-add-row]")) onAdd(day);
      else if (button.matches("[data-remove-row]")) onRemove(day, button.closest("[data-row]"));
      else if (button.matches("[data-copy-weekdays]")) onCopy(form, day);
    });
  }

  // The date form: its hours only matter (and are only sent) with "Other hours".
  function setUpKind(form) {
    const hours = form.querySelector("[data-date-hours]");
    const kind = form.querySelector("[data-kind]");
    if (!hours || !kind || kind.dataset.ready) return;
    kind.dataset.ready = "1";
    function update() {
      const other = kind.querySelector("input:checked")?.value === "hours";
      hours.hidden = !other;
      hours.querySelectorAll("[data-rows] input").forEach((input) => { input.disabled = !other; });
      if (other && !rows(hours).some((row) => times(row).some(Boolean))) {
        rows(hours).forEach((row) => row.remove());
        addRow(hours, DEFAULT_START, DEFAULT_END);
      }
    }
    kind.addEventListener("change", update);
    update();
  }

  function setUp(root) {
    const forms = root.matches?.("form") ? [root] : [...root.querySelectorAll("form")];
    forms.forEach((form) => {
      form.querySelectorAll("[data-hours]").forEach((day) => setUpDay(form, day));
      setUpKind(form);
    });
  }

  setUp(document);
  document.addEventListener("htmx:load", (event) => setUp(event.detail.elt));
})();
