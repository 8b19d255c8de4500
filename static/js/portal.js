// Small behaviours without inline handlers (the Content-Security-Policy forbids inline script).
// <select data-autosubmit> submits its form when changed.
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field && field.matches && field.matches("[data-autosubmit]") && field.form) {
    if (field.form.requestSubmit) {
      field.form.requestSubmit();
    } else {
      field.form.submit();
    }
  }
});
