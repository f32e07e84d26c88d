// What phones and the forum share: the composer (text, commands, replies, edits, attachments) and message lists.
import { h, icon, renderMessage, snippet } from "./render.js";
import { askLocation, askText, popup, toast } from "./dialogs.js";
import { GENERAL, S, api, nameOf } from "./state.js";

// -- the composer: text, commands, replies, edits, attachments -----------------------------------------------
export class Composer {
  /** target(): {userId, chatId?, threadId?} or null; messages(): the visible messages; panel: for toasts */
  constructor({ target, messages, panel, commands }) {
    Object.assign(this, { target, messages, panel, commands, mode: null });
    this.input = h("textarea.input", { rows: 1, placeholder: "Message", dir: "auto", "aria-label": "message",
      onkeydown: (e) => this.key(e), oninput: () => this.grow() });
    this.bar = h("div.mode-bar", { hidden: true });
    this.file = h("input", { type: "file", hidden: true, onchange: () => this.upload() });
    this.menuButton = h("button.icon-button.menu-button", { type: "button", title: "commands", "aria-label": "commands",
      onclick: (e) => this.commandMenu(e.currentTarget) }, icon("menu"));
    this.el = h("div.composer", {}, this.bar, h("div.input-row", {}, this.menuButton,
      h("button.icon-button.attach", { type: "button", title: "attach", "aria-label": "attach",
        onclick: (e) => this.attachMenu(e.currentTarget) }, icon("clip")),
      this.input, this.file, h("button.icon-button.send", { type: "button", title: "send", "aria-label": "send",
        onclick: () => this.send() }, icon("send"))));
  }

  refresh() { this.menuButton.hidden = !this.commands().length; }
  grow() {
    this.input.style.height = "";
    if (this.input.isConnected && this.input.value) this.input.style.height = `${Math.min(this.input.scrollHeight, 120)}px`;
  }

  key(e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); this.send(); }
    else if (e.key === "Escape") this.setMode(null);
    else if (e.key === "ArrowUp" && !this.input.value) {
      const t = this.target();
      const mine = this.messages().filter((m) => m.from?.id === t?.userId && m.text !== undefined).pop();
      if (mine) { e.preventDefault(); this.setMode("edit", mine); }
    }
  }

  setMode(kind, message = null) {
    this.mode = kind ? { kind, message } : null;
    this.bar.replaceChildren();
    this.bar.hidden = !kind;
    if (kind) {
      this.bar.append(h("div.mode-icon", { text: kind === "edit" ? "✎" : "↩" }),
        h("div.mode-text", {}, h("b", { text: kind === "edit" ? "Edit message" : `Reply to ${nameOf(message.from)}` }),
          h("div", { dir: "auto", text: snippet(message) })),
        h("button.icon-button", { type: "button", title: "cancel", text: "✕", onclick: () => this.setMode(null) }));
      if (kind === "edit") this.input.value = message.text;
      this.grow();
      this.input.focus();
    } else if (this.input.value && this.lastEdit) this.input.value = "";
    this.lastEdit = kind === "edit";
  }

  where(t) {
    const body = {};
    if (t.chatId) body.chat_id = t.chatId;
    if (t.chatId && t.threadId && t.threadId !== GENERAL) body.thread_id = t.threadId;
    return body;
  }

  async act(action, body) {
    const t = this.target();
    if (!t) return toast(this.panel, "Choose who writes first.", { error: true });
    try { return await api(`users/${t.userId}/${action}`, { ...this.where(t), ...body }); }
    catch (err) { toast(this.panel, err.message, { error: true }); return null; }
  }

  async send(text = this.input.value.trim()) {
    if (!text) return;
    const mode = this.mode;
    this.input.value = ""; this.grow(); this.setMode(null);
    if (mode?.kind === "edit") await this.act("edit", { message_id: mode.message.message_id, text });
    else if (mode?.kind === "reply") await this.act("reply", { message_id: mode.message.message_id, text });
    else await this.act("text", { text });
  }

  async shareLocation() {
    const place = await askLocation();
    const live = Number(place?.live_period) || undefined;
    if (place) await this.act("location", { latitude: Number(place.latitude), longitude: Number(place.longitude), live_period: live });
  }

  async moveLocation(m) {
    const place = await askLocation({ live: false, title: "Move the live location", submit: "Move" });
    if (place) await this.act("move_location", { message_id: m.message_id, latitude: Number(place.latitude), longitude: Number(place.longitude) });
  }

  async shareContact() {
    const t = this.target();
    const phone = t && await askText("Share your phone number", "Phone number", "+49 151 23456789");
    if (phone) await this.act("contact", { phone_number: phone, first_name: S.users.get(t.userId)?.first_name || "Me" });
  }

  attachMenu(anchor) {
    const pick = (kind, accept) => { this.kind = kind; this.file.accept = accept; this.file.click(); };
    popup(anchor, [
      { label: "🖼 Photo…", action: () => pick("photo", "image/*") },
      { label: "📄 Document…", action: () => pick("document", "") },
      { label: "📍 Location…", action: () => this.shareLocation() },
      { label: "🙂 Sticker", action: () => this.act("sticker", {}) },
      { label: "🎤 Voice message", action: () => this.act("voice", {}) },
      { label: "👤 Contact…", action: () => this.shareContact() },
    ]);
  }

  commandMenu(anchor) {
    popup(anchor, this.commands().map((c) => ({ label: `/${c.command} — ${c.description}`, action: () => this.send(`/${c.command}`) })));
  }

  async upload() {
    const t = this.target();
    const file = this.file.files[0];
    this.file.value = "";
    if (!t || !file) return;
    const data = new FormData();
    data.append("kind", this.kind);
    data.append("file", file, file.name);
    for (const [key, value] of Object.entries(this.where(t))) data.append(key, String(value));
    try { await api(`users/${t.userId}/upload`, data, true); } catch (err) { toast(this.panel, err.message, { error: true }); }
  }
}

// -- a message list shared by phones and the forum ---------------------------------------------------------
/** Rebuild ``list`` only when ``key`` (the chat's version, who is looking, which topic) changed. */
export function fillList(list, messages, ctx, composer, key) {
  if (list.key === key) return;
  list.key = key;
  const toBottom = () => { if (list.stuck !== false) { list.scrollTop = list.scrollHeight; list.setTop = list.scrollTop; } };
  if (!list.dataset.filled) {
    list.addEventListener("scroll", () => { // only a scroll away from where the page put the list unsticks it
      if (Math.abs(list.scrollTop - (list.setTop ?? -9)) > 2) list.stuck = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    });
    new ResizeObserver(toBottom).observe(list); // a reply keyboard or a reply bar took space
  }
  const newest = messages[messages.length - 1];
  if (newest && ctx.own(newest) && newest.message_id > (list.lastId || 0)) list.stuck = true; // you sent: jump down
  list.lastId = newest?.message_id || 0;
  const menu = (m, e) => {
    if (e.target.closest("a, button") || String(getSelection())) return;
    const own = ctx.own(m);
    popup(e, [
      { label: "↩ Reply", action: () => composer.setMode("reply", m) },
      own && m.text !== undefined && { label: "✎ Edit", action: () => composer.setMode("edit", m) },
      own && m.location?.live_period && { label: "📍 Move live location…", action: () => composer.moveLocation(m) },
      own && m.location?.live_period && { label: "■ Stop sharing location", action: () => composer.act("stop_location", { message_id: m.message_id }) },
      (m.text || m.caption) && { label: "⧉ Copy text", action: () => navigator.clipboard?.writeText(m.text || m.caption) },
    ]);
  };
  const quote = (id) => {
    const target = list.querySelector(`[data-id="${id}"]`);
    if (!target) return;
    target.scrollIntoView({ block: "center", behavior: "smooth" });
    target.classList.add("flash");
    setTimeout(() => target.classList.remove("flash"), 1200);
  };
  const rows = messages.map((m) => renderMessage(m, { ...ctx, name: nameOf, isBot: (u) => Boolean(u?.is_bot),
    onMenu: menu, onQuote: quote, onCommand: (text) => composer.send(text) }));
  list.replaceChildren(...(rows.length ? rows : [h("div.empty", { dir: "auto", text: ctx.empty || "No messages here yet." })]));
  list.dataset.filled = "1";
  toBottom();
  for (const img of list.querySelectorAll("img")) img.addEventListener("load", toBottom, { once: true });
}

export async function press(composer, m, button) {
  if (button.callback_data !== undefined) await composer.act("press", { button: button.callback_data, message_id: m.message_id });
  else if (button.url) window.open(button.url, "_blank", "noopener");
  else if (button.copy_text) navigator.clipboard?.writeText(button.copy_text.text);
  else toast(composer.panel, "This kind of button does nothing in the sandbox.");
}
