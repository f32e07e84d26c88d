// Small dialogs (native <dialog>), popup menus and toasts.
import { h, PLACES } from "./render.js";

export const LANGUAGES = [
  ["de", "Deutsch"], ["en", "English"], ["ar", "العربية"], ["fa", "فارسی"], ["uk", "Українська"],
  ["ru", "Русский"], ["tr", "Türkçe"], ["ku", "Kurdî"], ["pl", "Polski"], ["ro", "Română"],
];

/** A modal form; fields: [{name, label, type, value, list, required, attrs}]. Resolves the values or null. */
export function form(title, fields, submitLabel = "OK", extra = null, extraAfter = false) {
  return new Promise((resolve) => {
    const inputs = fields.map((f) => h("label.field", {}, h("span", { text: f.label }), f.options
      ? h("select", { name: f.name }, f.options.map(([value, label]) => h("option", { value, text: label })))
      : h("input", { name: f.name, type: f.type || "text", value: f.value ?? "", list: f.list, required: f.required,
        autocomplete: "off", placeholder: f.placeholder, ...f.attrs })));
    const dlg = h("dialog.dialog", {});
    const done = (value) => { dlg.close(); dlg.remove(); resolve(value); };
    const body = h("form", { method: "dialog", onsubmit: (e) => {
      e.preventDefault();
      done(Object.fromEntries(fields.map((f) => [f.name, body.elements[f.name].value.trim()])));
    } }, h("h3", { text: title }), extra && !extraAfter ? extra((v) => done(v)) : null, inputs,
    extra && extraAfter ? extra((v) => done(v)) : null,
    h("div.dialog-actions", {}, h("button.flat", { type: "button", onclick: () => done(null) }, "Cancel"),
      h("button.primary", { type: "submit" }, submitLabel)));
    dlg.append(body);
    dlg.addEventListener("cancel", (e) => { e.preventDefault(); done(null); });
    document.body.append(dlg);
    dlg.showModal();
  });
}

export async function askYoungPerson() {
  const list = h("datalist", { id: "languages" }, LANGUAGES.map(([code, name]) => h("option", { value: code, label: name })));
  const chips = h("div.chips", {}, LANGUAGES.map(([code, name]) => h("button.chip", { type: "button", title: name,
    onclick: (e) => { e.currentTarget.closest("form").elements.language_code.value = code; } }, h("b", { text: code }), ` ${name}`)));
  const result = await form("Add a young person", [
    { name: "first_name", label: "First name", required: true, placeholder: "e.g. Amira", attrs: { maxlength: 64 } },
    { name: "language_code", label: "Language reported by Telegram (a code, or pick one)", value: "de", list: "languages", placeholder: "de, ar, fa …",
      attrs: { maxlength: 35, pattern: "[A-Za-z]{2,3}([_\\-][A-Za-z0-9]{1,8})*" } },
  ], "Add", () => h("div", {}, list, chips), true);
  if (result) result.language_code = result.language_code.toLowerCase() || null;
  return result;
}

// Telegram's live_period: 60 s to a day, or 0x7FFFFFFF for "until I stop sharing".
export const LIVE_PERIODS = [["", "once (my current location)"], ["900", "live for 15 minutes"], ["3600", "live for 1 hour"],
  ["28800", "live for 8 hours"], ["2147483647", "live until I stop sharing"]];

/** Resolves {latitude, longitude, live_period} or null; live: offer sharing a live location (not when moving one). */
export function askLocation({ live = true, title = "Share a location", submit = "Send location" } = {}) {
  const places = (done) => h("div.places", {}, PLACES.map(([name, lat, lon]) =>
    h("button.place", { type: "button", onclick: (e) => done({ latitude: String(lat), longitude: String(lon),
      live_period: e.currentTarget.closest("form").elements.live_period?.value || "" }) },
    h("b", { text: name }), h("small", { dir: "ltr", text: `${lat.toFixed(3)} N ${lon.toFixed(3)} E` }))));
  return form(title, [
    ...(live ? [{ name: "live_period", label: "Share", options: LIVE_PERIODS }] : []),
    { name: "latitude", label: "Latitude", type: "number", value: "52.320", attrs: { step: "any", min: -90, max: 90 } },
    { name: "longitude", label: "Longitude", type: "number", value: "10.234", attrs: { step: "any", min: -180, max: 180 } },
  ], submit, places);
}

export async function askText(title, label, value = "", placeholder = "") {
  const result = await form(title, [{ name: "value", label, value, placeholder, required: true }]);
  return result ? result.value : null;
}

let openMenu = null;
export function closeMenu() { openMenu?.remove(); openMenu = null; }
document.addEventListener("click", (e) => { if (openMenu && !openMenu.contains(e.target)) closeMenu(); }, true);
document.addEventListener("keydown", (e) => { if (e.key === "Escape") closeMenu(); });

/** A popup menu at the pointer (or under an element); items: [{label, action, danger}] */
export function popup(anchor, items) {
  closeMenu();
  const menu = h("div.popup", { role: "menu" }, items.filter(Boolean).map((item) =>
    h("button.popup-item" + (item.danger ? ".danger" : ""), { type: "button", role: "menuitem",
      onclick: (e) => { e.stopPropagation(); closeMenu(); item.action(); } }, item.label)));
  document.body.append(menu);
  const rect = anchor instanceof Event ? { left: anchor.clientX, bottom: anchor.clientY, top: anchor.clientY } : anchor.getBoundingClientRect();
  const { width, height } = menu.getBoundingClientRect();
  menu.style.left = `${Math.max(4, Math.min(rect.left, innerWidth - width - 8))}px`;
  menu.style.top = `${rect.bottom + height + 8 > innerHeight ? Math.max(4, rect.top - height - 4) : rect.bottom + 4}px`;
  openMenu = menu;
  return menu;
}

/** A toast inside ``container`` (a callback answer, an error); alert: stays until OK is pressed. */
export function toast(container, text, { alert = false, error = false } = {}) {
  const box = h("div.toast" + (alert ? ".alert" : "") + (error ? ".error" : ""), { role: alert ? "alertdialog" : "status" },
    h("div", { dir: "auto", text }), alert ? h("button.flat", { type: "button", onclick: () => box.remove() }, "OK") : null);
  container.append(box);
  if (!alert) setTimeout(() => box.remove(), error ? 6000 : 3000);
  return box;
}
