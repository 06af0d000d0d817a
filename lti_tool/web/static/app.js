// credbridge: progressive enhancement only; every form also works without JavaScript.
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]');
  var token = csrf ? csrf.getAttribute("content") : "";

  function fieldValue(form) {
    var area = form.querySelector("textarea[data-field]");
    var kind = area.getAttribute("data-field");
    var body = { version: Number(form.querySelector('input[name="version"]').value) };
    body[kind] = kind === "links" ? area.value.split("\n") : area.value;
    return body;
  }

  function setStatus(form, text, isError) {
    var status = form.querySelector(".save-status");
    status.textContent = text;
    status.classList.toggle("error", !!isError);
  }

  // Autosave: debounce typing, keep a copy in localStorage until the server has it.
  document.querySelectorAll("form.autosave").forEach(function (form) {
    var area = form.querySelector("textarea[data-field]");
    var key = form.getAttribute("data-storage-key");
    var timer = null;
    var saving = false;
    var pending = false;

    try {
      var kept = JSON.parse(localStorage.getItem(key) || "null");
      if (kept && kept.value !== area.value) {
        var restore = document.createElement("button");
        restore.type = "button";
        restore.textContent = "Restore the text you typed here before (not yet saved)";
        restore.addEventListener("click", function () {
          area.value = kept.value;
          restore.remove();
          area.focus();
          save();
        });
        form.querySelector(".save-row").appendChild(restore);
      } else if (kept) {
        localStorage.removeItem(key);
      }
    } catch (e) { /* storage unavailable: the server copy is the only copy */ }

    function keptCopy() {
      try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
    }

    function save() {
      if (saving) { pending = true; return; }
      saving = true;
      setStatus(form, "Saving…");
      var sent = fieldValue(form);
      var sentText = area.value;
      fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token },
        body: JSON.stringify(sent),
      }).then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.redirected || type.indexOf("json") === -1) {
          return { ok: false, data: { message: "Not saved (the server answered " + response.status + "). Your text is kept in this browser." } };
        }
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      }).then(function (result) {
        if (result.ok) {
          form.querySelector('input[name="version"]').value = result.data.version;
          // Forget the local copy only if it holds exactly what the server now has.
          var copy = keptCopy();
          if (!copy || copy.value === sentText) {
            try { localStorage.removeItem(key); } catch (e) {}
          }
          setStatus(form, pending ? "Unsaved changes" : "Saved " + new Date().toLocaleTimeString());
        } else {
          var problems = (result.data.problems || []).join(" ");
          setStatus(form, (result.data.message || result.data.detail || "Not saved.") + " " + problems, true);
        }
      }).catch(function () {
        setStatus(form, "Offline: not saved yet. Your text is kept in this browser and will be saved when you are back online.", true);
      }).finally(function () {
        saving = false;
        if (pending) { pending = false; save(); }
      });
    }

    area.addEventListener("input", function () {
      try { localStorage.setItem(key, JSON.stringify({ value: area.value, at: Date.now() })); } catch (e) {}
      setStatus(form, "Unsaved changes");
      clearTimeout(timer);
      timer = setTimeout(save, 800);
    });
    window.addEventListener("online", function () {
      var copy = keptCopy();
      if (copy && copy.value === area.value) { save(); }
    });
  });

  // Uploads: show progress; on failure keep the page (and every draft) as it is.
  document.querySelectorAll("form.upload").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.XMLHttpRequest || !window.FormData) { return; }
      event.preventDefault();
      var bar = form.querySelector("progress");
      var button = form.querySelector("button[type=submit]");
      var request = new XMLHttpRequest();
      request.open("POST", form.action);
      request.setRequestHeader("Accept", "application/json");
      request.setRequestHeader("X-CSRFToken", token);
      bar.hidden = false; button.disabled = true;
      request.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) { bar.value = Math.round((e.loaded / e.total) * 100); }
      });
      request.addEventListener("load", function () {
        if (request.status >= 200 && request.status < 300) { window.location.reload(); return; }
        var message = "The upload was refused.";
        try { message = JSON.parse(request.responseText).message || JSON.parse(request.responseText).detail || message; } catch (e) {}
        alert(message + " Nothing you wrote was lost.");
        bar.hidden = true; button.disabled = false;
      });
      request.addEventListener("error", function () {
        alert("The connection dropped during the upload. Nothing you wrote was lost; try again.");
        bar.hidden = true; button.disabled = false;
      });
      request.send(new FormData(form));
    });
  });

  // Deep-linking answers go back to the LMS on their own; the button stays for no-script use.
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) { form.submit(); });

  // Destructive actions ask first.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
})();
