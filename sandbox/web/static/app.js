// The sandbox chat page: phones of young people, the staff forum group, the coordinator. Plain ES2020 modules.
import { h, fullName, initials, snippet, serviceText, topicColor, peerColor, time } from "./render.js";
import { askYoungPerson, askText, popup, toast } from "./dialogs.js";
import { RTL, GENERAL, S, api, load, nameOf, langOf, lastDate, threadOf, staffGroup, staffIds, youngPeople } from "./state.js";
import { Composer, fillList, press } from "./chat.js";

// -- a phone: one person's private chat with the bot ---------------------------------------------------------
class Phone {
  constructor(userId, { coordinator = false } = {}) {
    this.userId = userId;
    this.coordinator = coordinator;
    this.list = h("div.messages");
    this.toasts = h("div.toasts");
    this.keyboard = h("div.reply-keyboard");
    this.composer = new Composer({ target: () => (this.userId ? { userId: this.userId } : null), panel: this.toasts,
      messages: () => [...(this.chat()?.messages.values() || [])], commands: () => this.chat()?.commands || [] });
    this.bottom = h("div.bottom");
    this.status = h("div.chat-status");
    this.label = h("div.phone-label");
    this.frame = h("div.phone", {}, h("div.chat-head", {}, h("div.avatar", { text: "" }),
      h("div.chat-title", {}, h("b.bot-name"), this.status),
      h("button.icon-button.more", { type: "button", title: "more", "aria-label": "more", text: "⋮", onclick: (e) => this.more(e.currentTarget) })),
    this.list, this.toasts, this.keyboard, this.bottom);
    this.el = h("div.phone-wrap", { "data-user": userId || "" }, this.label, this.frame);
  }

  chat() { return S.chats.get(this.userId); }

  more(anchor) {
    const chat = this.chat();
    if (!chat) return;
    popup(anchor, [
      chat.blocked ? { label: "Unblock bot", action: () => this.composer.act("unblock", {}) }
        : { label: "Block bot", danger: true, action: () => this.composer.act("block", {}) },
      !this.coordinator && { label: "Hide this phone", action: () => closePhone(this.userId) },
    ]);
  }

  renderLabel() {
    const user = S.users.get(this.userId);
    if (this.coordinator) {
      const staff = staffIds();
      const select = h("select.picker", { "aria-label": "coordinator", onchange: (e) => { coordinatorId = Number(e.target.value); render(); } },
        staff.map((id) => h("option", { value: id, selected: id === this.userId, text: nameOf(S.users.get(id)) })));
      this.label.replaceChildren(h("span", { text: "Staff member:" }), staff.length ? select : h("i", { text: "no staff yet" }));
    } else {
      const lang = user?.language_code;
      this.label.replaceChildren(h("b", { dir: "auto", text: fullName(user) }), lang ? h("span.lang", { text: lang }) : null,
        h("button.icon-button.close", { type: "button", title: "hide this phone", text: "✕", onclick: () => closePhone(this.userId) }));
    }
  }

  keyPressed(button) {
    if (button.request_location) this.composer.shareLocation();
    else if (button.request_contact) this.composer.shareContact();
    else this.composer.send(button.text);
  }

  render() {
    this.renderLabel();
    const chat = this.chat();
    const user = S.users.get(this.userId);
    this.frame.dir = RTL.has(langOf(this.userId)) ? "rtl" : "ltr";
    this.frame.querySelector(".bot-name").textContent = S.bot?.first_name || "bot";
    this.frame.querySelector(".avatar").textContent = initials(S.bot?.first_name);
    this.frame.querySelector(".avatar").style.background = peerColor(S.bot?.id || 0);
    this.status.textContent = (S.typing.get(this.userId) || 0) > Date.now() ? "typing…" : "bot";
    this.status.classList.toggle("typing", this.status.textContent !== "bot");
    if (!chat || !user) { this.list.replaceChildren(h("div.empty", { text: "Nobody to show." })); this.bottom.replaceChildren(); return; }
    const messages = [...chat.messages.values()];
    fillList(this.list, messages, { own: (m) => m.from?.id === this.userId, showSender: false,
      onPress: (m, b) => press(this.composer, m, b), empty: "Say hello to the bot: press START." }, this.composer,
    `${chat.version}|${this.userId}`);
    const rows = chat.reply_keyboard?.keyboard;
    this.keyboard.replaceChildren(...(rows || []).map((row) => h("div.kb-row", {}, row.map((b) =>
      h("button.kb-button", { type: "button", dir: "auto", onclick: () => this.keyPressed(typeof b === "string" ? { text: b } : b) }, typeof b === "string" ? b : b.text)))));
    this.composer.refresh();
    if (chat.blocked) {
      this.bottom.replaceChildren(h("div.bar-note", { dir: "auto", text: "You blocked this bot." }),
        h("button.bar-button", { type: "button", onclick: () => this.composer.act("unblock", {}) }, "UNBLOCK"));
    } else if (!messages.length) {
      this.bottom.replaceChildren(h("button.bar-button", { type: "button", onclick: () => this.composer.send("/start") }, "START"));
    } else if (!this.bottom.contains(this.composer.el)) this.bottom.replaceChildren(this.composer.el);
  }
}

// -- the staff forum group -----------------------------------------------------------------------------------
class Forum {
  constructor(root) {
    Object.assign(this, { root, thread: GENERAL, writerId: null, seen: new Map(), seenInit: new Set() });
    this.list = h("div.messages");
    this.toasts = h("div.toasts");
    this.topics = h("ul.topic-list");
    this.head = h("div.thread-head");
    this.writer = h("select.picker", { "aria-label": "write as", onchange: (e) => { this.writerId = Number(e.target.value); render(); } });
    this.composer = new Composer({ panel: this.toasts, messages: () => this.messages(),
      target: () => (this.group() && this.writerId ? { userId: this.writerId, chatId: this.group().id, threadId: this.thread } : null),
      commands: () => this.group()?.commands?.[String(this.writerId)] || [] });
    this.title = h("div.forum-title");
    this.body = h("div.forum", {}, h("aside.topics-pane", {}, this.title, this.topics),
      h("div.thread", {}, this.head, this.list, this.toasts, this.composer.el));
  }

  group() { return staffGroup(); }
  messages(thread = this.thread) { return [...(this.group()?.messages.values() || [])].filter((m) => threadOf(m) === thread); }

  async addStaff() {
    const name = await askText("Add a staff member", "First name", "", "e.g. Jonas");
    if (!name) return;
    try {
      const user = await api("users", { first_name: name, language_code: "de" });
      await api(`groups/${this.group().id}/members`, { user_id: user.id, status: "member" });
      this.writerId = user.id;
    } catch (err) { toast(this.toasts, err.message, { error: true }); }
  }

  async addTopic() {
    const name = await askText("New topic", "Topic name");
    if (name && this.writerId) {
      try { const m = await api(`groups/${this.group().id}/topics`, { name, user_id: this.writerId }); this.thread = m.message_thread_id; }
      catch (err) { toast(this.toasts, err.message, { error: true }); }
    }
  }

  unread(thread) {
    const seen = this.seen.get(thread) || 0;
    return this.messages(thread).filter((m) => m.message_id > seen && m.from?.id !== this.writerId && !m.forum_topic_created).length;
  }

  render() {
    const group = this.group();
    if (!group) {
      this.root.replaceChildren(h("div.empty-state", {}, h("p", { text: "There is no staff group yet." }),
        h("button.primary", { type: "button", onclick: () => api("groups", { title: "Team", forum: true }) }, "Create a staff forum group")));
      return;
    }
    if (!this.root.contains(this.body)) this.root.replaceChildren(this.body);
    const staff = staffIds();
    if (!staff.includes(this.writerId)) {
      const hinted = Number(S.hints.writer_id);
      this.writerId = staff.includes(hinted) ? hinted : staff.find((id) => id !== coordinatorId) || staff[0] || null;
    }
    const topics = [{ message_thread_id: GENERAL, name: "General" }, ...group.topics.values()];
    if (!topics.some((t) => t.message_thread_id === this.thread)) this.thread = GENERAL;
    if (!this.seenInit.has(group.id)) {
      this.seenInit.add(group.id);
      for (const t of topics) this.seen.set(t.message_thread_id, Math.max(0, ...this.messages(t.message_thread_id).map((m) => m.message_id)));
    }
    this.seen.set(this.thread, Math.max(0, ...this.messages().map((m) => m.message_id)));
    this.writer.replaceChildren(...staff.map((id) => h("option", { value: id, selected: id === this.writerId, text: nameOf(S.users.get(id)) })));
    this.title.replaceChildren(h("div.group-name", {}, h("div.avatar.small", { text: initials(group.title) }),
      h("div", {}, h("b", { dir: "auto", text: group.title }), h("small", { text: `${staff.length} staff · bot ${group.bot_status}` }))),
    h("div.forum-actions", {}, h("label.write-as", {}, h("span", { text: "Write as" }), this.writer),
      h("button.flat", { type: "button", onclick: () => this.addStaff() }, "+ Staff member"),
      h("button.flat", { type: "button", onclick: () => this.addTopic() }, "+ Topic")));
    const last = (t) => this.messages(t.message_thread_id).pop();
    const ordered = [topics[0], ...topics.slice(1).sort((a, b) => (last(b)?.message_id || 0) - (last(a)?.message_id || 0))];
    this.topics.replaceChildren(...ordered.map((t) => {
      const m = last(t);
      const count = t.message_thread_id === this.thread ? 0 : this.unread(t.message_thread_id);
      const icon = h("div.topic-icon", { text: t.message_thread_id === GENERAL ? "#" : initials(t.name).slice(0, 1) });
      icon.style.background = t.message_thread_id === GENERAL ? "#8e99a4" : topicColor(t.icon_color);
      return h("li.topic" + (t.message_thread_id === this.thread ? ".selected" : ""), { "data-thread": t.message_thread_id,
        onclick: () => { this.thread = t.message_thread_id; this.composer.setMode(null); render(); } }, icon,
      h("div.topic-main", {}, h("div.topic-name", { dir: "auto" }, t.name, t.closed ? h("span.lock", { title: "closed", text: " 🔒" }) : null),
        h("div.topic-last", { dir: "auto", text: !m ? "" : serviceText(m, nameOf) || `${nameOf(m.from)}: ${snippet(m)}` })),
      h("div.topic-side", {}, h("small", { text: m ? time(m.date) : "" }), count ? h("span.badge", { text: String(count) }) : null));
    }));
    const topic = topics.find((t) => t.message_thread_id === this.thread);
    const typing = (S.typing.get(group.id) || 0) > Date.now();
    this.head.replaceChildren(h("b", { dir: "auto", text: topic.name }),
      h("small", { text: typing ? "bot is typing…" : topic.closed ? "closed" : topic.message_thread_id === GENERAL ? "general" : "open" }));
    this.head.classList.toggle("closed", Boolean(topic.closed));
    fillList(this.list, this.messages(), { own: (m) => m.from?.id === this.writerId, showSender: true,
      hideReplyTo: (m) => Boolean(m.reply_to_message?.forum_topic_created), onPress: (m, b) => press(this.composer, m, b) },
    this.composer, `${group.version}|${this.writerId}|${this.thread}`);
    this.composer.input.placeholder = `Message as ${nameOf(S.users.get(this.writerId)) || "…"}`;
    this.composer.refresh();
  }
}

// -- the board ---------------------------------------------------------------------------------------------
const phones = new Map();
let openIds = null;
let coordinatorId = null;
const forum = new Forum(document.getElementById("forum"));
const coordinator = new Phone(null, { coordinator: true });
document.getElementById("coordinator").append(coordinator.el);

function closePhone(id) { openIds = openIds.filter((x) => x !== id); render(); }

function render() {
  const young = youngPeople();
  if (openIds === null) openIds = young.sort((a, b) => lastDate(S.chats.get(b.id)) - lastDate(S.chats.get(a.id))).slice(0, 1).map((u) => u.id);
  openIds = openIds.filter((id) => S.users.has(id));
  const box = document.getElementById("phones");
  for (const [id, phone] of phones) if (!openIds.includes(id)) { phone.el.remove(); phones.delete(id); }
  openIds.forEach((id, i) => {
    if (!phones.has(id)) phones.set(id, new Phone(id));
    const el = phones.get(id).el;
    if (box.children[i] !== el) box.insertBefore(el, box.children[i] || null); // moving a node resets its scrolling
    phones.get(id).render();
  });
  const hidden = young.filter((u) => !openIds.includes(u.id));
  document.getElementById("hidden-phones").replaceChildren(h("option", { value: "", text: hidden.length ? `Show (${hidden.length})…` : "All shown" }),
    ...hidden.map((u) => h("option", { value: u.id, text: `${fullName(u)} (${u.language_code || "?"})` })));
  box.classList.toggle("none", !openIds.length);
  const staff = staffIds();
  if (!staff.includes(coordinatorId)) {
    const hinted = Number(S.hints.coordinator_id);
    coordinatorId = staff.includes(hinted) ? hinted : staff[0] ?? null;
  }
  coordinator.userId = coordinatorId;
  coordinator.render();
  forum.render();
  const online = Date.now() - S.lastPoll < 65000;
  const status = document.getElementById("status");
  status.textContent = online ? "● bot connected" : "○ waiting for the bot to poll";
  status.classList.toggle("online", online);
}

let pending = null;
let buffered = null; // events that arrive while a snapshot loads: replayed if newer than it
let again = false;
async function refresh() {
  pending = null;
  if (buffered) { again = true; return; }
  buffered = [];
  try { load(await api("snapshot")); } catch (err) { document.getElementById("status").textContent = `⚠ ${err.message}`; }
  const missed = buffered.filter((ev) => ev.seq > S.seq);
  buffered = null;
  missed.forEach(onEvent);
  render();
  if (again) { again = false; refreshSoon(); }
}
const refreshSoon = () => { pending = pending || setTimeout(refresh, 80); };
let renderQueued = false;
const renderSoon = () => { if (!renderQueued) { renderQueued = true; requestAnimationFrame(() => { renderQueued = false; render(); }); } };

function onEvent(ev) {
  if (buffered) return void buffered.push(ev);
  S.seq = Math.max(S.seq, ev.seq);
  const chat = S.chats.get(ev.chat_id);
  switch (ev.kind) {
    case "message": case "edit":
      if (!chat) return refreshSoon();
      chat.messages.set(ev.message.message_id, ev.message);
      chat.version = ++S.version;
      if (ev.kind === "message" && ev.outgoing) S.typing.delete(ev.chat_id);
      return renderSoon();
    case "delete":
      if (chat) { chat.messages.delete(ev.message_id); chat.version = ++S.version; }
      return renderSoon();
    case "topic": {
      if (!chat) return refreshSoon();
      const t = { ...(chat.topics.get(ev.topic.message_thread_id) || {}), ...ev.topic };
      if (ev.action === "closed" || ev.action === "reopened") t.closed = ev.action === "closed";
      if (ev.action === "deleted") chat.topics.delete(t.message_thread_id); else chat.topics.set(t.message_thread_id, t);
      return renderSoon();
    }
    case "keyboard":
      if (!chat) return refreshSoon();
      chat.reply_keyboard = ev.keyboard;
      return renderSoon();
    case "chat_action":
      S.typing.set(ev.chat_id, Date.now() + 5000);
      setTimeout(renderSoon, 5100);
      return renderSoon();
    case "callback_answer": {
      const text = ev.answer?.text;
      if (!text) return;
      const panel = phones.get(ev.chat_id)?.toasts || (coordinator.userId === ev.chat_id ? coordinator.toasts : forum.toasts);
      return void toast(panel, text, { alert: Boolean(ev.answer.show_alert) });
    }
    case "call": case "poll": {
      const was = Date.now() - S.lastPoll < 65000;
      S.lastPoll = Date.now();
      return void (was || renderSoon());
    }
    case "update": case "updates_confirmed": case "webhook": return;
    case "closing":
      document.getElementById("status").textContent = "■ the emulator stopped";
      return void stream?.close();
    default: return refreshSoon();
  }
}

let stream = null;
function connect() {
  stream = new EventSource(`/_sandbox/events/stream?since=${S.seq}`);
  stream.onmessage = (e) => onEvent(JSON.parse(e.data));
  stream.onerror = () => { document.getElementById("status").textContent = "… reconnecting"; };
  stream.onopen = () => refreshSoon();
}

document.getElementById("add-youth").addEventListener("click", async () => {
  const person = await askYoungPerson();
  if (!person || !person.first_name) return;
  try {
    const user = await api("users", { first_name: person.first_name, language_code: person.language_code, started: false });
    openIds = [user.id, ...openIds.filter((id) => id !== user.id)];
    await refresh();
  } catch (err) { toast(document.getElementById("phones"), err.message, { error: true }); }
});
document.getElementById("hidden-phones").addEventListener("change", (e) => {
  const id = Number(e.target.value);
  if (id) { openIds = [...openIds, id]; render(); }
});
setInterval(() => { if (Date.now() - S.lastPoll > 65000) renderSoon(); }, 10000);

refresh().then(connect);
