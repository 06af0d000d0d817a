// credbridge: tell the LMS that Dynamic Registration is finished, so it closes the tool's
// window or iframe (LTI Dynamic Registration 1.0, section 3.6.3). The message carries no
// secret, so any origin may receive it ('*', as Canvas documents).
(function () {
  "use strict";
  var marker = document.querySelector("[data-lti-close]");
  if (!marker) { return; }
  var message = { subject: "org.imsglobal.lti.close" };
  var target = window.opener || (window.parent !== window ? window.parent : null);
  function close() { if (target) { target.postMessage(message, "*"); } }
  var button = document.querySelector("[data-lti-close-button]");
  if (button) { button.addEventListener("click", close); }
  close();
})();
