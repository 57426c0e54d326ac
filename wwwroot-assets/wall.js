// The wall never gives up: it notes when the live connection was lost (the stale banner shows the time) and,
// when Blazor stops retrying (server restarted, circuit gone), it waits for the server and reloads the page.
(function () {
  var lostAt = null;
  function pad(n) { return n < 10 ? "0" + n : "" + n; }
  function stamp(d) { return pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds()) + " UTC"; }
  function waitForServerThenReload() {
    fetch("/healthz", { cache: "no-store" }).then(function (r) {
      if (r.ok) { location.reload(); } else { setTimeout(waitForServerThenReload, 2000); }
    }).catch(function () { setTimeout(waitForServerThenReload, 2000); });
  }
  function watch() {
    var modal = document.getElementById("components-reconnect-modal");
    if (!modal) { setTimeout(watch, 500); return; }
    new MutationObserver(function () {
      var c = modal.className;
      var down = /components-reconnect-(show|retrying|failed|rejected|paused)/.test(c);
      if (down && !lostAt) {
        lostAt = new Date();
        var since = document.getElementById("wall-stale-since");
        if (since) { since.textContent = stamp(lostAt); }
      }
      if (!down) { lostAt = null; }
      if (/components-reconnect-(failed|rejected|paused)/.test(c)) { waitForServerThenReload(); }
    }).observe(modal, { attributes: true, attributeFilter: ["class"] });
  }
  watch();
  setInterval(function () {
    var clock = document.getElementById("wall-clock");
    if (clock) { clock.textContent = stamp(new Date()); }
  }, 1000);
})();
