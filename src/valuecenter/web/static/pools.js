// The cockpit's pickers (/pools/cockpit): choosing another account manager or month loads
// that cockpit at once (a plain GET of the form; without JavaScript the "Show" button does).
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form[data-submit-on-change]")) {
    form.addEventListener("change", () => {
      if (form.reportValidity()) form.requestSubmit();
    });
  }
});
