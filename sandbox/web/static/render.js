// Telegram-like rendering of Bot API Message objects into DOM nodes. No dependencies.

export const PLACES = [
  ["Peine", 52.320, 10.234], ["Edemissen", 52.387, 10.262], ["Hohenhameln", 52.259, 10.067],
  ["Ilsede", 52.265, 10.183], ["Lengede", 52.204, 10.308], ["Vechelde", 52.260, 10.365],
  ["Wendeburg", 52.329, 10.400],
];
const PEER_COLORS = ["#e17076", "#eda86c", "#a695e7", "#7bc862", "#6ec9cb", "#65aadd", "#ee7aae"];
const SVG = "http://www.w3.org/2000/svg";

/** h("div.bubble", {dir: "auto", onclick: fn}, child, ...) */
export function h(spec, attrs = {}, ...children) {
  const [tag, ...classes] = spec.split(".");
  const el = document.createElement(tag || "div");
  if (classes.length) el.className = classes.join(" ");
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "text") el.textContent = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) el.append(child);
  return el;
}

export const peerColor = (id) => PEER_COLORS[Math.abs(Number(id)) % PEER_COLORS.length];
export const topicColor = (n) => "#" + Number(n || 7322096).toString(16).padStart(6, "0");
export const fullName = (u) => (u ? [u.first_name, u.last_name].filter(Boolean).join(" ") : "");
export const initials = (name) => (name || "?").trim().split(/\s+/).slice(0, 2).map((w) => [...w][0] || "").join("").toUpperCase();
export const time = (date) => new Date(date * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

/** A small line icon (no icon font, no emoji font needed): paperclip, send, menu. */
export function icon(name) {
  const paths = {
    clip: "M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5",
    send: "M3.4 20.4 21 12 3.4 3.6 3.4 10l12.6 2-12.6 2z",
    menu: "M4 6h16M4 12h16M4 18h16",
    file: "M7 3h7l5 5v13H7zM14 3v5h5",
    calendar: "M5 6h14v14H5zM5 10h14M9 4v4M15 4v4",
  };
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", `icon icon-${name}`);
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", paths[name]);
  svg.append(path);
  return svg;
}

export function fileSize(bytes) {
  if (bytes == null) return "";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

const duration = (s) => `${Math.floor((s || 0) / 60)}:${String((s || 0) % 60).padStart(2, "0")}`;
const safeUrl = (url) => (/^(https?:|mailto:|tel:|tg:)/i.test(url || "") ? url : null);
export const fileUrl = (id, download) => `/_sandbox/files/${encodeURIComponent(id)}${download ? "?download=1" : ""}`;

function wrap(node, entity, whole, opts) {
  const link = (href, cls = "link") => (safeUrl(href)
    ? h("a." + cls, { href, target: "_blank", rel: "noopener noreferrer" }, node) : h("span.link", {}, node));
  switch (entity.type) {
    case "bold": return h("strong", {}, node);
    case "italic": return h("em", {}, node);
    case "underline": return h("u", {}, node);
    case "strikethrough": return h("s", {}, node);
    case "code": return h("code", {}, node);
    case "pre": return h("code.pre", { "data-language": entity.language }, node);
    case "blockquote": case "expandable_blockquote": return h("span.quote", {}, node);
    case "spoiler": return h("span.spoiler", { title: "spoiler", onclick: (e) => e.currentTarget.classList.add("shown") }, node);
    case "text_link": return link(entity.url);
    case "url": return link(/^[a-z][\w+.-]*:/i.test(whole) ? whole : `https://${whole}`);
    case "email": return link(`mailto:${whole}`);
    case "phone_number": return link(`tel:${whole.replace(/[^\d+]/g, "")}`);
    case "bot_command":
      return h("a.link.cmd", { href: "#", onclick: (e) => { e.preventDefault(); e.stopPropagation(); opts.onCommand?.(whole); } }, node);
    case "mention": case "hashtag": case "cashtag": case "text_mention": return h("span.link", {}, node);
    default: return node;
  }
}

/** Text with MessageEntity offsets (UTF-16, like JS strings) as a fragment; overlapping entities nest. */
export function richText(text, entities, opts = {}) {
  const frag = document.createDocumentFragment();
  if (!entities || !entities.length) { frag.append(text); return frag; }
  const cuts = new Set([0, text.length]);
  for (const e of entities) { cuts.add(e.offset); cuts.add(Math.min(text.length, e.offset + e.length)); }
  const points = [...cuts].filter((p) => p >= 0 && p <= text.length).sort((a, b) => a - b);
  for (let i = 0; i + 1 < points.length; i++) {
    const [a, b] = [points[i], points[i + 1]];
    let node = document.createTextNode(text.slice(a, b));
    const active = entities.filter((e) => e.offset <= a && e.offset + e.length >= b).sort((x, y) => x.length - y.length);
    for (const e of active) node = wrap(node, e, text.substr(e.offset, e.length), opts);
    frag.append(node);
  }
  return frag;
}

/** A small static map of the county of Peine (no tiles): place dots and a pin at the coordinates. */
export function mapBox(lat, lon, live) {
  const [w, hgt, latScale] = [260, 130, 600];
  const lonScale = latScale * Math.cos((lat * Math.PI) / 180);
  const inCounty = lat > 52.15 && lat < 52.45 && lon > 9.95 && lon < 10.55;
  // The county in view, moved halfway towards the point so that a pin near its edge stays inside.
  const [cLat, cLon] = inCounty ? [(52.295 + lat) / 2, (10.235 + lon) / 2] : [lat, lon];
  const xy = (la, lo) => [w / 2 + (lo - cLon) * lonScale, hgt / 2 - (la - cLat) * latScale];
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${w} ${hgt}`);
  svg.setAttribute("class", "map");
  svg.setAttribute("role", "img");
  const add = (tag, attrs, text) => {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    if (text) el.textContent = text;
    svg.append(el);
    return el;
  };
  add("rect", { x: 0, y: 0, width: w, height: hgt, class: "map-bg" });
  for (let i = 1; i < 6; i++) add("line", { x1: (w / 6) * i, y1: 0, x2: (w / 6) * i, y2: hgt, class: "map-grid" });
  for (let i = 1; i < 3; i++) add("line", { x1: 0, y1: (hgt / 3) * i, x2: w, y2: (hgt / 3) * i, class: "map-grid" });
  for (const [name, la, lo] of PLACES) {
    const [x, y] = xy(la, lo);
    add("circle", { cx: x, cy: y, r: 2.5, class: "map-place" });
    add("text", { x: x + 4, y: y + 3, class: "map-label" }, name);
  }
  const [x, y] = xy(lat, lon);
  if (live) add("circle", { cx: x, cy: y, r: 9, class: "map-live" });
  add("path", { d: `M${x} ${y} l-6 -11 a7 7 0 1 1 12 0 z`, class: "map-pin" });
  add("circle", { cx: x, cy: y - 13, r: 2.5, class: "map-pin-dot" });
  svg.setAttribute("aria-label", `map at ${lat.toFixed(4)}, ${lon.toFixed(4)}`);
  return h("div.map-box", {}, svg,
    h("div.coords", { dir: "ltr", text: `${lat.toFixed(4)}° N, ${lon.toFixed(4)}° E` }));
}

export function serviceText(m, name) {
  const who = name(m.from);
  if (m.forum_topic_created) return `${who} created the topic «${m.forum_topic_created.name}»`;
  if (m.forum_topic_closed) return `${who} closed the topic`;
  if (m.forum_topic_reopened) return `${who} reopened the topic`;
  if (m.forum_topic_edited) return m.forum_topic_edited.name ? `${who} renamed the topic to «${m.forum_topic_edited.name}»` : `${who} changed the topic icon`;
  if (m.supergroup_chat_created || m.group_chat_created) return `${who} created the group`;
  if (m.pinned_message) return `${who} pinned a message`;
  if (m.new_chat_members) return `${m.new_chat_members.map(name).join(", ")} joined the group`;
  if (m.left_chat_member) return `${name(m.left_chat_member)} left the group`;
  return null;
}

/** A one-line description for reply quotes and the topic list. */
export function snippet(m, name = fullName) {
  if (!m) return "";
  const service = serviceText(m, name);
  if (service) return service;
  const text = m.text || m.caption || "";
  if (m.venue) return `📍 ${m.venue.title}`;
  if (m.location) return m.location.live_period ? "📍 Live location" : "📍 Location";
  if (m.photo) return `🖼 ${text || "Photo"}`;
  if (m.document) return `📄 ${m.document.file_name || "File"}`;
  if (m.sticker) return `${m.sticker.emoji || ""} Sticker`;
  if (m.voice) return "🎤 Voice message";
  if (m.video || m.video_note) return "🎬 Video";
  if (m.audio) return `🎵 ${m.audio.title || m.audio.file_name || "Audio"}`;
  if (m.contact) return `👤 ${fullName(m.contact)}`;
  return text;
}

function media(m) {
  if (m.photo) {
    const big = m.photo[m.photo.length - 1];
    const img = h("img.photo", { src: fileUrl(big.file_id), alt: "photo" });
    img.onerror = () => img.replaceWith(h("div.placeholder", { text: "🖼 Photo" }));
    return img;
  }
  if (m.venue) {
    return h("div.venue", {}, h("div.venue-title", { dir: "auto", text: m.venue.title }),
      h("div.venue-address", { dir: "auto", text: m.venue.address }), mapBox(m.venue.location.latitude, m.venue.location.longitude));
  }
  if (m.location) {
    const live = Boolean(m.location.live_period);
    return h("div.location", {}, live ? h("div.live", { text: `● Live location · ${Math.round(m.location.live_period / 60)} min` }) : null,
      mapBox(m.location.latitude, m.location.longitude, live));
  }
  if (m.document) {
    const d = m.document;
    const name = d.file_name || "file";
    const calendar = /\.ics$/i.test(name) || d.mime_type === "text/calendar";
    return h("div.document", {}, h("div.doc-icon", { title: calendar ? "calendar file" : "file" }, icon(calendar ? "calendar" : "file")),
      h("div.doc-info", {}, h("a.doc-name", { href: fileUrl(d.file_id, true), download: name, dir: "auto", text: name }),
        h("div.doc-size", { dir: "auto", text: [fileSize(d.file_size), d.mime_type].filter(Boolean).join(" · ") })));
  }
  if (m.sticker) return h("div.sticker", { title: "sticker", text: m.sticker.emoji || "🖼" });
  if (m.voice) return h("div.voice", {}, h("span.play", { text: "▶" }), h("span.wave"), h("span", { text: duration(m.voice.duration) }));
  if (m.video) return h("div.placeholder.video", { text: `▶ Video · ${duration(m.video.duration)}` });
  if (m.video_note) return h("div.placeholder.video-note", { text: "▶" });
  if (m.animation) return h("div.placeholder", { text: "GIF" });
  if (m.audio) return h("div.voice", {}, h("span.play", { text: "🎵" }), h("span", { dir: "auto", text: m.audio.title || m.audio.file_name || "Audio" }));
  if (m.contact) {
    const name = fullName(m.contact);
    return h("div.contact", {}, h("div.avatar.small", { text: initials(name) }),
      h("div", {}, h("div.contact-name", { dir: "auto", text: name }), h("div.contact-phone", { dir: "ltr", text: m.contact.phone_number })));
  }
  if (m.dice) return h("div.sticker", { title: `dice: ${m.dice.value}`, text: `${m.dice.emoji} ${m.dice.value}` });
  return null;
}

/**
 * One message row. ctx: {own(m), name(user), isBot(user), showSender, hideReplyTo(m), onPress(m, button),
 * onCommand(text), onMenu(m, event), onQuote(id)}.
 */
export function renderMessage(m, ctx) {
  const service = serviceText(m, ctx.name);
  if (service) return h("div.service", { "data-id": m.message_id }, h("span", { dir: "auto", text: service }));
  const own = ctx.own(m);
  const bubble = h("div.bubble" + (own ? ".own" : ""), { onclick: (e) => ctx.onMenu?.(m, e) });
  if (ctx.showSender && !own) {
    const label = h("div.sender", { dir: "auto", text: ctx.name(m.from) });
    label.style.color = peerColor(m.from.id);
    if (ctx.isBot(m.from)) label.append(h("span.bot-tag", { text: "bot" }));
    bubble.append(label);
  }
  if (m.forward_origin) bubble.append(h("div.forwarded", { text: `Forwarded from ${ctx.name(m.forward_origin.sender_user) || m.forward_origin.sender_user_name || "someone"}` }));
  const replied = m.reply_to_message;
  if (replied && !ctx.hideReplyTo?.(m)) {
    const quote = h("div.reply-quote", { onclick: (e) => { e.stopPropagation(); ctx.onQuote?.(replied.message_id); } },
      h("div.reply-name", { dir: "auto", text: ctx.name(replied.from) }), h("div.reply-text", { dir: "auto", text: snippet(replied) }));
    quote.style.borderColor = peerColor(replied.from?.id || 0);
    bubble.append(quote);
  }
  const body = media(m);
  if (body) bubble.append(body);
  const text = m.text ?? m.caption;
  const entities = m.text !== undefined ? m.entities : m.caption_entities;
  if (text) bubble.append(h("div.text", { dir: "auto" }, richText(text, entities, ctx)));
  if (!body && !text) bubble.append(h("div.placeholder", { text: "unsupported message" }));
  bubble.append(h("div.meta", { dir: "ltr" }, m.edit_date ? h("span.edited", { text: "edited" }) : null, h("span", { text: time(m.date) }),
    own ? h("span.ticks", { text: "✓✓" }) : null));
  const rows = m.reply_markup?.inline_keyboard;
  const keyboard = rows && h("div.inline-keyboard", {}, rows.map((row) => h("div.kb-row", {}, row.map((button) =>
    h("button.kb-button", { type: "button", dir: "auto", onclick: (e) => { e.stopPropagation(); ctx.onPress?.(m, button); } },
      button.text, button.url ? h("span.kb-arrow", { text: "↗" }) : null)))));
  return h("div.msg" + (own ? ".own" : ""), { "data-id": m.message_id }, bubble, keyboard || null);
}
