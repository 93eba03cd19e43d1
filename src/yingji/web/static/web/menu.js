// The phone menu: the button in the top bar opens and closes the sidebar (CSS shows both only under 768 px).
// A static file because the CSP allows no inline script.
(function () {
  "use strict";
  function init() {
    var button = document.querySelector(".menu-toggle");
    var nav = button && document.getElementById(button.getAttribute("aria-controls"));
    if (!nav) return;

    function setOpen(open, returnFocus) {
      nav.classList.toggle("open", open);
      button.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) {
        var first = nav.querySelector("a.active") || nav.querySelector("a");
        if (first) first.focus({ preventScroll: true });
      } else if (returnFocus) {
        button.focus();
      }
    }
    function isOpen() { return button.getAttribute("aria-expanded") === "true"; }

    button.addEventListener("click", function (event) {
      event.stopPropagation();
      setOpen(!isOpen(), false);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && isOpen()) setOpen(false, true);
    });
    // A tap outside the open menu closes it (the page behind stays where it was).
    document.addEventListener("click", function (event) {
      if (isOpen() && !nav.contains(event.target)) setOpen(false, false);
    });
    // Back on a wide screen the sidebar is always shown: forget the phone state.
    window.matchMedia("(min-width: 768px)").addEventListener("change", function (query) {
      if (query.matches) setOpen(false, false);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
