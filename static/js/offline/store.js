// What the phone keeps for one user (docs/offline.md), shared by the pages and the service
// worker: caches named "hoctiep-u<user>-…" and an IndexedDB database "hoctiep-u<user>" with
// the saved lessons ("saved") and the work waiting for the network ("outbox").
(function (scope) {
  "use strict";
  var PREFIX = "hoctiep-";
  var SHELL = PREFIX + "shell";

  function dbName(user) { return PREFIX + "u" + user; }
  function cacheName(user, kind) { return PREFIX + "u" + user + "-" + kind; }

  function open(user) {
    return new Promise(function (resolve, reject) {
      var request = scope.indexedDB.open(dbName(user), 1);
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains("saved")) db.createObjectStore("saved", { keyPath: "lesson" });
        if (!db.objectStoreNames.contains("outbox")) db.createObjectStore("outbox", { keyPath: "id" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function run(user, store, mode, action) {
    return open(user).then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(store, mode);
        var request = action(tx.objectStore(store));
        tx.oncomplete = function () { db.close(); resolve(request && request.result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function all(user, store) { return run(user, store, "readonly", function (s) { return s.getAll(); }); }
  function get(user, store, key) { return run(user, store, "readonly", function (s) { return s.get(key); }); }
  function put(user, store, value) { return run(user, store, "readwrite", function (s) { return s.put(value); }); }
  function remove(user, store, key) { return run(user, store, "readwrite", function (s) { return s.delete(key); }); }

  function deleteDb(name) {
    return new Promise(function (resolve) {
      var request = scope.indexedDB.deleteDatabase(name);
      request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
    });
  }

  // Everything of every user but `keep` (none when signing out): caches and databases.
  // Workbox's queue of work waiting for Background Sync is the service worker's to empty (it
  // holds that database open, so deleting it from a page would wait for the worker to stop).
  function wipe(keep) {
    var mine = keep ? PREFIX + "u" + keep + "-" : null;
    var caches = scope.caches ? scope.caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf(PREFIX) === 0 && !(mine && name.indexOf(mine) === 0) && name !== SHELL;
      }).map(function (name) { return scope.caches.delete(name); }));
    }) : Promise.resolve();
    var listing = scope.indexedDB.databases ? scope.indexedDB.databases() : Promise.resolve([]);
    var dbs = listing.then(function (list) {
      return Promise.all(list.map(function (info) { return info.name; }).filter(function (name) {
        return name && name.indexOf(PREFIX + "u") === 0 && name !== (keep ? dbName(keep) : null);
      }).map(deleteDb));
    });
    return Promise.all([caches, dbs]);
  }

  function uuid() {
    if (scope.crypto && scope.crypto.randomUUID) return scope.crypto.randomUUID();
    return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, function (c) {
      var r = Math.random() * 16 | 0;
      return (c === "x" ? r : (r & 0x3 | 0x8)).toString(16);
    });
  }

  scope.HocTiepStore = {
    SHELL: SHELL, dbName: dbName, cacheName: cacheName, all: all, get: get, put: put,
    remove: remove, wipe: wipe, uuid: uuid
  };
})(self);
