// Every page: the service worker, the offline banner, saving lessons for offline use, work done
// offline kept on the phone and sent later, and wiping it all at sign-out (docs/offline.md).
/* global HocTiepStore */
(function () {
  "use strict";
  var configNode = document.getElementById("offline-config");
  if (!configNode || !window.HocTiepStore) return;
  var C = JSON.parse(configNode.textContent);
  var T = C.strings;
  var Store = window.HocTiepStore;
  var user = C.user || "";
  var USER_KEY = "hoctiep-user";
  var XAPI = /\/h5p\/[0-9a-f-]{36}\/xapi\/\d+\/$/;

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }
  function hhmm(date) {
    return ("0" + date.getHours()).slice(-2) + ":" + ("0" + date.getMinutes()).slice(-2);
  }
  function size(bytes) {
    if (bytes < 1024 * 1024) return Math.max(1, Math.round(bytes / 1024)) + " KB";
    return (bytes / 1024 / 1024).toFixed(1).replace(".", ",") + " MB";
  }
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function toWorker(message, registered) {
    if (!("serviceWorker" in navigator)) return Promise.resolve();
    // `ready` only once registered: before the first registration it would wait for ever.
    var found = registered ? navigator.serviceWorker.ready : navigator.serviceWorker.getRegistration("/");
    return found.then(function (registration) {
      if (!registration || !registration.active) return null;
      return new Promise(function (resolve) {
        var channel = new MessageChannel();
        channel.port1.onmessage = function () { resolve(); };
        registration.active.postMessage(message, [channel.port2]);
        setTimeout(resolve, 1500);
      });
    });
  }

  // --- Light on data: the server picks the smallest images while this cookie is set ----------
  var connection = navigator.connection;
  if (connection) {
    var slow = connection.saveData || /^(slow-2g|2g)$/.test(connection.effectiveType || "");
    if (slow) document.cookie = "hoctiep_lite=1; path=/; max-age=86400; SameSite=Lax";
    else if (/hoctiep_lite=1/.test(document.cookie)) document.cookie = "hoctiep_lite=; path=/; max-age=0; SameSite=Lax";
  }

  // --- One user's data only: another account (or none) means the last one's is wiped --------
  var previous = localStorage.getItem(USER_KEY);
  var wiped = Promise.resolve();
  if (previous !== null && previous !== user) {
    wiped = Promise.all([Store.wipe(user || null), toWorker({ type: "clear" })]);
  }
  localStorage.setItem(USER_KEY, user);

  function signOut(form) {
    localStorage.setItem(USER_KEY, "");
    return Promise.all([Store.wipe(null), toWorker({ type: "clear" })]).then(function () {
      form.submit();
    }, function () { form.submit(); });
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches && form.matches("form[action$='/logout/']") && !form.dataset.offlineCleared) {
      event.preventDefault();
      form.dataset.offlineCleared = "1";
      signOut(form);
    }
  }, true);

  if (!user) return;

  // --- The service worker (scope "/") ---------------------------------------------------------
  if ("serviceWorker" in navigator) {
    wiped.then(function () {
      return navigator.serviceWorker.register(C.sw, { scope: "/" });
    }).then(function () {
      return toWorker({ type: "user", id: user }, true);
    }).catch(function () { /* no worker: the site works online as before */ });
    navigator.serviceWorker.addEventListener("message", function (event) {
      var data = event.data || {};
      if (data.type === "offline-refused") notice(fill(T.refused, { reason: data.error }), "error");
      if (data.type === "offline-queued") showQueued(data.item);
    });
  }

  // --- Statements carry their own id and time, so a late copy is dated and counted once ------
  var originalFetch = window.fetch.bind(window);
  window.fetch = function (input, init) {
    var url = typeof input === "string" ? input : (input && input.url) || "";
    if (init && init.method === "POST" && XAPI.test(url.split("?")[0]) && typeof init.body === "string") {
      try {
        var statement = JSON.parse(init.body);
        statement.id = statement.id || Store.uuid();
        statement.timestamp = statement.timestamp || new Date().toISOString();
        init = Object.assign({}, init, { body: JSON.stringify(statement) });
      } catch (error) { /* not JSON: sent as it is */ }
    }
    return originalFetch(input, init);
  };

  // --- Banner and notices ---------------------------------------------------------------------
  function notice(text, kind) {
    var main = document.getElementById("main");
    if (!main) return null;
    var p = document.createElement("p");
    p.className = "message " + (kind || "info");
    p.setAttribute("role", "status");
    p.textContent = text;
    main.insertBefore(p, main.firstChild);
    return p;
  }
  var banner = null;
  function showOffline(since) {
    if (banner) return;
    banner = notice(fill(T.since, { time: hhmm(since) }), "warning offline-banner");
    if (banner) banner.setAttribute("data-offline-banner", "");
  }
  var copy = document.querySelector("meta[name='hoctiep-offline-copy']");

  // --- The outbox: work done offline, sent when the network is back ---------------------------
  function send(item) {
    return originalFetch(C.sync, {
      method: "POST", credentials: "same-origin", body: JSON.stringify(item),
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.ok || data.refused) {
          if (data.refused) notice(fill(T.refused, { reason: data.error }), "error");
          return Store.remove(user, "outbox", item.id).then(function () { return true; });
        }
        return false;
      });
    });
  }
  var flushing = null;
  function flush() {
    if (flushing) return flushing;
    flushing = Store.all(user, "outbox").then(function (items) {
      var sent = 0;
      items.sort(function (a, b) { return a.occurred_at < b.occurred_at ? -1 : 1; });
      return items.reduce(function (chain, item) {
        return chain.then(function (go) {
          if (!go) return false;
          return send(item).then(function (ok) { if (ok) sent += 1; return ok; });
        });
      }, Promise.resolve(true)).then(function () {
        if (sent && !document.querySelector("[data-offline-sent]")) {
          var p = notice(T.sent, "success");
          if (p) p.setAttribute("data-offline-sent", "");
        }
      });
    }).catch(function () {}).then(function () { flushing = null; });
    return flushing;
  }
  function keep(item) {
    item.user = Number(user);
    item.id = item.id || Store.uuid();
    item.occurred_at = item.occurred_at || new Date().toISOString();
    // Sent at once when possible; otherwise the worker queues it for Background Sync.
    return Store.put(user, "outbox", item).then(function () { return send(item); }).catch(function () {});
  }

  function showQueued(item) {
    document.querySelectorAll("[data-h5p='" + item.package + "'] [data-h5p-score]").forEach(function (node) {
      node.textContent = T.queued;
      node.setAttribute("data-offline-queued", "");
    });
  }

  // --- "Hoàn thành" without a network ---------------------------------------------------------
  function showDonePending(form, when) {
    var p = document.createElement("p");
    p.className = "status-completed";
    p.setAttribute("data-offline-done", "");
    p.textContent = "✔ " + fill(T.donePending, { time: hhmm(new Date(when)) });
    form.replaceWith(p);
  }
  function completionForms() {
    var article = document.querySelector("article.lesson[data-lesson]");
    if (!article) return;
    var lesson = Number(article.getAttribute("data-lesson"));
    var form = article.querySelector("form[action$='/complete/']");
    Store.all(user, "outbox").then(function (items) {
      var pending = items.filter(function (i) { return i.kind === "complete" && i.lesson === lesson; })[0];
      if (pending && form) showDonePending(form, pending.occurred_at);
      var opened = items.some(function (i) { return i.kind === "open" && i.lesson === lesson; });
      if (copy && !opened) keep({ kind: "open", lesson: lesson });
    });
    if (!form) return;
    form.addEventListener("submit", function (event) {
      if (navigator.onLine) return;
      event.preventDefault();
      var item = { kind: "complete", lesson: lesson, occurred_at: new Date().toISOString() };
      showDonePending(form, item.occurred_at);
      keep(item);
    });
  }

  // --- Activities without a network ------------------------------------------------------------
  // The player's iframe (about:blank, written by H5P) is not under the service worker, so
  // offline it would miss its scripts: without a network the activity plays in the page itself.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-h5p-start]");
    if (!button || (navigator.onLine && !copy)) return;
    var container = button.closest("[data-h5p-options]");
    var script = container && document.getElementById(container.getAttribute("data-h5p-options"));
    if (!script) return;
    var options = JSON.parse(script.textContent);
    options.embedType = "div";
    script.textContent = JSON.stringify(options);
  }, true);

  // --- Saving lessons -------------------------------------------------------------------------
  function savedCache() { return caches.open(Store.cacheName(user, "saved")); }

  function missing(files) {
    return savedCache().then(function (cache) {
      return Promise.all(files.map(function (file) {
        return cache.match(file.url, { ignoreVary: true }).then(function (hit) { return hit ? null : file; });
      }));
    }).then(function (list) { return list.filter(Boolean); });
  }

  function download(bundles, status) {
    var files = [];
    var seen = {};
    bundles.forEach(function (bundle) {
      bundle.files.forEach(function (file) {
        if (!seen[file.url]) { seen[file.url] = true; files.push(file); }
      });
    });
    return Promise.all([savedCache(), missing(files)]).then(function (values) {
      var cache = values[0];
      var todo = values[1];
      var done = 0;
      status.textContent = fill(T.progress, { done: 0, count: todo.length });
      return todo.reduce(function (chain, file) {
        return chain.then(function () {
          return originalFetch(file.source || file.url, { credentials: "same-origin" }).then(function (response) {
            if (!response.ok || response.redirected) throw new Error(file.url + " " + response.status);
            var headers = new Headers(response.headers);
            headers.set("X-HocTiep-Saved-At", new Date().toISOString());
            return response.blob().then(function (body) {
              return cache.put(file.url, new Response(body, { status: 200, headers: headers }));
            });
          }).then(function () {
            done += 1;
            status.textContent = fill(T.progress, { done: done, count: todo.length });
          });
        });
      }, Promise.resolve());
    }).then(function () {
      var now = new Date().toISOString();
      return Promise.all(bundles.map(function (bundle) {
        return Store.put(user, "saved", {
          lesson: bundle.lesson, title: bundle.title, url: bundle.url, bytes: bundle.bytes,
          files: bundle.files.map(function (f) { return f.url; }), saved_at: now
        });
      }));
    });
  }

  function removeSaved(lesson) {
    return Store.all(user, "saved").then(function (saved) {
      var mine = saved.filter(function (s) { return s.lesson === lesson; })[0];
      if (!mine) return null;
      var kept = {};
      saved.forEach(function (s) {
        if (s.lesson !== lesson) s.files.forEach(function (url) { kept[url] = true; });
      });
      return savedCache().then(function (cache) {
        return Promise.all(mine.files.filter(function (url) { return !kept[url]; }).map(function (url) {
          return cache.delete(url, { ignoreVary: true });
        }));
      }).then(function () { return Store.remove(user, "saved", lesson); });
    });
  }

  // What saving a list of lessons (one, all assigned, a closure's days) costs: the bundles from
  // the server, the files not on the phone yet and their size. Then download() saves them.
  function prepare(bundleUrl) {
    return originalFetch(bundleUrl, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    }).then(function (data) {
      var bundles = data.lessons || [data];
      var files = [];
      var seen = {};
      bundles.forEach(function (b) {
        b.files.forEach(function (f) { if (!seen[f.url]) { seen[f.url] = true; files.push(f); } });
      });
      return missing(files).then(function (todo) {
        var bytes = todo.reduce(function (sum, f) { return sum + f.bytes; }, 0);
        return { bundles: bundles, todo: todo, bytes: bytes, total: data.bytes };
      });
    });
  }

  // A "save" panel: size first, then the download after the student confirms.
  function savePanel(box, bundleUrl, renderSaved) {
    var status = box.querySelector("[data-offline-status]");
    var actions = box.querySelector("[data-offline-actions]");
    var start = actions.innerHTML;
    function reset() { actions.innerHTML = start; bind(); }
    function bind() {
      var button = actions.querySelector("[data-offline-save], [data-offline-save-all]");
      if (!button) return;
      button.addEventListener("click", function () {
        button.disabled = true;
        prepare(bundleUrl).then(function (plan) {
          status.textContent = plan.todo.length ? fill(T.cost, { size: size(plan.bytes), total: size(plan.total) }) : T.nothing;
          actions.replaceChildren();
          var go = document.createElement("button");
          go.type = "button"; go.className = "button"; go.textContent = T.download;
          go.setAttribute("data-offline-confirm", "");
          var cancel = document.createElement("button");
          cancel.type = "button"; cancel.className = "link-button"; cancel.textContent = T.cancel;
          actions.append(go, " ", cancel);
          cancel.addEventListener("click", function () { status.textContent = ""; reset(); });
          go.addEventListener("click", function () {
            go.disabled = true;
            download(plan.bundles, status).then(renderSaved, function () {
              status.textContent = T.failed;
              reset();
            });
          });
        }).catch(function () { status.textContent = T.failed; reset(); });
      });
    }
    bind();
    return reset;
  }

  // The start page's offer during (or just before) a closure: the size is shown as soon as the
  // page opens, and one tap saves every lesson of the closure's days.
  function closurePanel(box) {
    var status = box.querySelector("[data-offline-status]");
    var actions = box.querySelector("[data-offline-actions]");
    var button = box.querySelector("[data-offline-save-closure]");
    if (!button) return;
    var bundleUrl = box.getAttribute("data-bundle-url");
    var lessons = Array.prototype.map.call(box.querySelectorAll("[data-offline-closure-lesson]"), function (li) {
      return Number(li.getAttribute("data-offline-closure-lesson"));
    });
    var plan = null;
    function done(bytes) {
      box.setAttribute("data-offline-saved", "");
      status.textContent = fill(T.closureSaved, { size: size(bytes) });
      actions.hidden = true;
    }
    function show(found) {
      plan = found;
      if (!found.todo.length) { done(found.total); return; }
      status.textContent = found.bytes === found.total
        ? fill(T.closureSize, { size: size(found.total) })
        : fill(T.closureLeft, { size: size(found.bytes), total: size(found.total) });
    }
    actions.hidden = false;
    // Everything already saved (also offline, from the phone's own list)?
    Store.all(user, "saved").then(function (saved) {
      var bytes = {};
      saved.forEach(function (s) { bytes[s.lesson] = s.bytes; });
      if (lessons.length && lessons.every(function (id) { return id in bytes; })) {
        done(lessons.reduce(function (sum, id) { return sum + bytes[id]; }, 0));
      } else if (navigator.onLine && !copy) {
        prepare(bundleUrl).then(show).catch(function () {});
      }
    }).catch(function () {});
    button.addEventListener("click", function () {
      button.disabled = true;
      (plan ? Promise.resolve(plan) : prepare(bundleUrl)).then(function (found) {
        return download(found.bundles, status).then(function () { done(found.total); });
      }).catch(function () {
        plan = null;
        status.textContent = T.failed;
        button.disabled = false;
      });
    });
  }

  function lessonPanel(box) {
    var lesson = Number(box.getAttribute("data-offline-lesson"));
    var status = box.querySelector("[data-offline-status]");
    var actions = box.querySelector("[data-offline-actions]");
    var reset;
    function render() {
      return Store.get(user, "saved", lesson).then(function (saved) {
        if (!saved) return;
        box.setAttribute("data-offline-saved", "");
        status.textContent = fill(T.saved, { size: size(saved.bytes), time: hhmm(new Date(saved.saved_at)) });
        actions.replaceChildren();
        var remove = document.createElement("button");
        remove.type = "button"; remove.className = "link-button"; remove.textContent = T.remove;
        remove.setAttribute("data-offline-remove", "");
        remove.addEventListener("click", function () {
          removeSaved(lesson).then(function () {
            box.removeAttribute("data-offline-saved");
            status.textContent = T.removed;
            reset();
          });
        });
        actions.append(remove);
      });
    }
    reset = savePanel(box, box.getAttribute("data-bundle-url"), render);
    box.hidden = false;
    render();
  }

  function listPanel(box) {
    var list = box.querySelector("[data-offline-saved]");
    function render() {
      return Store.all(user, "saved").then(function (saved) {
        list.replaceChildren();
        if (!saved.length) {
          var empty = document.createElement("li");
          empty.className = "empty"; empty.textContent = T.noneSaved;
          list.append(empty);
        }
        saved.forEach(function (s) {
          var li = document.createElement("li");
          li.setAttribute("data-offline-saved-lesson", s.lesson);
          var link = document.createElement("a");
          link.href = s.url; link.textContent = s.title;
          var remove = document.createElement("button");
          remove.type = "button"; remove.className = "link-button"; remove.textContent = T.remove;
          remove.addEventListener("click", function () { removeSaved(s.lesson).then(render); });
          li.append(link, " · " + size(s.bytes) + " · ", remove);
          list.append(li);
        });
      });
    }
    savePanel(box, box.getAttribute("data-bundle-url"), function () {
      box.querySelector("[data-offline-status]").textContent = "";
      return render();
    });
    box.hidden = false;
    render();
  }

  function init() {
    if (copy || !navigator.onLine) showOffline(copy && copy.content ? new Date(copy.content) : new Date());
    window.addEventListener("offline", function () { showOffline(new Date()); });
    window.addEventListener("online", function () {
      if (banner) { banner.remove(); banner = null; }
      flush().then(function () { return toWorker({ type: "replay" }); });
    });
    completionForms();
    if ("caches" in window) {
      document.querySelectorAll("[data-offline-lesson]").forEach(lessonPanel);
      document.querySelectorAll("[data-offline-list]").forEach(listPanel);
      document.querySelectorAll("[data-offline-closure]").forEach(closurePanel);
    }
    if (navigator.onLine && !copy) flush();
  }
  wiped.then(function () {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
    else init();
  });
})();
