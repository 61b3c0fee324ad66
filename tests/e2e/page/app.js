// A minimal Mastodon web client built on masto, used by the browser end-to-end test (see ../README.md).
//
// Flow, as a browser app such as Elk or Phanpy does it:
//   1. opened as /?instance=https://host:port  -> "Sign in" button
//   2. sign in: POST /api/v1/apps, then the browser goes to the instance's /oauth/authorize
//   3. the instance redirects back here with ?code=...; the page exchanges it at /oauth/token (CORS)
//   4. signed in: home timeline, user stream over WebSocket, follow form, post with a canvas-made PNG
//
// The state the driver waits for is mirrored in data-* attributes of <body> and of each status.
import { createOAuthAPIClient, createRestAPIClient, createStreamingAPIClient } from "masto";
import mastoPackage from "masto/package.json";

const SCOPES = "read write follow push";
const $ = (id) => document.getElementById(id);

const redirectUri = location.origin + location.pathname;
let rest;
let me;

function setPhase(phase) {
  document.body.dataset.phase = phase;
}

function log(text, cls = "") {
  const li = document.createElement("li");
  if (cls) li.className = cls;
  const t = document.createElement("span");
  t.className = "t";
  t.textContent = new Date().toISOString().slice(11, 23);
  li.append(t, document.createTextNode(text));
  $("log").prepend(li);
}

function showError(error) {
  const box = $("errors");
  box.style.display = "block";
  const detail = error?.statusCode ? ` (HTTP ${error.statusCode})` : "";
  const description = error?.description ? ` ${error.description}` : "";
  box.textContent += `${error?.name ?? "Error"}${detail}: ${error?.message ?? error}${description}\n`;
  document.body.dataset.error = "1";
  log(`error: ${error?.message ?? error}`, "err");
}
window.addEventListener("error", (e) => showError(e.error ?? e.message));
window.addEventListener("unhandledrejection", (e) => showError(e.reason));

function setStreamState(state) {
  document.body.dataset.stream = state;
  const pill = $("stream-state");
  pill.className = `pill ${state}`;
  pill.textContent = state;
}

// masto opens the WebSocket itself; this subclass only reports its state to the page.
class ObservedWebSocket extends WebSocket {
  constructor(...args) {
    super(...args);
    setStreamState("connecting");
    log(`WebSocket connecting to ${String(args[0]).replace(/access_token=[^&]+/, "access_token=…")}`);
    this.addEventListener("open", () => {
      setStreamState("open");
      log(`WebSocket open (protocol: ${this.protocol ? "token echoed" : "none"})`);
    });
    this.addEventListener("close", (e) => {
      setStreamState("closed");
      log(`WebSocket closed (code ${e.code})`, "err");
    });
  }
}

// ---- rendering ------------------------------------------------------------

function renderStatus(status, { live = false } = {}) {
  const existing = document.querySelector(`.status[data-id="${CSS.escape(status.id)}"]`);
  const el = document.createElement("article");
  el.className = "status";
  el.dataset.id = status.id;
  el.dataset.acct = status.account.acct;
  if (live || existing?.dataset.live) {
    el.dataset.live = "1";
    el.classList.add("live");
  }

  const avatar = document.createElement("img");
  avatar.className = "avatar";
  avatar.alt = "";
  avatar.src = status.account.avatarStatic || status.account.avatar;

  const body = document.createElement("div");
  const who = document.createElement("div");
  who.className = "who";
  const name = document.createElement("b");
  name.textContent = status.account.displayName || status.account.username;
  const acct = document.createElement("span");
  acct.textContent = `@${status.account.acct}`;
  who.append(name, acct);

  const content = document.createElement("div");
  content.className = "content";
  content.innerHTML = status.content; // HTML sanitized by the server, as in every Mastodon client

  const media = document.createElement("div");
  media.className = "media";
  for (const attachment of status.mediaAttachments) {
    const img = document.createElement("img");
    img.alt = attachment.description ?? "";
    img.dataset.mediaId = attachment.id;
    img.addEventListener("load", () => {
      img.dataset.loaded = String(img.naturalWidth);
      const badge = document.createElement("span");
      badge.className = "badge img-ok";
      badge.textContent = `image ${img.naturalWidth}×${img.naturalHeight} loaded`;
      meta.append(badge);
    });
    img.addEventListener("error", () => {
      img.dataset.loaded = "error";
      showError(new Error(`image failed to load: ${img.src}`));
    });
    img.src = attachment.url;
    media.append(img);
  }

  const meta = document.createElement("div");
  meta.className = "meta";
  const time = document.createElement("span");
  time.textContent = `${new Date(status.createdAt).toLocaleString("en-GB")} · ${status.visibility}`;
  meta.append(time);
  if (el.dataset.live) {
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = "LIVE via WebSocket";
    meta.append(badge);
  }

  body.append(who, content, media, meta);
  el.append(avatar, body);

  if (existing) {
    existing.replaceWith(el);
  } else {
    $("timeline").prepend(el);
  }
  updateCount();
  return el;
}

function updateCount() {
  const n = document.querySelectorAll("#timeline .status").length;
  $("timeline-count").textContent = `(${n} status${n === 1 ? "" : "es"})`;
  $("empty").hidden = n > 0;
}

async function loadHome() {
  const statuses = await rest.v1.timelines.home.list({ limit: 20 });
  $("timeline").replaceChildren();
  for (const status of [...statuses].reverse()) renderStatus(status);
  updateCount();
  document.body.dataset.homeLoads = String(Number(document.body.dataset.homeLoads ?? 0) + 1);
  log(`home timeline loaded: ${statuses.length} statuses`);
}

// ---- the picture that gets posted ----------------------------------------

function drawPicture(label) {
  const canvas = $("preview");
  const ctx = canvas.getContext("2d");
  const gradient = ctx.createLinearGradient(0, 0, canvas.width, canvas.height);
  gradient.addColorStop(0, "#4f46e5");
  gradient.addColorStop(1, "#06b6d4");
  ctx.fillStyle = gradient;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = "#fde047";
  ctx.beginPath();
  ctx.arc(390, 80, 48, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = "#fff";
  ctx.font = "bold 40px sans-serif";
  ctx.fillText("Hallway", 28, 150);
  ctx.font = "22px sans-serif";
  ctx.fillText(label, 28, 195);
  ctx.fillText("drawn on a canvas in Chromium", 28, 230);
  return canvas;
}

function canvasToPng(canvas) {
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("canvas.toBlob gave nothing"))), "image/png"),
  );
}

// ---- actions ---------------------------------------------------------------

async function signIn(instanceUrl) {
  const anonymous = createRestAPIClient({ url: instanceUrl });
  const app = await anonymous.v1.apps.create({
    clientName: "Hallway browser test",
    redirectUris: redirectUri,
    scopes: SCOPES,
    website: location.origin,
  });
  sessionStorage.setItem("app", JSON.stringify({ clientId: app.clientId, clientSecret: app.clientSecret }));
  const authorize = new URL("/oauth/authorize", instanceUrl);
  authorize.search = new URLSearchParams({
    response_type: "code",
    client_id: app.clientId,
    redirect_uri: redirectUri,
    scope: SCOPES,
  }).toString();
  location.assign(authorize.toString());
}

async function exchangeCode(instanceUrl, code) {
  const app = JSON.parse(sessionStorage.getItem("app") ?? "null");
  if (!app) throw new Error("came back with a code but no registered app in sessionStorage");
  const oauth = createOAuthAPIClient({ url: instanceUrl });
  const token = await oauth.token.create({
    grantType: "authorization_code",
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    redirectUri,
    code,
    scope: SCOPES,
  });
  if (!token.accessToken) throw new Error(`token response has no access_token: ${JSON.stringify(token)}`);
  sessionStorage.setItem("token", token.accessToken);
  document.body.dataset.tokenScope = token.scope ?? "";
  log(`code exchanged for a token (scope: ${token.scope})`);
  history.replaceState(null, "", redirectUri);
}

async function startStreaming(instanceUrl, accessToken) {
  const instance = await rest.v2.instance.fetch();
  const streamingApiUrl = instance.configuration?.urls?.streaming;
  if (!streamingApiUrl) throw new Error("v2 instance has no configuration.urls.streaming");
  document.body.dataset.streamingUrl = streamingApiUrl;
  const streaming = createStreamingAPIClient({
    streamingApiUrl,
    accessToken,
    implementation: ObservedWebSocket,
    retry: 3,
  });
  (async () => {
    for await (const event of streaming.user.subscribe()) {
      if (event.event === "update") {
        log(`update from @${event.payload.account.acct}: ${event.payload.content.replace(/<[^>]+>/g, "")}`, "ev");
        renderStatus(event.payload, { live: true });
      } else if (event.event === "delete") {
        log(`delete ${event.payload}`, "ev");
        document.querySelector(`.status[data-id="${CSS.escape(event.payload)}"]`)?.remove();
        updateCount();
      } else if (event.event === "notification") {
        log(`notification: ${event.payload.type} from @${event.payload.account.acct}`, "ev");
      } else {
        log(`event ${event.event}`, "ev");
      }
    }
  })().catch(showError);
}

async function follow() {
  const acct = $("follow-acct").value.trim();
  $("follow").disabled = true;
  try {
    const account = await rest.v1.accounts.lookup({ acct });
    const relationship = await rest.v1.accounts.$select(account.id).follow();
    $("follow-state").textContent = relationship.following
      ? `Following @${account.acct}.`
      : `Follow requested for @${account.acct}.`;
    log(`followed @${account.acct}`);
    await loadHome();
    document.body.dataset.followed = acct;
  } finally {
    $("follow").disabled = false;
  }
}

async function post() {
  const text = $("compose-text").value;
  $("post").disabled = true;
  try {
    $("post-state").textContent = "Uploading the picture…";
    const png = await canvasToPng($("preview"));
    // masto polls GET /api/v1/media/:id until the attachment has a url (needed when the server answers 202).
    const attachment = await rest.v2.media.create({
      file: png,
      description: "A blue gradient with a yellow sun and the word Hallway",
    });
    $("post-state").textContent = `Uploaded media ${attachment.id} (${attachment.type}); posting…`;
    const status = await rest.v1.statuses.create({ status: text, mediaIds: [attachment.id], visibility: "public" });
    renderStatus(status);
    $("post-state").textContent = `Posted status ${status.id} with ${status.mediaAttachments.length} image.`;
    log(`posted ${status.id} (media ${attachment.id})`);
    document.body.dataset.posted = status.id;
  } finally {
    $("post").disabled = false;
  }
}

// ---- start -----------------------------------------------------------------

async function main() {
  $("client-version").textContent = `masto ${mastoPackage.version}`;
  const params = new URLSearchParams(location.search);
  if (params.get("instance")) sessionStorage.setItem("instance", params.get("instance"));
  const instanceUrl = sessionStorage.getItem("instance");
  if (!instanceUrl) throw new Error("open this page as ?instance=https://host:port");
  $("instance").textContent = instanceUrl;

  if (params.get("error")) throw new Error(`authorization failed: ${params.get("error")}`);
  if (params.get("code")) {
    setPhase("exchanging");
    await exchangeCode(instanceUrl, params.get("code"));
  }

  const accessToken = sessionStorage.getItem("token");
  if (!accessToken) {
    $("signin-box").hidden = false;
    $("signin").addEventListener("click", () => signIn(instanceUrl).catch(showError));
    setPhase("signed-out");
    return;
  }

  rest = createRestAPIClient({ url: instanceUrl, accessToken });
  me = await rest.v1.accounts.verifyCredentials();
  $("me").textContent = `${me.displayName || me.username} (@${me.acct})`;
  document.body.dataset.me = me.acct;
  log(`verify_credentials: @${me.acct}`);

  $("compose-box").hidden = false;
  $("follow-box").hidden = false;
  const stamp = new Date().toISOString().slice(0, 19).replace("T", " ");
  drawPicture(stamp + " UTC");
  $("compose-text").value = `Hello from ${me.username} in Chromium via masto ${mastoPackage.version}! #e2e`;
  $("post").addEventListener("click", () => post().catch(showError));
  $("follow").addEventListener("click", () => follow().catch(showError));

  await startStreaming(instanceUrl, accessToken);
  await loadHome();
  setPhase("ready");
}

main().catch(showError);
