// credbridge: LTI Platform Storage (1EdTech "LTI Client Side postMessages"), for browsers that
// block the tool's cookie inside the LMS iframe. At login, the state and nonce are put into the
// platform's storage frame; at launch, the state is read back from it in this same browser and
// sent to the tool with a header no cross-site form can send. Messages go to, and answers are
// accepted only from, the origin of the platform's OIDC authorization endpoint.
(function () {
  "use strict";
  var box = document.querySelector("[data-lti-storage]");
  if (!box) { return; }
  var d = box.dataset;
  var status = document.querySelector("[data-lti-storage-status]");
  var TIMEOUT_MS = 3000;

  function say(text) { if (status) { status.textContent = text; } }

  function newId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return String(Date.now()) + "-" + String(Math.random()).slice(2);
  }

  function frame(name) {
    if (!window.parent || window.parent === window) { return null; }
    if (name === "_parent") { return window.parent; }
    try { return window.parent.frames[name] || null; } catch (error) { return null; }
  }

  function send(target, subject, extra, timeout) {
    return new Promise(function (resolve, reject) {
      var id = newId();
      var timer = setTimeout(function () { finish(); reject(new Error("no answer")); }, timeout);
      function finish() { clearTimeout(timer); window.removeEventListener("message", listen); }
      function listen(event) {
        var data = event.data;
        if (event.origin !== d.origin || !data || data.message_id !== id) { return; }
        if (data.subject !== subject + ".response") { return; }
        finish();
        if (data.error) { reject(new Error(String(data.error.message || data.error.code))); }
        else { resolve(data); }
      }
      window.addEventListener("message", listen);
      var message = { subject: subject, message_id: id };
      Object.keys(extra).forEach(function (key) { message[key] = extra[key]; });
      target.postMessage(message, d.origin);
    });
  }

  // lti.capabilities may name the frame that answers lti.put_data / lti.get_data.
  function storageFrame() {
    var fallback = frame(d.target);
    var parent = frame("_parent");
    if (!parent) { return Promise.resolve(fallback); }
    return send(parent, "lti.capabilities", {}, 500).then(function (answer) {
      var named = null;
      (answer.supported_messages || []).forEach(function (item) {
        if (item && item.subject === "lti.get_data") { named = item.frame || "_parent"; }
      });
      return (named && frame(named)) || fallback;
    }, function () { return fallback; });
  }

  if (d.ltiStorage === "login") {
    storageFrame().then(function (target) {
      if (!target) { return null; }
      return send(target, "lti.put_data", { key: d.stateKey, value: d.state }, TIMEOUT_MS)
        .then(function () {
          return send(target, "lti.put_data", { key: d.nonceKey, value: d.nonce }, TIMEOUT_MS);
        });
    }).catch(function () { return null; }).then(function () {
      window.location.href = d.next;  // the cookie may still work: go on either way
    });
    return;
  }

  storageFrame().then(function (target) {
    if (!target) { throw new Error("The LMS offers no storage frame."); }
    return send(target, "lti.get_data", { key: d.stateKey }, TIMEOUT_MS);
  }).then(function (answer) {
    if (answer.value !== d.state) { throw new Error("This launch was not started in this browser."); }
    return fetch(d.action, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-Credbridge-Platform-Storage": "1"
      },
      body: JSON.stringify({ id_token: d.idToken, state: d.state, stored_state: answer.value })
    });
  }).then(function (response) {
    return response.json().then(function (body) { return { ok: response.ok, body: body }; });
  }).then(function (result) {
    if (result.ok && result.body.location) { window.location.href = result.body.location; }
    else { say(result.body.detail || "The launch was refused."); }
  }).catch(function (error) {
    say(error.message + " Open credbridge again from your course, or allow cookies for it.");
  });
})();
