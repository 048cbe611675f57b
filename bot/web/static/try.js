/* Sapa Dukcapil simulator: a phone-like chat that talks to /try/api/messages.
   Plain browser JavaScript, no framework, no network beyond this site. Every piece of text from
   the server or the user goes into the page through text nodes, never through innerHTML. */
(() => {
  "use strict";

  const STORAGE_KEY = "sapa.user";
  const POLL_MS = 5000;          // how often to look for late replies (officer, issued document)
  const POLL_MAX_MS = 60000;     // back-off ceiling when the transcript cannot be fetched
  const TEXT_TIMEOUT_MS = 45000;
  const FILE_TIMEOUT_MS = 120000; // uploads from a slow phone connection take longer
  const NETWORK_ERROR = "Koneksi terputus, coba kirim lagi.";

  const api = document.body.dataset.api || "/try/api/messages";
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("composer-input");
  const sendButton = document.getElementById("composer-send");
  const attachButton = document.getElementById("attach");
  const fileInput = document.getElementById("file-input");
  const status = document.getElementById("chat-status");
  const statusIdle = status.textContent;

  /* ---------- the simulator user id ---------- */

  /** Read the stored user id; private browsing may forbid storage altogether. */
  function storageGet() {
    try { return window.localStorage.getItem(STORAGE_KEY); } catch (e) { return null; }
  }

  /** Remember the user id so a reload keeps the conversation. */
  function storageSet(value) {
    try { window.localStorage.setItem(STORAGE_KEY, value); } catch (e) { /* session only */ }
  }

  /** Forget the user id (the "Mulai baru" link). */
  function storageClear() {
    try { window.localStorage.removeItem(STORAGE_KEY); } catch (e) { /* nothing stored */ }
  }

  /** A fallback id when the page came without one. */
  function randomId() {
    const bytes = new Uint8Array(8);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return "sim-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // "Mulai baru" is a plain link to ?baru=1, so it works even before this script runs: the
  // fresh page clears the stored id, then tidies the address bar.
  const params = new URLSearchParams(window.location.search);
  if (params.has("baru")) {
    storageClear();
    params.delete("baru");
    const query = params.toString();
    window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : "") + window.location.hash);
  }
  // `let`: a stored id this browser no longer holds (its cookie was cleared) gives way to the page's.
  let userId = storageGet() || document.body.dataset.userId || randomId();
  storageSet(userId);

  /* ---------- small DOM helpers ---------- */

  /** Create an element with a class and optional attributes. */
  function el(tag, className, attrs) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (attrs) {
      for (const [key, value] of Object.entries(attrs)) {
        if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value === true ? "" : String(value));
      }
    }
    return node;
  }

  /** Only http(s), blob and same-site relative addresses may become links or images. */
  function safeUrl(url) {
    if (typeof url !== "string" || !url) return null;
    try {
      const parsed = new URL(url, window.location.href);
      return ["http:", "https:", "blob:"].includes(parsed.protocol) ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  /** Keep the newest message in view unless the reader has scrolled up to read history. */
  function scrollToEnd(force) {
    const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 160;
    if (force || nearBottom) log.scrollTop = log.scrollHeight;
  }

  /* ---------- WhatsApp-style text: *bold*, _italic_, ~strike~, links, line breaks ---------- */

  const URL_RE = /\bhttps?:\/\/[^\s<>"']+/gi;
  const FORMAT_RE = /([*_~])([^\s*_~](?:[^\n]*?[^\s])?)\1/g;
  const FORMAT_TAG = { "*": "strong", "_": "em", "~": "s" };
  const WORD_CHAR = /[\p{L}\p{N}]/u;

  /** Append text with its WhatsApp markup rendered, line breaks kept by CSS (pre-wrap). */
  function appendRich(parent, text) {
    String(text).split(/\r?\n/).forEach((line, i) => {
      if (i) parent.appendChild(document.createTextNode("\n"));
      appendLinks(parent, line);
    });
  }

  /** Turn bare http(s) addresses into links; the rest goes through the markup pass. */
  function appendLinks(parent, line) {
    let last = 0;
    URL_RE.lastIndex = 0;
    let match;
    while ((match = URL_RE.exec(line))) {
      const url = match[0].replace(/[.,!?;:)\]}*_~]+$/, "");
      appendFormatted(parent, line.slice(last, match.index));
      const link = el("a", null, { href: url, target: "_blank", rel: "noopener noreferrer" });
      link.textContent = url;
      parent.appendChild(link);
      last = match.index + url.length;
      URL_RE.lastIndex = last;
    }
    appendFormatted(parent, line.slice(last));
  }

  /** Render *bold*, _italic_ and ~strike~ the way WhatsApp does: markers at word edges only. */
  function appendFormatted(parent, text) {
    const re = new RegExp(FORMAT_RE.source, "g");
    let last = 0;
    let match;
    while ((match = re.exec(text))) {
      const before = match.index > 0 ? text[match.index - 1] : "";
      const after = text[match.index + match[0].length] || "";
      if ((before && WORD_CHAR.test(before)) || (after && WORD_CHAR.test(after))) {
        re.lastIndex = match.index + 1; // e.g. nama_file_foto: not italic
        continue;
      }
      if (match.index > last) parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      const styled = el(FORMAT_TAG[match[1]]);
      appendFormatted(styled, match[2]);
      parent.appendChild(styled);
      last = match.index + match[0].length;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  /* ---------- time and day labels ---------- */

  /** Parse the server's timestamp; a missing or odd one means "now". */
  function parseAt(at) {
    // The server keeps every time in UTC; SQLite hands it back without an offset, which a
    // browser would otherwise read as its own local time.
    const iso = typeof at === "string" && /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(at) ? at + "Z" : at;
    const date = iso ? new Date(iso) : new Date();
    return Number.isNaN(date.getTime()) ? new Date() : date;
  }

  /** "14.05" in the Indonesian way. */
  function formatTime(date) {
    return date.toLocaleTimeString("id-ID", { hour: "2-digit", minute: "2-digit" });
  }

  /** "Hari ini", "Kemarin" or a full Indonesian date. */
  function formatDay(date) {
    const today = new Date();
    const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
    if (date.toDateString() === today.toDateString()) return "Hari ini";
    if (date.toDateString() === yesterday.toDateString()) return "Kemarin";
    return date.toLocaleDateString("id-ID", { weekday: "long", day: "numeric", month: "long", year: "numeric" });
  }

  let lastDay = null;

  /** Insert a day chip when a message starts a new calendar day. */
  function maybeDaySeparator(date) {
    const key = date.toDateString();
    if (key === lastDay) return;
    lastDay = key;
    const chip = el("div", "day", { role: "separator" });
    chip.textContent = formatDay(date);
    append(chip);
  }

  /* ---------- messages ---------- */

  let typingNode = null;

  /** Add a node to the log, keeping the typing indicator last. */
  function append(node) {
    log.appendChild(node);
    if (typingNode) log.appendChild(typingNode);
    scrollToEnd(true);
  }

  /** The time stamp (and for the user's messages, a delivery tick) in a bubble's corner. */
  function meta(date, withTick) {
    const box = el("span", "meta");
    const time = el("time", null, { datetime: date.toISOString() });
    time.textContent = formatTime(date);
    box.appendChild(time);
    if (withTick) {
      const tick = el("span", "tick", { "aria-label": "terkirim" });
      tick.textContent = "✓✓";
      box.appendChild(tick);
    }
    return box;
  }

  /** An image preview that keeps the log scrolled to the end once it has loaded. */
  function thumbnail(src, alt) {
    const img = el("img", "thumb", { src, alt: alt || "" });
    img.addEventListener("load", () => scrollToEnd(false));
    img.addEventListener("error", () => img.remove()); // the file name line is still there
    return img;
  }

  /** A file card: icon, name (opens the file) and an "Unduh" link that downloads it. */
  function documentCard(doc) {
    const type = String(doc.content_type || "");
    const name = String(doc.filename || "dokumen");
    const url = safeUrl(doc.url);
    const isPdf = type === "application/pdf" || /\.pdf$/i.test(name);
    const card = el("div", "doc");
    const icon = el("span", "doc__icon" + (isPdf ? " doc__icon--pdf" : ""), { "aria-hidden": "true" });
    icon.textContent = isPdf ? "PDF" : type.startsWith("image/") ? "IMG" : "FILE";
    card.appendChild(icon);

    const info = el("div", "doc__info");
    const title = url ? el("a", "doc__name", { href: url, target: "_blank", rel: "noopener" }) : el("span", "doc__name");
    title.textContent = name;
    info.appendChild(title);
    const kind = el("span", "doc__kind");
    kind.textContent = isPdf ? "Dokumen PDF" : type || "Berkas";
    info.appendChild(kind);
    card.appendChild(info);

    if (url) {
      const download = el("a", "doc__download", {
        href: url, download: name, target: "_blank", rel: "noopener",
        "data-testid": "document-link", "aria-label": "Unduh " + name,
      });
      download.textContent = "Unduh";
      card.appendChild(download);
    }
    return card;
  }

  /**
   * The user's own message (direction "in"). `file` is a File being uploaded now; `doc` is a
   * document from the transcript. Returns the row so its delivery state can change later.
   */
  function addUserMessage({ text, file, doc, at, pending }) {
    const date = parseAt(at);
    maybeDaySeparator(date);
    const row = el("div", "msg msg--in", { "data-testid": "message-in" });
    const bubble = el("div", "bubble");
    const fileName = file ? file.name : doc ? String(doc.filename || "berkas") : null;
    const fileType = file ? file.type : doc ? String(doc.content_type || "") : "";
    if (fileName) {
      if (fileType.startsWith("image/")) {
        const src = file ? URL.createObjectURL(file) : safeUrl(doc.url);
        if (src) bubble.appendChild(thumbnail(src, fileName));
      }
      const label = el("span", "attachment");
      label.textContent = "📎 " + fileName;
      bubble.appendChild(label);
    }
    // The transcript may repeat the attachment line as the message text; show it once.
    if (text && !(fileName && String(text).trim() === "📎 " + fileName)) {
      if (fileName) bubble.appendChild(el("br"));
      const body = el("span", "text");
      appendRich(body, text);
      bubble.appendChild(body);
    }
    bubble.appendChild(meta(date, true));
    row.appendChild(bubble);
    if (pending) {
      row.classList.add("is-pending");
      row.querySelector(".tick").textContent = "✓";
    }
    append(row);
    return row;
  }

  /** Mark the user's message as accepted by the server. */
  function markSent(row) {
    row.classList.remove("is-pending");
    row.querySelector(".tick").textContent = "✓✓";
  }

  /** Mark the user's message as not delivered. */
  function markFailed(row) {
    row.classList.remove("is-pending");
    row.classList.add("is-failed");
    const tick = row.querySelector(".tick");
    if (tick) {
      tick.textContent = "!";
      tick.setAttribute("aria-label", "tidak terkirim");
    }
  }

  /** A bot message (direction "out"): text, an optional document and reply buttons. */
  function addBotMessage(message, enabled) {
    const date = parseAt(message.at);
    maybeDaySeparator(date);
    const row = el("div", "msg msg--out", { "data-testid": "message-out" });
    const bubble = el("div", "bubble");
    const doc = message.document;
    if (doc && typeof doc === "object") {
      const url = safeUrl(doc.url);
      if (url && String(doc.content_type || "").startsWith("image/")) bubble.appendChild(thumbnail(url, doc.filename));
      bubble.appendChild(documentCard(doc));
    }
    if (message.text) {
      const body = el("span", "text");
      appendRich(body, message.text);
      bubble.appendChild(body);
    }
    bubble.appendChild(meta(date, false));
    row.appendChild(bubble);

    const buttons = Array.isArray(message.buttons) ? message.buttons : [];
    if (buttons.length) {
      const group = el("div", "chips", { role: "group", "aria-label": "Pilihan jawaban" });
      for (const item of buttons) {
        if (!item || item.id === undefined || item.id === null) continue;
        const title = String(item.title || item.id);
        const chip = el("button", "chip", { type: "button", "data-testid": "reply-button" });
        chip.dataset.id = String(item.id);
        chip.textContent = title;
        chip.disabled = !enabled;
        chip.addEventListener("click", () => tapButton(chip, title));
        group.appendChild(chip);
      }
      row.appendChild(group);
    }
    append(row);
    return row;
  }

  /** A centred note: the empty-chat hint, or a red error in Indonesian. */
  function addNote(text, kind) {
    const note = el("div", "note" + (kind ? " note--" + kind : ""), {
      "data-testid": kind === "error" ? "message-error" : "note",
      role: kind === "error" ? "alert" : null,
    });
    appendRich(note, text);
    append(note);
    return note;
  }

  /** Disable every answerable button, returning them in case the send fails. */
  function retireButtons() {
    const live = Array.from(log.querySelectorAll(".chip:not(:disabled)"));
    for (const chip of live) chip.disabled = true;
    return live;
  }

  /** Give the buttons back after a failed send: the question still stands. */
  function restoreButtons(chips, chosen) {
    for (const chip of chips) chip.disabled = false;
    if (chosen) chosen.classList.remove("chip--chosen");
  }

  /* ---------- the typing indicator ---------- */

  let waiting = 0;

  /** Show or hide the "typing" bubble while a reply is awaited. */
  function setWaiting(delta) {
    waiting += delta;
    if (waiting > 0 && !typingNode) {
      typingNode = el("div", "msg msg--out typing", { "data-testid": "typing", "aria-label": "Sapa Dukcapil sedang mengetik" });
      const bubble = el("div", "bubble");
      for (let i = 0; i < 3; i += 1) bubble.appendChild(el("span", "dot", { "aria-hidden": "true" }));
      typingNode.appendChild(bubble);
      log.appendChild(typingNode);
      scrollToEnd(true);
      status.textContent = "mengetik…";
    } else if (waiting <= 0 && typingNode) {
      typingNode.remove();
      typingNode = null;
      status.textContent = statusIdle;
    }
  }

  /* ---------- talking to the API ---------- */

  let known = null;  // how many transcript messages this page has accounted for (null: unknown)
  let sendSeq = 0;   // bumped on every send, so a poll that raced a send is thrown away
  let chain = Promise.resolve();

  /** Run tasks one after another so messages reach the server in the order they were sent. */
  function enqueue(task) {
    chain = chain.then(task).catch((err) => {
      if (window.console) console.error(err);
    });
    return chain;
  }

  /** The Indonesian message for an error answer that carried no {"error"} of its own. */
  function defaultError(code) {
    if (code === 404) return "Simulator tidak tersedia saat ini.";
    if (code === 413) return "Berkas terlalu besar untuk dikirim.";
    if (code === 415) return "Jenis berkas ini tidak diterima. Kirim foto (JPG/PNG) atau PDF.";
    if (code === 429) return "Terlalu banyak pesan. Tunggu sebentar, lalu coba lagi.";
    if (code >= 500) return "Terjadi gangguan di server. Coba kirim lagi sebentar lagi.";
    return "Pesan tidak dapat diproses (kode " + code + ").";
  }

  /** POST one message; resolves to {kind: "ok"|"error"|"network", ...}, never throws. */
  async function post(body, timeoutMs) {
    const isForm = body instanceof FormData;
    const controller = "AbortController" in window ? new AbortController() : null;
    const timer = controller ? setTimeout(() => controller.abort(), timeoutMs) : null;
    let response;
    try {
      response = await fetch(api, {
        method: "POST",
        headers: isForm ? { Accept: "application/json" } : { Accept: "application/json", "Content-Type": "application/json" },
        body: isForm ? body : JSON.stringify(body),
        credentials: "same-origin",
        signal: controller ? controller.signal : undefined,
      });
    } catch (e) {
      return { kind: "network" };
    } finally {
      if (timer) clearTimeout(timer);
    }
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (response.ok && data && Array.isArray(data.replies)) return { kind: "ok", replies: data.replies };
    if (response.ok) return { kind: "error", status: response.status, message: "Jawaban server tidak dapat dibaca." };
    const message = data && typeof data.error === "string" && data.error.trim() ? data.error : defaultError(response.status);
    return { kind: "error", status: response.status, message };
  }

  /** GET the stored transcript for this user. */
  async function fetchTranscript() {
    const response = await fetch(api + "?user=" + encodeURIComponent(userId), {
      headers: { Accept: "application/json" }, cache: "no-store", credentials: "same-origin",
    });
    if (!response.ok) {
      const err = new Error("transcript " + response.status);
      err.status = response.status;
      throw err;
    }
    const data = await response.json();
    return Array.isArray(data.messages) ? data.messages : [];
  }

  /**
   * After a send, catch up with the transcript: replies the server stored but did not return in
   * time (jobs in a worker) are shown now, and the count of known messages is brought up to date.
   */
  async function catchUp(shownReplies) {
    let messages;
    try { messages = await fetchTranscript(); } catch (e) { return; }
    if (known !== null && messages.length > known) {
      const outs = messages.slice(known).filter((m) => m && m.direction === "out");
      for (const m of outs.slice(shownReplies)) addBotMessage(m, true);
    }
    known = messages.length;
  }

  /** Send one message (JSON or multipart) and show what came back. */
  function deliver(body, row, { timeoutMs, chips, chosen, restoreText }) {
    sendSeq += 1;
    setWaiting(+1);
    enqueue(async () => {
      const result = await post(body, timeoutMs);
      if (result.kind === "ok") {
        markSent(row);
        setWaiting(-1);
        for (const reply of result.replies) {
          if (reply && typeof reply === "object") addBotMessage(reply, true);
        }
        await catchUp(result.replies.length);
        return;
      }
      setWaiting(-1);
      markFailed(row);
      addNote(result.kind === "network" ? NETWORK_ERROR : result.message, "error");
      restoreButtons(chips, chosen);
      // Keep what the user typed so they can send it again without retyping.
      if (restoreText && !input.value) {
        input.value = restoreText;
        autoGrow();
      }
      await catchUp(Infinity); // count whatever the server did store, without showing it twice
    });
  }

  /** Send the composer's text. */
  function sendText() {
    const text = input.value.trim();
    if (!text || input.disabled) return;
    input.value = "";
    autoGrow();
    const chips = retireButtons();
    const row = addUserMessage({ text, pending: true });
    deliver({ user: userId, text }, row, { timeoutMs: TEXT_TIMEOUT_MS, chips, restoreText: text });
    input.focus();
  }

  /** A reply button was tapped: its title becomes the user's message, its id is sent. */
  function tapButton(chip, title) {
    if (chip.disabled) return;
    const chips = retireButtons();
    chip.classList.add("chip--chosen");
    const row = addUserMessage({ text: title, pending: true });
    deliver({ user: userId, button: chip.dataset.id }, row, { timeoutMs: TEXT_TIMEOUT_MS, chips, chosen: chip });
  }

  /** Upload a photo or PDF, with whatever is in the composer as its caption. */
  function sendFile(file) {
    const caption = input.value.trim();
    input.value = "";
    autoGrow();
    const chips = retireButtons();
    const row = addUserMessage({ text: caption, file, pending: true });
    const body = new FormData();
    body.append("user", userId);
    if (caption) body.append("text", caption);
    body.append("file", file, file.name);
    deliver(body, row, { timeoutMs: FILE_TIMEOUT_MS, chips, restoreText: caption });
  }

  /* ---------- the composer ---------- */

  /** Let the text box grow with its content, up to a few lines. */
  function autoGrow() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 132) + "px";
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    sendText();
  });

  input.addEventListener("keydown", (event) => {
    // Enter sends, Shift+Enter breaks the line; never while an input method is composing.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      sendText();
    }
  });
  input.addEventListener("input", autoGrow);

  attachButton.addEventListener("click", () => fileInput.click());
  fileInput.addEventListener("change", () => {
    const file = fileInput.files && fileInput.files[0];
    if (file) sendFile(file);
    fileInput.value = ""; // choosing the same file again must fire "change" again
  });

  /* ---------- start: restore the conversation, then watch for late replies ---------- */

  /** Draw the stored transcript; only the buttons after the user's last message stay live. */
  function renderTranscript(messages) {
    let lastIn = -1;
    messages.forEach((m, i) => { if (m && m.direction === "in") lastIn = i; });
    messages.forEach((m, i) => {
      if (!m || typeof m !== "object") return;
      if (m.direction === "in") {
        addUserMessage({ text: m.text, doc: m.document && typeof m.document === "object" ? m.document : null, at: m.at });
      } else {
        addBotMessage(m, i > lastIn);
      }
    });
  }

  /** Ask for new transcript messages while the page is idle (officer replies, issued documents). */
  async function poll() {
    let delay = POLL_MS;
    if (known !== null && waiting === 0 && document.visibilityState === "visible") {
      const seq = sendSeq;
      try {
        const messages = await fetchTranscript();
        if (seq === sendSeq && waiting === 0) {
          if (messages.length > known) {
            const fresh = messages.slice(known);
            if (fresh.some((m) => m && m.direction === "in")) retireButtons(); // sent from another tab
            renderTranscript(fresh);
          }
          known = messages.length;
        }
      } catch (e) {
        delay = Math.min(pollDelay * 2, POLL_MAX_MS);
      }
    }
    pollDelay = delay;
    window.setTimeout(poll, pollDelay);
  }
  let pollDelay = POLL_MS;

  /** Load the transcript, then open the composer. */
  async function start() {
    let messages = [];
    try {
      try {
        messages = await fetchTranscript();
      } catch (e) {
        // The stored conversation belongs to a cookie this browser no longer has: start afresh
        // with the id this page came with (the server put it in the cookie).
        const fresh = document.body.dataset.userId;
        if (e.status !== 404 || !fresh || fresh === userId) throw e;
        userId = fresh;
        storageSet(userId);
        messages = await fetchTranscript();
      }
      known = messages.length;
    } catch (e) {
      known = null;
      addNote("Riwayat percakapan belum dapat dimuat.", "warn");
    }
    if (!messages.length) {
      addNote("Ini simulator Sapa Dukcapil. Ketik *halo* untuk mulai, atau tanyakan layanan yang Anda perlukan.");
    }
    renderTranscript(messages);
    for (const control of [input, sendButton, attachButton]) control.disabled = false;
    input.focus({ preventScroll: true });
    scrollToEnd(true);
    window.setTimeout(poll, POLL_MS);
  }

  enqueue(start);
})();
