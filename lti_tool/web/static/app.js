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
      var input = form.querySelector("input[type=file]");
      var file = input.files && input.files[0];
      var above = Number(form.getAttribute("data-chunked-above"));
      if (file && form.getAttribute("data-chunked-url") && file.size > above && file.slice) {
        chunkedUpload(form, file, bar, button);
        return;
      }
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

  // Large files go in pieces: each piece names its offset, so after a dropped connection the
  // upload asks the server how much arrived and goes on from there (also after a reload, when
  // the same file is chosen again). Nothing in the draft changes until the whole file is in.
  function chunkedUpload(form, file, bar, button) {
    var status = form.querySelector(".upload-status");
    var chunk = Number(form.getAttribute("data-chunk-bytes")) || 4194304;
    var session = null;
    var delay = 1000;
    var waiting = null;

    function say(text) { status.textContent = text; }
    function percent(done) { return Math.floor((done / file.size) * 100); }
    function show(done) { bar.value = percent(done); }
    function fail(message) {
      say("");
      alert(message + " Nothing you wrote was lost.");
      bar.hidden = true; button.disabled = false;
    }
    function call(method, url, body) {
      return fetch(url, {
        method: method, credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token },
        body: body ? JSON.stringify(body) : undefined,
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          return { status: response.status, data: data };
        });
      });
    }
    function retry() {
      say("Connection lost at " + percent(session ? session.received_bytes : 0) +
          "%. Trying again in " + Math.round(delay / 1000) + " s; keep this page open.");
      clearTimeout(waiting);
      waiting = setTimeout(resume, delay);
      delay = Math.min(delay * 2, 30000);
    }
    function resume() {
      clearTimeout(waiting);
      call("GET", "/uploads/" + session.id).then(function (answer) {
        if (answer.status !== 200) { fail(answer.data.message || answer.data.detail || "The upload was lost."); return; }
        session = answer.data; delay = 1000; send();
      }, retry);
    }
    function send() {
      var offset = session.received_bytes;
      show(offset);
      if (offset >= file.size) { finish(); return; }
      say("Uploading " + file.name + ": " + percent(offset) + "%");
      var request = new XMLHttpRequest();
      request.open("PUT", "/uploads/" + session.id + "?offset=" + offset);
      request.setRequestHeader("Accept", "application/json");
      request.setRequestHeader("Content-Type", "application/octet-stream");
      request.setRequestHeader("X-CSRFToken", token);
      request.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) { show(offset + e.loaded); }
      });
      request.addEventListener("load", function () {
        var data = {};
        try { data = JSON.parse(request.responseText); } catch (e) {}
        if (request.status === 200 || request.status === 409) {
          if (typeof data.received_bytes === "number") { session = data; }
          delay = 1000; send(); return;
        }
        if (request.status >= 500 || request.status === 0) { retry(); return; }
        fail(data.message || data.detail || "The upload was refused.");
      });
      request.addEventListener("error", retry);
      request.send(file.slice(offset, Math.min(offset + chunk, file.size)));
    }
    function finish() {
      say("Checking " + file.name + "…");
      call("POST", "/uploads/" + session.id + "/finish").then(function (answer) {
        if (answer.status === 201) { window.location.reload(); return; }
        if (answer.status >= 500) { retry(); return; }
        fail(answer.data.message || answer.data.detail || "The upload was refused.");
      }, retry);
    }
    window.addEventListener("online", function () { if (session && waiting) { resume(); } });
    bar.hidden = false; button.disabled = true; bar.value = 0;
    say("Starting the upload of " + file.name + "…");
    call("POST", form.getAttribute("data-chunked-url"), { filename: file.name, size: file.size }).then(function (answer) {
      if (answer.status !== 201) { fail(answer.data.message || answer.data.detail || "The upload was refused."); return; }
      session = answer.data;
      if (session.received_bytes > 0) { say("Resuming " + file.name + " at " + percent(session.received_bytes) + "%"); }
      send();
    }, function () { fail("The connection dropped before the upload started; try again."); });
  }

  // Deep-linking answers go back to the LMS on their own; the button stays for no-script use.
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) { form.submit(); });

  // Destructive actions ask first.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  // Long work (payroll export, backfill): the button is disabled and a live status says what
  // is happening. A download is fetched here so the page can say when the file has arrived;
  // without JavaScript the form still posts and the browser downloads as usual.
  document.querySelectorAll("form[data-busy]").forEach(function (form) {
    var button = form.querySelector("button[type=submit]");
    var status = form.querySelector(".busy-status");
    function done(text, isError) {
      form.removeAttribute("aria-busy"); button.disabled = false;
      status.textContent = text; status.classList.toggle("error", !!isError);
    }
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented) { return; }  // a data-confirm question was answered no
      button.disabled = true; form.setAttribute("aria-busy", "true");
      status.classList.remove("error");
      status.textContent = form.getAttribute("data-busy");
      if (!form.hasAttribute("data-download") || !window.fetch || !window.URL) { return; }
      event.preventDefault();
      fetch(form.action, { method: "POST", credentials: "same-origin", body: new FormData(form) })
        .then(function (response) {
          if (!response.ok) { throw new Error("the server answered " + response.status); }
          var disposition = response.headers.get("Content-Disposition") || "";
          var match = /filename="([^"]+)"/.exec(disposition);
          return response.blob().then(function (blob) { return { blob: blob, name: match ? match[1] : "export.csv" }; });
        }).then(function (file) {
          var link = document.createElement("a");
          link.href = URL.createObjectURL(file.blob); link.download = file.name;
          document.body.appendChild(link); link.click(); link.remove();
          setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
          done("Done: " + file.name + " downloaded. " + (form.getAttribute("data-done") || ""));
        }).catch(function (error) {
          done("The export did not finish (" + error.message + "). Nothing was marked exported unless the file arrived; try again.", true);
        });
    });
  });
})();
