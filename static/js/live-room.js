// The live room client (templates/classrooms/live_room.html; protocol: docs/live-protocol.md).
// Plain JS, no third-party requests. Every text from the server is written with textContent.
(function () {
  "use strict";

  var BACKOFF_BASE_MS = 1000;
  var BACKOFF_CAP_MS = 30000;
  var ERROR_SHOW_MS = 6000;
  var LESSON_RELOAD_SPREAD_MS = 2000;

  var root, config, T, socket, heartbeatTimer, retryTimer, errorTimer;
  var attempt = 0;
  var stopped = false;
  var endingHere = false;
  var state = {
    online: new Map(), hands: [], poll: null, answered: null, chatEnabled: true, muted: false,
    mutedStudents: new Set(), focus: null, following: true
  };

  function $(id) { return document.getElementById(id); }

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, key) {
      return key in values ? String(values[key]) : match;
    });
  }

  function button(text, onClick, className) {
    var b = el("button", text, className || "button-secondary button-small");
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(message));
      return true;
    }
    return false;
  }

  function isTeacher() { return config.role === "teacher"; }

  // --- Connection --------------------------------------------------------------------------

  function showStatus(text) {
    var status = $("room-status");
    status.textContent = text || "";
    status.hidden = !text;
  }

  function connect() {
    retryTimer = null;
    if (stopped) return;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + config.ws);
    socket.addEventListener("message", function (event) {
      var message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      if (message && typeof message.type === "string") handle(message);
    });
    socket.addEventListener("close", onClose);
  }

  function onClose(event) {
    stopHeartbeat();
    setConnected(false);
    if (event.code === 4403) { stopped = true; showStatus(T.forbidden); return; }
    if (event.code === 4410) { sessionEnded(); return; }
    showStatus(event.code === 4409 ? T.notStarted : T.reconnecting);
    scheduleReconnect();
  }

  // Exponential backoff with full jitter: a random wait up to min(cap, base × 2^attempt), so
  // that a class whose server restarted does not reconnect all at once.
  function scheduleReconnect() {
    if (stopped || retryTimer) return;
    attempt += 1;
    var ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * Math.pow(2, attempt));
    retryTimer = window.setTimeout(connect, Math.random() * ceiling);
  }

  function reconnectNow() {
    if (stopped || (socket && socket.readyState <= WebSocket.OPEN)) return;
    if (retryTimer) { window.clearTimeout(retryTimer); retryTimer = null; }
    connect();
  }

  function startHeartbeat(seconds) {
    stopHeartbeat();
    heartbeatTimer = window.setInterval(function () { send({ type: "heartbeat" }); },
      Math.max(1, seconds) * 1000);
  }

  function stopHeartbeat() {
    if (heartbeatTimer) window.clearInterval(heartbeatTimer);
    heartbeatTimer = null;
  }

  function setConnected(connected) {
    root.classList.toggle("is-connected", connected);
    root.dataset.connected = connected ? "true" : "false";
    renderChatState();
    var hand = $("room-hand");
    if (hand) hand.disabled = !connected;
    var lessonButton = document.querySelector("#room-lesson-form button");
    if (lessonButton) lessonButton.disabled = !connected;
  }

  function sessionEnded(message) {
    stopped = true;
    stopHeartbeat();
    setConnected(false);
    showStatus("");
    // Everyone is told, in a box that stays (role=alert), not only in the status line.
    var box = $("room-ended");
    if (message && message.message) $("room-ended-text").textContent = message.message;
    else if (box.hidden) $("room-ended-text").textContent = T.ended;
    box.hidden = false;
    var end = $("room-end-confirm");
    if (end) end.hidden = true;
    root.dataset.ended = "true";
    if (endingHere) window.location.assign(config.attendanceUrl);
  }

  function showError(message) {
    if (endingHere) {
      endingHere = false;
      if ($("room-end")) $("room-end").disabled = false;
    }
    var box = $("room-error");
    box.textContent = message.message || message.code;
    box.dataset.code = message.code || "";
    box.hidden = false;
    if (errorTimer) window.clearTimeout(errorTimer);
    errorTimer = window.setTimeout(function () { box.hidden = true; }, ERROR_SHOW_MS);
  }

  // --- Messages ----------------------------------------------------------------------------

  var handlers = {
    "presence.state": function (m) {
      attempt = 0;
      showStatus("");
      state.online = new Map();
      m.online.forEach(function (u) { state.online.set(u.id, u); });
      state.hands = m.hands;
      state.poll = m.poll;
      state.answered = m.answered;
      state.chatEnabled = m.chat_enabled;
      state.muted = m.muted;
      state.mutedStudents = new Set(m.muted_students || []);
      var chat = $("room-chat");
      chat.replaceChildren();
      m.chat.forEach(addChat);
      setConnected(true);
      renderOnline(); renderHands(); renderPoll();
      applyFocus(m.focus);
      startHeartbeat(m.heartbeat || config.heartbeat);
    },
    "presence.join": function (m) { state.online.set(m.user.id, m.user); renderOnline(); },
    "presence.leave": function (m) { state.online.delete(m.user.id); renderOnline(); },
    "chat.message": function (m) { addChat(m.message); },
    "chat.deleted": function (m) {
      var item = $("room-chat").querySelector('[data-id="' + Number(m.message) + '"]');
      if (item) item.remove();
    },
    "chat.mute": function (m) {
      if (m.all) {
        state.chatEnabled = !m.muted;
      } else {
        if (m.student === config.me) state.muted = m.muted;
        if (m.muted) state.mutedStudents.add(m.student); else state.mutedStudents.delete(m.student);
        renderOnline();
      }
      renderChatState();
    },
    "hand.queue": function (m) { state.hands = m.queue; renderHands(); },
    "poll.opened": function (m) { state.poll = m.poll; state.answered = null; renderPoll(); },
    "poll.results": function (m) {
      if (!state.poll || state.poll.id <= m.poll.id) { state.poll = m.poll; renderPoll(); }
    },
    "lesson.focus": function (m) { applyFocus(m.anchor ? m : null); },
    "lesson.changed": function (m) { lessonChanged(m.lesson); },
    "h5p.launch": function (m) {
      if (isTeacher()) return;
      applyFocus(m, fill(T.h5pLaunch, { label: m.label }));
      // The teacher launched it: start the player the student would otherwise tap to load.
      var section = document.getElementById(m.anchor);
      var start = section && section.querySelector("[data-h5p-start]:not([disabled])");
      if (start) start.click();
    },
    "h5p.result": function (m) {
      var list = $("room-h5p-results");
      if (!list) return;
      var who = state.online.get(m.student);
      list.prepend(el("li", fill(T.h5pResult, {
        name: (who && who.name) || m.name || m.student, score: m.score, max: m.max_score
      })));
    },
    "session.ended": function (m) { sessionEnded(m); },
    "error": showError,
    "heartbeat": function () {}
  };

  function handle(message) {
    var handler = handlers[message.type];
    if (handler) handler(message);
  }

  // --- Rendering ---------------------------------------------------------------------------

  function roleLabel(user) {
    if (user.role === "teacher") return T.teacher;
    if (user.role === "observer") return T.observer;
    return "";
  }

  function renderOnline() {
    var list = $("room-online");
    list.replaceChildren();
    var people = Array.from(state.online.values()).sort(function (a, b) {
      var order = { teacher: 0, observer: 1, student: 2 };
      return (order[a.role] - order[b.role]) || a.name.localeCompare(b.name, "vi");
    });
    people.forEach(function (user) {
      var item = el("li");
      item.dataset.user = user.id;
      var name = el("span", user.name + (user.id === config.me ? " " + T.you : ""));
      var role = roleLabel(user);
      if (role) name.append(" ", el("span", role, "role"));
      item.append(name);
      if (isTeacher() && user.role === "student") {
        var muted = state.mutedStudents.has(user.id);
        item.append(button(muted ? T.unmute : T.mute, function () {
          send({ type: "chat.mute", student: user.id, muted: !muted });
        }));
      }
      list.append(item);
    });
    $("room-online-count").textContent = fill(T.online, { n: people.length });
  }

  function renderHands() {
    var list = $("room-hands");
    if (list) {
      list.replaceChildren();
      if (!state.hands.length) list.append(el("li", T.noHands, "empty"));
      state.hands.forEach(function (hand) {
        var item = el("li");
        item.dataset.user = hand.id;
        item.append(el("span", hand.name),
          button(T.lower, function () { send({ type: "hand.lower", student: hand.id }); }));
        list.append(item);
      });
    }
    var mine = $("room-hand");
    if (mine) {
      var raised = state.hands.some(function (h) { return h.id === config.me; });
      mine.setAttribute("aria-pressed", raised ? "true" : "false");
      mine.textContent = raised ? T.lowerHand : T.raiseHand;
    }
  }

  function renderPoll() {
    var box = $("room-poll");
    var poll = state.poll;
    box.replaceChildren();
    if (!poll) { box.append(el("p", box.dataset.empty, "empty")); return; }
    box.dataset.poll = poll.id;
    box.append(el("p", poll.question, "question"));
    var canAnswer = config.role === "student" && !poll.closed && state.answered === null;
    var list = el("ol", null, "poll-options");
    poll.options.forEach(function (option, index) {
      var item = el("li");
      if (canAnswer) {
        item.append(button(option, function () {
          state.answered = index;
          send({ type: "poll.answer", poll: poll.id, option: index });
          renderPoll();
        }, "poll-answer"));
      } else {
        var bar = el("div", null, "poll-bar" + (state.answered === index ? " chosen" : ""));
        var meter = el("meter");
        meter.min = 0; meter.max = Math.max(1, poll.total); meter.value = poll.counts[index];
        bar.append(el("span", option), el("span", poll.counts[index], "num"), meter);
        item.append(bar);
      }
      list.append(item);
    });
    box.append(list, el("p", fill(T.answers, { n: poll.total }) +
      (poll.closed ? " · " + T.pollClosed : ""), "hint"));
    if (isTeacher() && !poll.closed) {
      box.append(button(T.closePoll, function () { send({ type: "poll.close", poll: poll.id }); }));
    }
  }

  function addChat(message) {
    var list = $("room-chat");
    var item = el("li", null, message.author.role === "teacher" ? "from-teacher" : "");
    item.dataset.id = message.id;
    item.append(el("span", message.author.name + ":", "author"), el("span", message.text, "text"));
    if (isTeacher()) {
      item.append(" ", button(T.delete, function () {
        send({ type: "chat.delete", message: message.id });
      }));
    }
    var atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.append(item);
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  function renderChatState() {
    var connected = root.dataset.connected === "true";
    var blocked = !isTeacher() && (!state.chatEnabled || state.muted);
    var form = $("room-chat-form");
    form.querySelectorAll("input, button").forEach(function (c) { c.disabled = !connected || blocked; });
    var note = $("room-chat-state");
    note.textContent = !state.chatEnabled ? T.chatOff : (state.muted ? T.muted : "");
    note.hidden = !note.textContent;
    var toggle = $("room-chat-toggle");
    if (toggle) toggle.textContent = state.chatEnabled ? T.turnChatOff : T.turnChatOn;
  }

  function applyFocus(focus, notice) {
    state.focus = focus && focus.anchor ? focus : null;
    document.querySelectorAll(".lesson-block.is-focused").forEach(function (s) {
      s.classList.remove("is-focused");
    });
    var picker = $("room-focus-anchor");
    if (picker && state.focus) {
      picker.value = state.focus.anchor;
      picker.dispatchEvent(new Event("change"));
    }
    var line = $("room-focus-notice");
    if (line) {
      line.textContent = notice || (state.focus ? fill(T.focus, { label: state.focus.label }) : "");
      line.hidden = !line.textContent;
    }
    if (!state.focus) return;
    var section = document.getElementById(state.focus.anchor);
    if (!section) return;
    section.classList.add("is-focused");
    if (state.following || isTeacher()) section.scrollIntoView({ behavior: "smooth", block: "start" });
  }

  // The lesson's sections are rendered with the page (activities, formulas): another lesson
  // means loading the page again. Students wait a random moment so that a class of phones
  // does not ask at the same instant; the room's state comes back with the new socket.
  function lessonChanged(lesson) {
    var id = lesson ? lesson.id : null;
    if (id === config.lesson) return;
    var notice = $("room-lesson-notice");
    notice.textContent = lesson ? fill(T.lessonChanged, { title: lesson.title }) : T.lessonRemoved;
    notice.hidden = false;
    root.dataset.lesson = id === null ? "" : String(id);
    var wait = isTeacher() ? 0 : Math.random() * LESSON_RELOAD_SPREAD_MS;
    window.setTimeout(function () { window.location.reload(); }, wait);
  }

  // --- Controls ----------------------------------------------------------------------------

  function wireControls() {
    $("room-chat-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var input = $("room-chat-text");
      var text = input.value.trim();
      if (text && send({ type: "chat.send", text: text })) input.value = "";
    });
    var toggle = $("room-chat-toggle");
    if (toggle) toggle.addEventListener("click", function () {
      send({ type: "chat.mute", all: true, muted: state.chatEnabled });
    });
    var hand = $("room-hand");
    if (hand) hand.addEventListener("click", function () {
      send({ type: hand.getAttribute("aria-pressed") === "true" ? "hand.lower" : "hand.raise" });
    });
    var pollForm = $("room-poll-form");
    if (pollForm) pollForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var options = Array.from(pollForm.querySelectorAll("input[name=option]"))
        .map(function (i) { return i.value.trim(); })
        .filter(function (v) { return v; });
      var question = pollForm.querySelector("input[name=question]").value.trim();
      if (send({ type: "poll.open", question: question, options: options })) {
        pollForm.reset();
        pollForm.closest("details").open = false;
      }
    });
    var focus = $("room-focus");
    if (focus) {
      focus.addEventListener("submit", function (event) {
        event.preventDefault();
        send({ type: "lesson.focus", anchor: $("room-focus-anchor").value });
      });
      $("room-focus-stop").addEventListener("click", function () {
        send({ type: "lesson.focus", anchor: null });
      });
      var launch = $("room-h5p-launch");
      var picker = $("room-focus-anchor");
      // Only an activity can be launched: the button follows the section picked.
      var syncLaunch = function () {
        var option = picker.options[picker.selectedIndex];
        launch.disabled = !option || option.dataset.kind !== "h5p";
      };
      picker.addEventListener("change", syncLaunch);
      syncLaunch();
      launch.addEventListener("click", function () {
        send({ type: "h5p.launch", anchor: picker.value });
      });
    }
    var lessonForm = $("room-lesson-form");
    if (lessonForm) lessonForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var value = $("room-lesson").value;
      send({ type: "lesson.set", lesson: value ? Number(value) : null });
    });
    var follow = $("room-follow");
    if (follow) follow.addEventListener("click", function () {
      state.following = !state.following;
      follow.setAttribute("aria-pressed", state.following ? "true" : "false");
      follow.textContent = state.following ? T.stopFollowing : T.follow;
      if (state.following) applyFocus(state.focus);
    });
    // Ending over the socket lets every student's page send a last heartbeat first; without a
    // connection the form posts as usual.
    var end = $("room-end");
    if (end) end.form.addEventListener("submit", function (event) {
      if (send({ type: "session.end" })) {
        event.preventDefault();
        endingHere = true;
        end.disabled = true;
      }
    });
    var keep = $("room-end-cancel");
    if (keep) keep.addEventListener("click", function () { $("room-end-confirm").open = false; });
    // Back online (a phone leaving a dead zone): try at once instead of waiting out the backoff.
    window.addEventListener("online", reconnectNow);
  }

  document.addEventListener("DOMContentLoaded", function () {
    root = $("live-room");
    if (!root) return;
    config = JSON.parse($("live-room-config").textContent);
    T = config.text;
    $("room-poll").dataset.empty = $("room-poll").textContent.trim();
    wireControls();
    setConnected(false);
    showStatus(T.connecting);
    connect();
  });
})();
