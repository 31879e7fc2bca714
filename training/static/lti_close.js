// LTI Dynamic Registration: tell the LMS the registration is finished, so it closes the window
// or frame it opened. The message carries no data, so any origin may receive it (the LMS's page
// origin can differ from the host its configuration came from).
(function () {
  var button = document.getElementById("training-close-registration");
  var lms = window.opener || window.parent;
  if (!button || !lms || lms === window) {
    return;
  }
  button.addEventListener("click", function () {
    lms.postMessage({ subject: "org.imsglobal.lti.close" }, "*");
  });
})();
