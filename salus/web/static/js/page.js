/* Salus, every page: a language (or other) <select data-autosubmit> sends its form when it
   changes. A file, not an onchange= attribute: the Content-Security-Policy runs no inline
   script. */
(function () {
  "use strict";
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
