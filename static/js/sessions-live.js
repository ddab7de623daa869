// Start page: notice within seconds that one of the user's classes went live (or ended) and
// show "Join" without a reload. A small JSON poll (classrooms:sessions_status), every
// data-poll-seconds, paused while the page is hidden: cheap on a weak mobile network.
(function () {
  "use strict";
  var box, url, seconds, timer;

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function list() {
    var ul = box.querySelector("ul.session-list");
    if (!ul) {
      ul = el("ul", null, "session-list");
      var empty = box.querySelector("p.empty");
      if (empty) empty.replaceWith(ul); else box.append(ul);
    }
    return ul;
  }

  function newRow(s) {
    var li = el("li", null, "session");
    li.dataset.session = s.id;
    var what = el("span", null, "session-what");
    what.append(el("strong", s.subject));
    li.append(el("span", s.time, "session-time"), what, el("span", null, "tag"),
      el("span", null, "session-actions"));
    list().prepend(li);
    return li;
  }

  function update(s) {
    var li = box.querySelector('li[data-session="' + Number(s.id) + '"]');
    if (!li && !s.can_join) return;
    li = li || newRow(s);
    if (li.dataset.status === s.status) return;
    li.dataset.status = s.status;
    li.className = "session session-" + s.status;
    var tag = li.querySelector(".tag");
    tag.className = "tag status-" + s.status;
    tag.textContent = s.status_label;
    var actions = li.querySelector(".session-actions");
    var join = actions.querySelector("a[data-join]");
    if (s.join_url && !join) {
      join = el("a", box.dataset.joinText, "button");
      join.href = s.join_url;
      join.setAttribute("data-join", "");
      actions.prepend(join);
    } else if (!s.join_url && join) {
      join.remove();
    }
  }

  function poll() {
    timer = null;
    if (document.hidden) return;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.redirected || response.status === 403) return null;  // signed out
        schedule();
        return response.ok ? response.json() : null;
      })
      .then(function (data) { if (data) data.sessions.forEach(update); })
      .catch(function () { schedule(); });
  }

  function schedule() {
    if (!timer) timer = window.setTimeout(poll, seconds * 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    box = document.querySelector("[data-sessions-poll]");
    if (!box) return;
    url = box.dataset.sessionsPoll;
    seconds = Math.max(2, Number(box.dataset.pollSeconds) || 10);
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) {
        if (timer) window.clearTimeout(timer);
        poll();
      }
    });
    schedule();
  });
})();
