// The console's frame, in the browser: the navigation drawer and the theme switch. Neither needs the server, so they
// work before the live connection is up and cost the server nothing per open page.
(function () {
  if (window.opsConsole) { return; }
  window.opsConsole = true;

  var narrow = window.matchMedia("(max-width: 959.98px)");

  function drawer() { return document.getElementById("ops-nav"); }

  function isOpen(nav) {
    // As first rendered the drawer is open on a wide screen and hidden on a narrow one (mud-drawer--initial).
    return nav.classList.contains("mud-drawer--initial") ? !narrow.matches : nav.classList.contains("mud-drawer--open");
  }

  function setNav(open) {
    var nav = drawer();
    if (!nav) { return; }
    var layout = nav.closest(".mud-layout");
    nav.classList.remove("mud-drawer--initial");
    nav.classList.toggle("mud-drawer--open", open);
    nav.classList.toggle("mud-drawer--closed", !open);
    layout.classList.toggle("mud-drawer-open-responsive-md-left", open);
    layout.classList.toggle("ops-nav-open", open && narrow.matches);
    document.querySelectorAll('[data-ops-toggle="nav"]').forEach(function (b) { b.setAttribute("aria-expanded", open ? "true" : "false"); });
  }

  function switchTheme() {
    var root = document.documentElement;
    var next = root.getAttribute("data-theme") === "light" ? "dark" : "light";
    var link = document.getElementById("ops-theme");
    if (link) { link.href = link.getAttribute("data-" + next); }
    root.setAttribute("data-theme", next);
    document.cookie = "ops-theme=" + next + "; path=/; max-age=31536000; samesite=lax";
  }

  document.addEventListener("click", function (e) {
    var toggle = e.target.closest("[data-ops-toggle]");
    if (toggle) {
      var what = toggle.getAttribute("data-ops-toggle");
      if (what === "theme") { switchTheme(); }
      else if (what === "nav") { var nav = drawer(); if (nav) { setNav(!isOpen(nav)); } }
      else if (what === "nav-close") { setNav(false); }
      return;
    }
    // On a narrow screen the drawer covers the page: choosing a page closes it.
    if (narrow.matches && e.target.closest("#ops-nav a")) { setNav(false); }
  });

  document.addEventListener("keydown", function (e) {
    var nav = drawer();
    if (e.key === "Escape" && narrow.matches && nav && isOpen(nav) && !nav.classList.contains("mud-drawer--initial")) { setNav(false); }
  });
})();

// After a navigation the console focuses the new page's heading (FocusHeadingOnNavigate), unless the person has already
// moved into the page's content: under load the call arrives after the page has rendered, and focus must stay in the
// field someone tabbed to.
window.opsFocusHeading = function (selector) {
  var active = document.activeElement;
  var main = document.getElementById("main-content");
  if (active && main && active !== main && main.contains(active)) { return; }
  var heading = document.querySelector(selector);
  if (!heading) { return; }
  if (!heading.hasAttribute("tabindex")) { heading.tabIndex = -1; }
  heading.focus({ preventScroll: true });
};
