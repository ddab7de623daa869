// HọcTiếp's service worker (docs/offline.md), loaded by /sw.js after its settings
// (self.HOCTIEP_SW), Workbox and store.js. Workbox comes from our own static files.
/* global workbox, HocTiepStore */
(function () {
  "use strict";
  var C = self.HOCTIEP_SW;
  var Store = self.HocTiepStore;
  workbox.setConfig({ modulePathPrefix: C.workboxPrefix, debug: false });
  // Workbox loads its modules with importScripts, which only works while the worker starts.
  var routing = workbox.routing;
  var strategies = workbox.strategies;
  var expiration = workbox.expiration;
  var backgroundSync = workbox.backgroundSync;
  var cacheable = workbox.cacheableResponse;

  var META = "hoctiep-meta";
  var USER_KEY = "/offline/meta/user";
  var XAPI = /^\/h5p\/([0-9a-f-]{36})\/xapi\/(\d+)\/$/;
  var STATE = /^\/h5p\/([0-9a-f-]{36})\/state\/([\w-]+)\/([\w-]+)\/$/;
  var COMPLETE = /^\/lessons\/(\d+)\/complete\/$/;
  var WIDTH = /\.width-(\d+)\./;
  var currentUser = null;

  // --- Who is signed in (the pages tell us; kept across restarts) ----------------------------
  function setUser(id) {
    currentUser = id || null;
    return caches.open(META).then(function (cache) {
      return id ? cache.put(USER_KEY, new Response(String(id))) : cache.delete(USER_KEY);
    });
  }
  function getUser() {
    if (currentUser) return Promise.resolve(currentUser);
    return caches.open(META).then(function (cache) { return cache.match(USER_KEY); })
      .then(function (response) { return response ? response.text() : null; })
      .then(function (id) { currentUser = id || null; return currentUser; });
  }

  function notifyClients(message) {
    return self.clients.matchAll({ includeUncontrolled: true }).then(function (clients) {
      clients.forEach(function (client) { client.postMessage(message); });
    });
  }

  // --- Sending the outbox: Background Sync where the browser has it --------------------------
  function replay(queue) {
    var entry;
    return fetch(C.syncUrl, { credentials: "same-origin" }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (who) {
      if (!who) return null; // signed out: the work stays queued until someone signs in
      function next() {
        return queue.shiftRequest().then(function (found) {
          entry = found;
          if (!entry) return null;
          return entry.request.clone().json().then(function (item) {
            if (String(item.user) !== String(who.user)) return next(); // another account's
            return fetch(C.syncUrl, {
              method: "POST", credentials: "same-origin", body: JSON.stringify(item),
              headers: { "Content-Type": "application/json", "X-CSRFToken": who.csrf }
            }).then(function (response) {
              return response.json().catch(function () { return {}; }).then(function (data) {
                if (response.ok || data.refused) {
                  return Store.remove(item.user, "outbox", item.id).then(function () {
                    if (data.refused) {
                      return notifyClients({ type: "offline-refused", item: item, error: data.error });
                    }
                    return notifyClients({ type: "offline-sent", item: item });
                  }).then(next);
                }
                return queue.unshiftRequest(entry).then(function () {
                  throw new Error("sync answered " + response.status);
                });
              });
            }, function (error) {
              return queue.unshiftRequest(entry).then(function () { throw error; });
            });
          });
        });
      }
      return next();
    });
  }

  var syncQueue = new backgroundSync.Queue("hoctiep-sync", {
    maxRetentionTime: 30 * 24 * 60, // minutes: the server refuses older work anyway
    onSync: function (options) { return replay(options.queue); }
  });

  function queueItem(item, csrf) {
    var request = new Request(C.syncUrl, {
      method: "POST", credentials: "same-origin", body: JSON.stringify(item),
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf || "" }
    });
    return Store.put(item.user, "outbox", item).then(function () {
      return syncQueue.pushRequest({ request: request });
    });
  }

  function json(data, status) {
    return new Response(JSON.stringify(data), {
      status: status || 200, headers: { "Content-Type": "application/json" }
    });
  }

  // --- Pages: the network first, then this user's saved or last known copy ------------------
  function stamped(response, when) {
    var headers = new Headers(response.headers);
    headers.set("X-HocTiep-Saved-At", when || new Date().toISOString());
    return response.blob().then(function (body) {
      return new Response(body, { status: response.status, statusText: response.statusText, headers: headers });
    });
  }

  // A copy shown offline says so: the page's script reads this <meta> and shows the banner.
  function offlineCopy(response) {
    var savedAt = response.headers.get("X-HocTiep-Saved-At") || "";
    return response.text().then(function (html) {
      var meta = '<meta name="hoctiep-offline-copy" content="' + savedAt.replace(/[^0-9TZ:.+-]/g, "") + '">';
      return new Response(html.replace(/<head>/i, "<head>" + meta), {
        status: 200, headers: response.headers
      });
    });
  }

  var pageStrategies = {};
  function pageStrategy(user) {
    if (!pageStrategies[user]) {
      pageStrategies[user] = new strategies.NetworkFirst({
        cacheName: Store.cacheName(user, "pages"),
        networkTimeoutSeconds: 15,
        matchOptions: { ignoreVary: true },
        plugins: [
          new cacheable.CacheableResponsePlugin({ statuses: [200] }),
          new expiration.ExpirationPlugin({ maxEntries: 30 }),
          {
            // Never keep a redirect's target (the sign-in page) under the page's address.
            cacheWillUpdate: function (args) {
              var response = args.response;
              if (response.redirected || response.type !== "basic") return null;
              return stamped(response);
            },
            cachedResponseWillBeUsed: function (args) {
              return args.cachedResponse ? offlineCopy(args.cachedResponse) : null;
            }
          }
        ]
      });
    }
    return pageStrategies[user];
  }

  function savedMatch(user, request, options) {
    return caches.open(Store.cacheName(user, "saved")).then(function (cache) {
      return cache.match(request, Object.assign({ ignoreVary: true }, options));
    });
  }

  function offlinePage() {
    return caches.match(C.offlineUrl, { cacheName: Store.SHELL }).then(function (response) {
      return response || new Response("Offline", { status: 503, headers: { "Content-Type": "text/plain" } });
    });
  }

  routing.registerRoute(function (options) {
    return options.request.mode === "navigate";
  }, function (options) {
    var request = options.request;
    return getUser().then(function (user) {
      if (!user) return fetch(request).catch(offlinePage);
      var saved = function () {
        return savedMatch(user, request).then(function (response) {
          return response ? offlineCopy(response) : offlinePage();
        });
      };
      // A saved lesson opens from the phone when the network is down, else from the network.
      return pageStrategy(user).handle(options).then(function (response) {
        return response || saved();
      }, saved);
    });
  });

  // --- Files: saved copies first (they never change at the same address), else the network --
  function fileFromCaches(user, request) {
    var url = new URL(request.url);
    // Files never change at the same path; "?v=4.5.0" in a font's URL is only for old caches.
    var loose = { ignoreSearch: true };
    return (user ? savedMatch(user, request, loose) : Promise.resolve(null)).then(function (found) {
      return found || caches.match(request, { cacheName: Store.SHELL, ignoreVary: true, ignoreSearch: true });
    }).then(function (found) {
      if (found || !user || !WIDTH.test(url.pathname)) return found;
      // An image the phone asks for at another width: any kept width of it will do.
      return caches.open(Store.cacheName(user, "saved")).then(function (cache) {
        return cache.keys().then(function (keys) {
          var stem = url.pathname.replace(WIDTH, ".width-");
          var other = keys.filter(function (key) {
            return new URL(key.url).pathname.replace(WIDTH, ".width-") === stem;
          })[0];
          return other ? cache.match(other) : null;
        });
      });
    });
  }

  routing.registerRoute(function (options) {
    var url = options.url;
    return options.request.method === "GET" && url.origin === self.location.origin &&
      !STATE.test(url.pathname) &&
      (url.pathname.indexOf(C.staticUrl) === 0 || url.pathname.indexOf("/media/") === 0 ||
       url.pathname.indexOf("/h5p/") === 0);
  }, function (options) {
    var request = options.request;
    return getUser().then(function (user) {
      return fileFromCaches(user, request).then(function (found) {
        return found || fetch(request);
      });
    });
  });

  // --- H5P answers and resume state: sent now, or kept with their time and sent later --------
  routing.registerRoute(function (options) {
    return XAPI.test(options.url.pathname);
  }, function (options) {
    var request = options.request;
    var copy = request.clone();
    return fetch(request).catch(function () {
      var match = XAPI.exec(options.url.pathname);
      return Promise.all([copy.json(), getUser()]).then(function (values) {
        var statement = values[0];
        var item = {
          id: statement.id || Store.uuid(), kind: "xapi", user: Number(values[1]),
          package: match[1], lesson: Number(match[2]),
          occurred_at: statement.timestamp || new Date().toISOString(), statement: statement
        };
        return queueItem(item, copy.headers.get("X-CSRFToken")).then(function () {
          notifyClients({ type: "offline-queued", item: item });
          return json({ recorded: false, queued: true }, 202);
        });
      });
    });
  }, "POST");

  routing.registerRoute(function (options) {
    return STATE.test(options.url.pathname);
  }, function (options) {
    var request = options.request;
    return getUser().then(function (user) {
      if (!user) return fetch(request);
      // Nothing saved yet: the player starts from the beginning, as H5P does with no state.
      return pageStrategy(user).handle(options).catch(function () {
        return json({ success: true, data: false });
      });
    });
  }, "GET");

  routing.registerRoute(function (options) {
    return STATE.test(options.url.pathname);
  }, function (options) {
    var request = options.request;
    var copy = request.clone();
    return fetch(request).catch(function () {
      var match = STATE.exec(options.url.pathname);
      return Promise.all([copy.formData(), getUser()]).then(function (values) {
        var form = values[0];
        var user = values[1];
        if (!user) throw new Error("not signed in");
        var data = form.get("data");
        var item = {
          id: Store.uuid(), kind: "state", user: Number(user), package: match[1],
          data_type: match[2], sub_content_id: match[3], data: data,
          occurred_at: new Date().toISOString()
        };
        // The player asks for its state again on the next open: answer with this one.
        var url = options.url.pathname;
        return caches.open(Store.cacheName(user, "pages")).then(function (cache) {
          return cache.put(url, json({ success: true, data: data === "0" ? false : data }));
        }).then(function () {
          return queueItem(item, copy.headers.get("X-CSRFToken"));
        }).then(function () { return json({ success: true }); });
      });
    });
  }, "POST");

  // "Hoàn thành" pressed while the network is down (when the page could not catch it first).
  routing.registerRoute(function (options) {
    return COMPLETE.test(options.url.pathname);
  }, function (options) {
    var request = options.request;
    var copy = request.clone();
    return fetch(request).catch(function () {
      var lesson = Number(COMPLETE.exec(options.url.pathname)[1]);
      return Promise.all([copy.formData(), getUser()]).then(function (values) {
        var item = {
          id: Store.uuid(), kind: "complete", user: Number(values[1]), lesson: lesson,
          occurred_at: new Date().toISOString()
        };
        return queueItem(item, values[0].get("csrfmiddlewaretoken")).then(function () {
          return Response.redirect(request.referrer || "/", 303);
        });
      });
    });
  }, "POST");

  // The page's own sending of the outbox: when the network fails, the request joins Workbox's
  // queue, replayed when the browser says the network is back.
  routing.registerRoute(function (options) {
    return options.url.pathname === C.syncUrl;
  }, function (options) {
    var copy = options.request.clone();
    return fetch(options.request).catch(function (error) {
      return copy.json().then(function (item) {
        return syncQueue.getAll().then(function (entries) {
          return Promise.all(entries.map(function (entry) { return entry.request.json(); }));
        }).then(function (queued) {
          var known = queued.some(function (other) { return other.id === item.id; });
          return known ? null : queueItem(item, copy.headers.get("X-CSRFToken"));
        });
      }).then(function () { throw error; });
    });
  }, "POST");

  // --- Life cycle and messages from the pages ------------------------------------------------
  self.addEventListener("install", function (event) {
    event.waitUntil(caches.open(Store.SHELL).then(function (cache) {
      return cache.addAll([C.offlineUrl].concat(C.shell || []));
    }).then(function () { return self.skipWaiting(); }));
  });

  self.addEventListener("activate", function (event) {
    event.waitUntil(self.clients.claim());
  });

  // The start page is what the installed app opens on: keep its copy from the moment the
  // worker learns who is signed in, not only from their next visit to it.
  function keepStartPage(user, event) {
    return caches.open(Store.cacheName(user, "pages")).then(function (cache) {
      return cache.match(C.startUrl, { ignoreVary: true });
    }).then(function (found) {
      if (found) return null;
      var request = new Request(C.startUrl, { credentials: "same-origin" });
      return pageStrategy(user).handle({ request: request, event: event });
    }).catch(function () { /* offline now: the next visit keeps it */ });
  }

  self.addEventListener("message", function (event) {
    var data = event.data || {};
    var done;
    if (data.type === "user") {
      done = setUser(data.id);
      if (data.id && event.waitUntil) {
        event.waitUntil(done.then(function () { return keepStartPage(String(data.id), event); }));
      }
    } else if (data.type === "replay") {
      done = replay(syncQueue).catch(function () {});
    } else if (data.type === "clear") {
      currentUser = null;
      done = Promise.all([setUser(null), drain(syncQueue)]);
    }
    if (done && event.waitUntil) event.waitUntil(done);
    if (done && event.ports && event.ports[0]) {
      done.then(function () { event.ports[0].postMessage({ done: true }); });
    }
  });

  function drain(queue) {
    return queue.shiftRequest().then(function (entry) { return entry ? drain(queue) : null; });
  }
})();
