// The wall never gives up. When the live connection is lost, the stale banner shows since when, and the wall asks the
// server every second whether it is ready. It reloads (fresh data, new live connection) once the server is ready again
// after having been away (a restart: its circuits are gone), or after Blazor gave up; a short blip is left to Blazor's
// own reconnect. It never reloads into a server that is not answering, which would leave the screen on an error page.
(function () {
  if (window.opsWall) { return; }
  window.opsWall = true;

  var lostAt = null;      // when the live connection was lost
  var seenDown = false;   // the server did not answer, or was not ready, while the connection was lost
  var polling = false;

  function pad(n) { return n < 10 ? "0" + n : "" + n; }
  function stamp(d) { return pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds()) + " UTC"; }
  function modal() { return document.getElementById("components-reconnect-modal"); }
  function isDown() { var m = modal(); return !!m && /components-reconnect-(show|retrying|failed|rejected|paused)/.test(m.className); }
  function gaveUp() { var m = modal(); return !!m && /components-reconnect-(failed|rejected|paused)/.test(m.className); }

  function poll() {
    if (!isDown()) { polling = false; return; }
    fetch("/readyz", { cache: "no-store" }).then(function (r) {
      if (r.ok && (seenDown || gaveUp())) { location.reload(); return; }
      if (!r.ok) { seenDown = true; }
      setTimeout(poll, 1000);
    }).catch(function () {
      seenDown = true;
      setTimeout(poll, 1000);
    });
  }

  function changed() {
    if (!isDown()) {
      lostAt = null;
      seenDown = false;
      return;
    }

    if (!lostAt) {
      lostAt = new Date();
      var since = document.getElementById("wall-stale-since");
      if (since) { since.textContent = stamp(lostAt); }
    }

    if (!polling) {
      polling = true;
      poll();
    }
  }

  // Blazor replaces the prerendered markup when the page turns interactive, so watch the page, not one element.
  new MutationObserver(changed).observe(document.body, { attributes: true, attributeFilter: ["class"], subtree: true });

  setInterval(function () {
    var clock = document.getElementById("wall-clock");
    if (clock) { clock.textContent = stamp(new Date()); }
  }, 1000);
})();
