// Lived experience: keep an unsent draft in this browser, and copy an evidence reference.
// Loaded as a module from the plugin's static folder, so the Content Security Policy needs no
// inline script.
//
// Drafts: a writing form carries data-draft-key, which names the signed-in person (an opaque,
// random id) and the contribution, so a draft is only ever offered back to the person who wrote
// it. It lives only in this browser tab (sessionStorage: gone when the tab closes, so a shared
// computer keeps nothing), never on the server, and is dropped after
// a week at most. It is restored when the writing page is opened again (for example after signing in
// again when a session expired mid-writing) and deleted once the contribution is sent
// (an element with data-draft-clear on the page that follows a successful send).

const PREFIX = "lived_experience:draft:";
const MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;
const FIELDS = ["narrative", "topics", "note_text"];

function storage() {
  try {
    const probe = PREFIX + "probe";
    window.sessionStorage.setItem(probe, "1");
    window.sessionStorage.removeItem(probe);
    return window.sessionStorage;
  } catch {
    return null; // private browsing or storage switched off: nothing is kept
  }
}

function read(store, key) {
  try {
    const draft = JSON.parse(store.getItem(PREFIX + key) || "null");
    if (!draft || typeof draft !== "object" || Date.now() - (draft.savedAt || 0) > MAX_AGE_MS) {
      store.removeItem(PREFIX + key);
      return null;
    }
    return draft;
  } catch {
    store.removeItem(PREFIX + key);
    return null;
  }
}

function keepDrafts(store) {
  for (const form of document.querySelectorAll("form[data-draft-key]")) {
    const key = form.dataset.draftKey;
    const fields = FIELDS.map((name) => form.elements.namedItem(name)).filter(Boolean);
    const draft = read(store, key);
    if (draft && form.dataset.draftRestore === "yes") {
      let restored = false;
      for (const field of fields) {
        if (typeof draft[field.name] === "string" && draft[field.name] !== field.value) {
          field.value = draft[field.name];
          restored = true;
        }
      }
      const notice = document.getElementById(form.dataset.draftNotice || "");
      if (restored && notice) {
        notice.hidden = false;
      }
    }
    const save = () => {
      const value = { savedAt: Date.now() };
      for (const field of fields) {
        value[field.name] = field.value;
      }
      try {
        store.setItem(PREFIX + key, JSON.stringify(value));
      } catch {
        // storage full: the server still keeps what is sent
      }
    };
    form.addEventListener("input", save);
  }
  for (const element of document.querySelectorAll("[data-draft-clear]")) {
    store.removeItem(PREFIX + element.dataset.draftClear);
  }
  // drop drafts older than a week left in this browser
  for (let i = store.length - 1; i >= 0; i -= 1) {
    const name = store.key(i);
    if (name && name.startsWith(PREFIX)) {
      read(store, name.slice(PREFIX.length));
    }
  }
}

function copyButtons() {
  for (const button of document.querySelectorAll("button[data-copy-from]")) {
    const source = document.getElementById(button.dataset.copyFrom);
    const status = document.getElementById(button.dataset.copyFrom + "-status");
    if (!source) {
      continue;
    }
    button.hidden = false;
    button.addEventListener("click", async () => {
      source.select();
      let copied = false;
      try {
        await navigator.clipboard.writeText(source.value);
        copied = true;
      } catch {
        copied = document.execCommand && document.execCommand("copy");
      }
      if (status) {
        status.textContent = copied
          ? button.dataset.copiedText || "Copied"
          : button.dataset.copyFailedText || "Select the reference and copy it with your keyboard.";
      }
    });
  }
}

const store = storage();
if (store) {
  keepDrafts(store);
}
copyButtons();
