/* PropDesk: the few behaviours htmx does not give us. No inline scripts (CSP). */
(function () {
  "use strict";

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  // Every htmx request carries the CSRF token, and the shell the page was drawn for: when the
  // server's differs (logged in or out, another language) it answers with a full page load.
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
    if (document.body && document.body.dataset.shell) {
      event.detail.headers["X-PropDesk-Shell"] = document.body.dataset.shell;
    }
  });

  // A boosted page that cannot be fetched: let the browser navigate, so the
  // service worker can answer with the offline page instead of nothing happening.
  document.addEventListener("htmx:sendError", function (event) {
    const elt = event.detail.elt;
    const path = event.detail.pathInfo && event.detail.pathInfo.requestPath;
    const boosted = event.detail.requestConfig && event.detail.requestConfig.boosted;
    if (boosted && path && event.detail.requestConfig.verb === "get") {
      window.location.assign(path);
      return;
    }
    showOffline(true);
    if (elt) elt.classList.add("send-failed");
  });

  function showOffline(on) {
    const banner = document.getElementById("offline-banner");
    if (banner) banner.hidden = !on;
  }
  window.addEventListener("offline", function () { showOffline(true); });
  window.addEventListener("online", function () { showOffline(false); });

  // Copy buttons (shown only where the Clipboard API exists; the text stays selectable).
  function initCopy(root) {
    root.querySelectorAll("[data-copy]").forEach(function (button) {
      if (!navigator.clipboard) return;
      button.hidden = false;
      if (button.dataset.copyReady) return;
      button.dataset.copyReady = "1";
      button.addEventListener("click", function () {
        const source = document.querySelector(button.dataset.copy);
        if (!source) return;
        navigator.clipboard.writeText(source.value || source.textContent).then(function () {
          const label = button.textContent;
          button.textContent = "✓";
          setTimeout(function () { button.textContent = label; }, 1500);
        });
      });
    });
  }

  // Fields with a length limit (maxlength, from the server's validators) count what is left
  // once the text nears the limit, so nobody types past it without knowing.
  const NEAR = 0.8;
  function showCount(field) {
    const max = Number(field.getAttribute("maxlength"));
    if (!max) return;
    let counter = field.nextElementSibling;
    if (!counter || !counter.classList.contains("char-count")) {
      counter = document.createElement("span");
      counter.className = "char-count";
      counter.setAttribute("aria-live", "polite");
      field.after(counter);
    }
    const used = field.value.length;
    counter.hidden = used < max * NEAR;
    counter.classList.toggle("is-near", used >= max);
    counter.textContent = used + " / " + max;
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("textarea[maxlength], input[maxlength]")) {
      showCount(event.target);
    }
  });

  // A paged list's next rows (webapp/paging.py, the more() macro) may hold a row already shown:
  // it changed while the list was open and now sorts further down. It stays where it was seen,
  // once, rather than appearing twice.
  document.addEventListener("htmx:beforeSwap", function (event) {
    const target = event.detail.target;
    if (!target || target.id !== "more" || !target.parentElement || !event.detail.serverResponse) return;
    const shown = new Set(Array.from(target.parentElement.querySelectorAll("[data-row]"), (row) => row.dataset.row));
    if (!shown.size) return;
    const incoming = document.createElement("template");
    incoming.innerHTML = event.detail.serverResponse;
    const again = Array.from(incoming.content.querySelectorAll("[data-row]")).filter((row) => shown.has(row.dataset.row));
    if (!again.length) return;
    again.forEach((row) => row.remove());
    event.detail.serverResponse = incoming.innerHTML;
  });

  // A tap's answer redraws its card while the person may already be typing in the card's note or
  // choosing its department: what they typed or chose and has not been saved (it differs from
  // what the page was drawn with) is carried into the new card, with the focus. A second change
  // made while the first was being sent was dropped with the old card, so the new card is asked
  // to save it. Saved values, and a whole-page redraw, show the server's.
  function drawnValue(field) {
    if (field.tagName !== "SELECT") return field.defaultValue;
    const drawn = Array.from(field.options).find((option) => option.defaultSelected) || field.options[0];
    return drawn ? drawn.value : "";
  }
  let typing = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    const target = event.detail.target;
    typing = null;
    if (!target || !target.querySelectorAll || target === document.body) return;
    typing = Array.from(target.querySelectorAll("[data-keep-typing]"))
      .filter((field) => field.value !== drawnValue(field))
      .map((field) => ({ id: field.id, value: field.value, focused: document.activeElement === field }));
  });
  // After settling: by then htmx listens on the new card's forms, so the save can be asked for.
  document.addEventListener("htmx:afterSettle", function () {
    (typing || []).forEach(function (kept) {
      const field = document.getElementById(kept.id);
      if (!field) return;
      const choice = field.tagName === "SELECT";
      if (choice && field.value === kept.value) return;  // the server has it already
      field.value = kept.value;
      if (kept.focused) field.focus();
      // The old card's pending save went with it: ask the new card to save the value.
      field.dispatchEvent(new Event(choice ? "change" : "input", { bubbles: true }));
    });
    typing = null;
  });

  // Any other request from the page (「其余正常」, finishing, a link) first sends the notes still
  // waiting for their pause in typing, so that a redraw cannot take unsaved text with it.
  document.addEventListener("htmx:beforeRequest", function (event) {
    const elt = event.detail.elt;
    document.querySelectorAll("textarea[data-keep-typing]").forEach(function (field) {
      if (field.value === field.defaultValue || !field.form || field.form.contains(elt)) return;
      if (field.dataset.sending === field.value) return;
      field.dataset.sending = field.value;
      window.htmx.trigger(field.form, "change");
    });
  });

  // A refused form: the eye goes to the first field that needs fixing, wherever it is.
  function focusFirstError(root) {
    const wrong = root.querySelector(
      '[aria-invalid="true"], .has-error input:not([type=hidden]), .has-error textarea, .has-error select'
    );
    if (!wrong) return;
    wrong.scrollIntoView({ block: "center" });
    wrong.focus({ preventScroll: true });
  }

  function initFields(root) {
    initCopy(root);
    root.querySelectorAll("textarea[maxlength], input[maxlength]").forEach(showCount);
  }
  document.addEventListener("DOMContentLoaded", function () {
    initFields(document);
    focusFirstError(document);
  });
  document.addEventListener("htmx:load", function (event) { initFields(event.detail.elt); });
  // After settling: htmx keeps the old attributes of same-id elements until then.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.xhr && event.detail.xhr.status === 422) focusFirstError(document);
  });

  // Photos: shrink on the phone before upload (longest side 2048 px, JPEG), so a 4–12 MB camera
  // photo goes up as a few hundred KB. Without JavaScript the original is uploaded and the
  // server shrinks it instead.
  const LONG_SIDE = 2048;

  function shrink(file) {
    if (!file.type.startsWith("image/") || !window.createImageBitmap) return Promise.resolve(file);
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      const scale = Math.min(1, LONG_SIDE / Math.max(bitmap.width, bitmap.height));
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      bitmap.close();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) { resolve(file); return; }
          const name = file.name.replace(/\.[^.]+$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg", lastModified: Date.now() }));
        }, "image/jpeg", 0.85);
      });
    }).catch(function () { return file; }); // not decodable here: let the server judge it
  }

  document.addEventListener("change", function (event) {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.matches("input[type=file][data-shrink]")) return;
    // Replacing input.files below fires no change event, so each choice is shrunk once.
    if (!input.files || !input.files.length) return;
    const form = input.form;
    const status = form && form.querySelector(".upload-status");
    if (status) status.textContent = "…";
    Promise.all(Array.from(input.files).map(shrink)).then(function (files) {
      const transfer = new DataTransfer();
      files.forEach(function (f) { transfer.items.add(f); });
      input.files = transfer.files;
      const label = input.closest("label.camera");
      if (label) label.dataset.count = String(files.length);
      // The card may have been redrawn meanwhile: the input (preserved) is in its new form now.
      if (input.form && !input.hasAttribute("data-no-autosubmit")) input.form.requestSubmit();
    });
  });

  // A signature drawn with a finger (the move-in record): the pad is shown only where script
  // runs; each stroke puts the drawing, as a PNG on white, into the form's file field, so the
  // form sends it like a photo. Without script the typed name is the signature.
  function initSignaturePad(pad) {
    if (pad.dataset.ready) return;
    pad.dataset.ready = "1";
    pad.hidden = false;
    const canvas = pad.querySelector("canvas");
    const input = pad.querySelector("input[type=file]");
    const clear = pad.querySelector("[data-signature-clear]");
    const ctx = canvas.getContext("2d");
    function blank() {
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.strokeStyle = "#111";
      ctx.lineWidth = 4;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
    }
    blank();
    let drawing = false;
    function at(event) {
      const box = canvas.getBoundingClientRect();
      return [(event.clientX - box.left) * canvas.width / box.width,
              (event.clientY - box.top) * canvas.height / box.height];
    }
    canvas.addEventListener("pointerdown", function (event) {
      drawing = true;
      canvas.setPointerCapture(event.pointerId);
      const p = at(event);
      ctx.beginPath();
      ctx.moveTo(p[0], p[1]);
      ctx.lineTo(p[0] + 0.1, p[1] + 0.1);
      ctx.stroke();
      event.preventDefault();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      const p = at(event);
      ctx.lineTo(p[0], p[1]);
      ctx.stroke();
      event.preventDefault();
    });
    function done() {
      if (!drawing) return;
      drawing = false;
      canvas.toBlob(function (blob) {
        if (!blob || !window.DataTransfer) return;
        const transfer = new DataTransfer();
        transfer.items.add(new File([blob], "signature.png", { type: "image/png" }));
        input.files = transfer.files;
      }, "image/png");
    }
    canvas.addEventListener("pointerup", done);
    canvas.addEventListener("pointercancel", done);
    if (clear) clear.addEventListener("click", function () {
      blank();
      if (window.DataTransfer) input.files = new DataTransfer().files;
    });
  }
  function initSignaturePads(root) {
    root.querySelectorAll("[data-signature-pad]").forEach(initSignaturePad);
  }
  document.addEventListener("DOMContentLoaded", function () { initSignaturePads(document); });
  document.addEventListener("htmx:load", function (event) { initSignaturePads(event.detail.elt); });

  // A scanned checkpoint confirms arrival by itself (the page still works with the button).
  document.addEventListener("DOMContentLoaded", function () {
    const form = document.querySelector("form[data-autosubmit]");
    if (form) form.requestSubmit();
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  });

  // A round or an inspection under way asks to be kept for a reload without signal. It may have
  // been reached by a tapped link or a form (htmx), so the page keeps itself rather than the
  // service worker guessing from navigations: one fresh copy, stored where the worker looks.
  function keepForOffline() {
    if (!document.querySelector("[data-keep-offline]") || !window.caches || !navigator.onLine) return;
    const path = window.location.pathname;
    fetch(path, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok || response.redirected) return;
      return caches.open("propdesk-pages").then(function (cache) { return cache.put(path, response); });
    }).catch(function () {});
  }
  document.addEventListener("DOMContentLoaded", keepForOffline);
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.boosted) keepForOffline();
  });

  // Logging out: the service worker forgets the pages it kept for offline rounds.
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form.getAttribute("action") === "/logout" && navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage("logout");
    }
  }, true);

  if ("serviceWorker" in navigator && window.isSecureContext) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
    });
  }
})();
