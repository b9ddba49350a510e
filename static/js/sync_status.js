// The "Sync calendar" tab, live: while a sync is on its way (right after connecting, after
// "Sync now", while one runs) the page asks status.json for the facts and puts each text
// into the element marked data-fact="<name>", in place, without a reload. The status line is
// a role="status" region, so screen readers hear "Synced at 14:03:27." when it arrives.
// Polls every 1.5 s, slower after 20 s, never longer than two minutes; stops once the server
// says there is nothing to wait for (poll: false).
(function () {
  "use strict";
  const box = document.querySelector(".sync-status[data-status-url]");
  if (!box || !("poll" in box.dataset)) return;

  const url = box.dataset.statusUrl;
  const started = Date.now();
  const GIVE_UP_AFTER = 120000;
  let delay = 1500;
  let failures = 0;

  function show(status) {
    Object.entries(status.facts || {}).forEach(([name, text]) => {
      box.querySelectorAll(`[data-fact="${name}"]`).forEach((element) => {
        if (element.textContent !== text) element.textContent = text;
      });
      const row = box.querySelector(`[data-fact-row="${name}"]`);
      if (row) row.hidden = !text;
    });
    const line = box.querySelector(".sync-state");
    if (line) line.className = `sync-state ${status.state}`;
    box.dataset.state = status.state;
  }

  function next() {
    const elapsed = Date.now() - started;
    if (elapsed > GIVE_UP_AFTER) return;
    if (elapsed > 20000) delay = Math.max(delay, 5000);
    window.setTimeout(poll, delay * Math.pow(2, Math.min(failures, 4)));
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => {
        if (!response.ok) throw new Error(`status ${response.status}`);
        return response.json();
      })
      .then((status) => {
        failures = 0;
        const wasReconnect = box.dataset.state === "reconnect_needed";
        show(status);
        if (status.state === "reconnect_needed" && !wasReconnect) {
          // The actions change (Reconnect instead of Sync now): the page itself must change.
          window.location.reload();
          return;
        }
        if (status.poll) next();
        else delete box.dataset.poll;
      })
      .catch(() => {
        failures += 1;
        next();
      });
  }

  window.setTimeout(poll, delay);
})();
