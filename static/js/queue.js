/* PropDesk offline queue: what is tapped, typed or photographed on a round or an inspection is
   kept on the phone (IndexedDB) until the server has it.

   - Every POST from inside [data-queue] carries an Idempotency-Key. If it cannot be sent (no
     signal, or the answer was lost), the same request with the same key goes into the queue.
   - The queue is sent in order when the signal returns (and on every page load, and every few
     seconds while items wait). The server remembers keys, so a replay never makes a duplicate.
   - An expired CSRF token is refreshed and the item sent again; an expired login keeps the items
     until the person logs in again; 5xx and network errors retry with backoff.
   - A final refusal (409, 422, 403, 404) is shown with the server's reason, to retry or discard;
     so is an item the server failed on (5xx) five times, and the items behind it go on.
   The IndexedDB code is a few lines of our own: one object store used as a FIFO. */
(function () {
  "use strict";

  const DB_NAME = "propdesk";
  const STORE = "queue";
  const REFUSED = new Set([403, 404, 409, 410, 413, 422]);
  // An item the server keeps failing on (5xx) stops blocking the ones behind it after this many
  // answers: it is shown as needing attention, with the error id, to retry or discard.
  const MAX_SERVER_ERRORS = 5;
  const status = () => document.getElementById("queue-status");
  let flushing = false;
  let signalBack = false;
  let pendingHere = 0;
  let deliveredHere = 0;
  let retryTimer = null;

  // --- storage ---------------------------------------------------------------------------------

  function openDb() {
    return new Promise(function (resolve, reject) {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        const tx = db.transaction(STORE, mode);
        const result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && result.result !== undefined ? result.result : result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
        tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  const all = () => withStore("readonly", (store) => store.getAll());
  const put = (item) => withStore("readwrite", (store) => store.put(item));
  const remove = (id) => withStore("readwrite", (store) => store.delete(id));

  function currentUser() {
    const meta = document.querySelector('meta[name="user-id"]');
    return meta ? meta.content : "";
  }

  function mine(items) {
    const user = currentUser();
    return items.filter((item) => item.user === user).sort((a, b) => a.id - b.id);
  }

  // --- what the person sees --------------------------------------------------------------------

  function text(name, n) {
    const box = status();
    return box ? (box.dataset[name] || "").replace("{n}", String(n)) : "";
  }

  function render() {
    return all().then(function (items) {
      items = mine(items);
      const box = status();
      if (!box) return;
      const waiting = items.filter((i) => i.state !== "refused");
      const refused = items.filter((i) => i.state === "refused");
      const count = box.querySelector("[data-count]");
      count.textContent = waiting.length ? text(box.dataset.login === "1" ? "loginText" : "waiting", waiting.length) : "";
      pendingHere = waiting.filter((i) => i.page === location.pathname).length;
      count.hidden = !waiting.length;
      const list = box.querySelector("[data-refused]");
      list.replaceChildren();
      refused.forEach(function (item) {
        const li = document.createElement("li");
        li.className = "queue-refused";
        const what = document.createElement("strong");
        what.textContent = item.label;
        const why = document.createElement("span");
        why.textContent = item.error || "";
        const again = document.createElement("button");
        again.type = "button";
        again.className = "button button-small";
        again.textContent = text("retry");
        again.addEventListener("click", function () {
          item.state = "waiting"; item.error = ""; item.attempts = 0; item.nextAt = 0;
          item.serverErrors = 0;
          put(item).then(flush);
        });
        const drop = document.createElement("button");
        drop.type = "button";
        drop.className = "button button-small button-danger";
        drop.textContent = text("discard");
        drop.addEventListener("click", function () { remove(item.id).then(render); });
        const link = document.createElement("a");
        link.href = item.page;
        link.textContent = text("open");
        li.append(what, why, link, again, drop);
        list.append(li);
      });
      list.hidden = !refused.length;
      box.hidden = !waiting.length && !refused.length;
      reapply(items);
    }).catch(function () {});
  }

  // After a reload (from the service worker's copy of the page) show what is still waiting.
  function reapply(items) {
    items.filter((i) => i.page === location.pathname && i.ui && i.state !== "refused").forEach(show);
  }

  // A queued item on the cards it concerns: one card for a tap, several for 「其余正常」.
  function show(item) {
    const ids = item.ui.cards || (item.ui.card ? [item.ui.card] : []);
    const note = (item.fields || []).find(([name]) => name === "note");
    ids.forEach(function (id) {
      const card = document.getElementById(id);
      if (!card) return;
      card.classList.add("is-queued");
      if (item.ui.pressed) press(card, item.ui.pressed);
      // A note waiting on the phone is shown in its box (after a reload without signal too).
      const box = note && card.querySelector("textarea[name=note]");
      if (box && typeof note[1] === "string") box.value = note[1];
    });
  }

  function press(card, value) {
    card.querySelectorAll(".tap-row button[name=outcome]").forEach(function (button) {
      const on = button.value === value;
      button.classList.toggle("is-on", on);
      button.setAttribute("aria-pressed", on ? "true" : "false");
    });
  }

  // --- putting things in -------------------------------------------------------------------------

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "k" + Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }

  function describe(elt, fields) {
    if (elt.closest("[data-rest-ok]")) {
      // 「其余正常」: the cards of its checkpoint (or of the round) that have no answer yet.
      const scope = elt.closest("section.checkpoint") || document;
      const open = Array.from(scope.querySelectorAll(".item-card"))
        .filter((card) => !card.querySelector(".tap.is-on"));
      const title = elt.querySelector("button");
      return { label: title ? title.textContent.trim() : "", ui: { cards: open.map((c) => c.id), pressed: "ok" } };
    }
    const card = elt.closest(".item-card");
    const title = card ? card.querySelector(".item-text") : document.querySelector("main h1");
    const name = title ? title.textContent.trim().slice(0, 60) : location.pathname;
    const outcome = fields.find(([n]) => n === "outcome");
    const ui = card ? { card: card.id, pressed: outcome ? outcome[1] : null } : null;
    return { label: name, ui: ui };
  }

  function enqueue(config, elt) {
    const fields = [];
    config.formData.forEach(function (value, name) { fields.push([name, value]); });
    const about = describe(elt, fields);
    const item = {
      user: currentUser(),
      key: config.headers["Idempotency-Key"],
      url: config.path,
      fields: fields,
      page: location.pathname,
      label: about.label,
      ui: about.ui,
      created: Date.now(),
      attempts: 0,
      nextAt: 0,
      state: "waiting",
    };
    return put(item).then(render).then(function () { return item; });
  }

  document.addEventListener("htmx:configRequest", function (event) {
    const elt = event.detail.elt;
    if (event.detail.verb !== "post" || !elt || !elt.closest("[data-queue]")) return;
    event.detail.headers["Idempotency-Key"] = newKey();
  });

  document.addEventListener("htmx:sendError", function (event) {
    const config = event.detail.requestConfig;
    if (!config || !config.headers["Idempotency-Key"]) return;
    const elt = event.detail.elt;
    enqueue(config, elt).then(function (item) {
      if (elt) elt.classList.remove("send-failed");
      if (item.ui) show(item);
      if (!item.ui || !item.ui.card) showSaved("saved");
      scheduleRetry(3000);
    });
  });

  // A round is not finished while some of its answers are still on the phone.
  document.addEventListener("htmx:beforeRequest", function (event) {
    const elt = event.detail.elt;
    if (pendingHere > 0 && elt && elt.closest && elt.closest(".finish-form")) {
      event.preventDefault();
      showSaved("finishWait");
    }
  });

  function showSaved(name) {
    const box = status();
    const region = document.getElementById("flash");
    if (!box || !region) return;
    const p = document.createElement("p");
    p.className = "flash";
    p.textContent = text(name || "saved");
    region.replaceChildren(p);
  }

  // --- sending -------------------------------------------------------------------------------------

  function token() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function freshToken() {
    return fetch("/session/csrf", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401 || response.redirected) throw new Error("login");
        return response.json();
      })
      .then(function (data) {
        const meta = document.querySelector('meta[name="csrf-token"]');
        if (meta) meta.content = data.token;
        return data.token;
      });
  }

  function send(item, csrf) {
    const body = new FormData();
    item.fields.forEach(function ([name, value]) {
      if (name === "csrf_token") return;
      if (value instanceof Blob) body.append(name, value, value.name || "photo.jpg");
      else body.append(name, value);
    });
    body.append("csrf_token", csrf);
    return fetch(item.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      redirect: "manual",
      headers: { "Idempotency-Key": item.key, "X-CSRFToken": csrf, "HX-Request": "true" },
    });
  }

  // The server says why it refused in a header (webapp/web.py REASON_HEADER); the page's HTML
  // is never read for it.
  function reason(response) {
    const generic = text("refusedGeneric") + " (" + response.status + ")";
    const told = response.headers.get("X-PropDesk-Reason");
    if (!told) return Promise.resolve(generic);
    try {
      return Promise.resolve(decodeURIComponent(told));
    } catch (e) {
      return Promise.resolve(generic);
    }
  }

  // Once everything this page queued has reached the server, the page is drawn again from it:
  // the cards show what was saved and the counts are the server's, not the phone's guess.
  function redrawWhenDelivered() {
    if (!deliveredHere || pendingHere > 0 || !window.htmx) return;
    deliveredHere = 0;
    const path = location.pathname + location.search;
    const y = window.scrollY;
    window.htmx.ajax("GET", path, { target: "body", swap: "innerHTML" }).then(function () {
      window.scrollTo(0, y);
    });
  }

  function scheduleRetry(ms) {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(flush, ms);
  }

  function flush() {
    if (flushing || !currentUser()) return Promise.resolve();
    flushing = true;
    const box = status();
    return all().then(function (items) {
      // The signal came back since the last round: this round does not wait out any backoff.
      const now = signalBack;
      signalBack = false;
      const waiting = mine(items).filter((i) => i.state !== "refused");
      let chain = Promise.resolve(true);
      waiting.forEach(function (item) {
        chain = chain.then(function (go) {
          if (!go) return false;
          if (item.nextAt > Date.now() && !now && !signalBack) {
            scheduleRetry(item.nextAt - Date.now());
            return false;
          }
          return deliver(item, false);
        });
      });
      return chain.then(function (done) {
        if (done && box) box.dataset.login = "0";
      });
    }).catch(function () {}).then(function () {
      flushing = false;
      return render();
    }).then(redrawWhenDelivered);
  }

  // Resolves true to go on with the next item, false to stop (and keep the order).
  function deliver(item, refreshed) {
    return send(item, token()).then(function (response) {
      if (response.ok || response.type === "opaqueredirect" || (response.status >= 300 && response.status < 400)) {
        if (item.page === location.pathname) deliveredHere += 1;
        return remove(item.id).then(() => true);
      }
      if (response.status === 400 && response.headers.get("X-CSRF-Failed") && !refreshed) {
        return freshToken().then(() => deliver(item, true));
      }
      if (response.status === 401) {
        const box = status();
        if (box) box.dataset.login = "1";
        return false;
      }
      if (REFUSED.has(response.status)) {
        return reason(response).then(function (why) {
          item.state = "refused";
          item.error = why;
          return put(item).then(() => true);
        });
      }
      if (response.status >= 500) {
        item.serverErrors = (item.serverErrors || 0) + 1;
        if (item.serverErrors >= MAX_SERVER_ERRORS) {
          return reason(response).then(function (why) {
            item.state = "refused";
            item.error = text("serverFailed") + " " + why;
            return put(item).then(() => true);
          });
        }
      }
      throw new Error("server " + response.status);
    }).catch(function (error) {
      if (error && error.message === "login") {
        const box = status();
        if (box) box.dataset.login = "1";
        return false;
      }
      item.attempts += 1;
      const wait = Math.min(60000, 1000 * Math.pow(2, item.attempts));
      item.nextAt = Date.now() + wait;
      return put(item).then(function () { scheduleRetry(wait); return false; });
    });
  }

  // The signal is back: try everything now rather than at its backoff time. Only a flag: the
  // items are not written here, where a round under way could be writing them too (its count of
  // server errors would be lost).
  window.addEventListener("online", function () {
    signalBack = true;
    flush();
  });
  document.addEventListener("DOMContentLoaded", function () { render().then(flush); });
  setInterval(function () { if (navigator.onLine) flush(); }, 15000);
  window.PropDeskQueue = { flush: flush, render: render };
})();
