// The page's picture of the emulated world, the control API, and who is who (staff, young people).
import { fullName } from "./render.js";

export const RTL = new Set(["ar", "fa", "he", "ur", "ckb", "ps"]);
export const ACTIVE = new Set(["creator", "administrator", "member", "restricted"]);
export const GENERAL = 1;
export const S = { bot: null, seq: 0, users: new Map(), chats: new Map(), hints: {}, typing: new Map(), lastPoll: 0, version: 0 };

// -- the control API -------------------------------------------------------------------------------------
export async function api(path, body, isForm = false) {
  const init = body === undefined ? {} : isForm ? { method: "POST", body }
    : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const response = await fetch(`/_sandbox/${path}`, init);
  const payload = await response.json().catch(() => ({ ok: false, error: `HTTP ${response.status}` }));
  if (!payload.ok) throw new Error(payload.error || `HTTP ${response.status}`);
  return payload.result;
}

export function load(snap) {
  Object.assign(S, { bot: snap.bot, seq: snap.seq, hints: snap.hints || {} });
  if (snap.bot_seen_ago != null) S.lastPoll = Math.max(S.lastPoll, Date.now() - snap.bot_seen_ago * 1000);
  S.users = new Map(snap.users.map((u) => [u.id, u]));
  S.chats = new Map(snap.chats.map((c) => [c.id, { ...c, version: ++S.version, messages: new Map(c.messages.map((m) => [m.message_id, m])),
    topics: new Map((c.topics || []).map((t) => [t.message_thread_id, t])) }]));
}

export const nameOf = (u) => (!u ? "" : u.id === S.bot?.id ? S.bot.first_name : fullName(S.users.get(u.id) || u));
export const langOf = (id) => (S.users.get(id)?.language_code || "").toLowerCase().split(/[-_]/)[0];
export const lastDate = (chat) => Math.max(0, ...[...(chat?.messages.values() || [])].map((m) => m.date));
export const threadOf = (m) => m.message_thread_id || GENERAL;
export const memberIds = (chat) => chat.members.filter((m) => ACTIVE.has(m.status) && !m.user.is_bot).map((m) => m.user.id);

export function staffGroup() {
  const hinted = S.chats.get(Number(S.hints.staff_chat_id));
  if (hinted) return hinted;
  const forums = [...S.chats.values()].filter((c) => c.is_forum);
  return forums.find((c) => ["administrator", "creator", "member"].includes(c.bot_status)) || forums[0] || null;
}
export const staffIds = () => (staffGroup() ? memberIds(staffGroup()) : []);
export function youngPeople() {
  const inGroups = new Set([...S.chats.values()].filter((c) => c.members).flatMap(memberIds));
  return [...S.users.values()].filter((u) => !inGroups.has(u.id));
}
