/* The segment rule builder (templates/campaigns/segments/form.html): removing a condition
   row, and asking for a fresh live count whenever rows are added, redrawn or removed.
   htmx's hx-on needs eval, which the Content-Security-Policy forbids; hence this file. */
(function () {
  "use strict";

  function refresh() {
    var form = document.getElementById("segment-form");
    if (form && window.htmx) { window.htmx.trigger(form, "conditions-changed"); }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".condition-remove");
    if (!button) { return; }
    var row = button.closest(".condition-row");
    if (row) { row.remove(); }
    refresh();
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    if (target && (target.id === "conditions" || (target.classList && target.classList.contains("condition-row")) || !target.isConnected)) {
      refresh();
    }
  });
})();
