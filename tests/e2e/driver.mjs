// Browser end-to-end test of Hallway, driven by run.sh (which starts the server and creates the users).
//
// Chromium (Debian's, headless, through playwright-core) opens page/index.html, served over https by this
// script on its own port, so every request to the instance is cross-origin. The page (masto, bundled by
// esbuild) signs in through the instance's OAuth authorize page, shows the home timeline, follows bob, posts
// with a PNG drawn on a canvas and listens to the user stream; bob posts over REST from here, and the page
// must show that post live. A screenshot is taken at each step.
//
// Environment (set by run.sh): HALLWAY_URL, PAGE_PORT, TLS_CERT, TLS_KEY, SCREENSHOT_DIR,
// ANN_LOGIN, ANN_PASSWORD, BOB_LOGIN, BOB_PASSWORD; SSO_LOGIN (someone who then signs in through the
// company's OpenID provider, tests/oidc); CHROMIUM (default /usr/bin/chromium).
import { readFile } from "node:fs/promises";
import { mkdirSync, writeFileSync } from "node:fs";
import https from "node:https";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const INSTANCE = env("HALLWAY_URL").replace(/\/$/, "");
const PAGE_PORT = Number(env("PAGE_PORT"));
const PAGE_ORIGIN = `https://127.0.0.1:${PAGE_PORT}`;
const SHOTS = env("SCREENSHOT_DIR", path.join(here, "screenshots"));
const ANN = { login: env("ANN_LOGIN"), password: env("ANN_PASSWORD") };
const BOB = { login: env("BOB_LOGIN"), password: env("BOB_PASSWORD") };
const LIVE_TIMEOUT_MS = Number(process.env.LIVE_TIMEOUT_MS ?? 5000);
// Set when run.sh started an OpenID provider: who signs in there (any password).
const SSO_LOGIN = process.env.SSO_LOGIN;
const RUN = Date.now().toString(36);

mkdirSync(SHOTS, { recursive: true });

// Paths are printed relative to the working directory when they are under it.
const show = (file) => (path.relative(process.cwd(), file).startsWith("..") ? file : path.relative(process.cwd(), file));

// ---- diagnostics collected from the browser, printed on failure ------------------------------
const diagnostics = [];
const note = (line) => diagnostics.push(`${new Date().toISOString().slice(11, 23)} ${line}`);

// ---- a tiny https server for the test page --------------------------------------------------
async function startPageServer() {
  const files = {
    "/": ["page/index.html", "text/html; charset=utf-8"],
    "/dist/app.js": ["page/dist/app.js", "text/javascript; charset=utf-8"],
  };
  const server = https.createServer(
    { cert: await readFile(env("TLS_CERT")), key: await readFile(env("TLS_KEY")) },
    async (req, res) => {
      const { pathname } = new URL(req.url, PAGE_ORIGIN);
      const file = files[pathname];
      if (!file) {
        res.writeHead(404).end("not found");
        return;
      }
      res.writeHead(200, { "content-type": file[1], "cache-control": "no-store" });
      res.end(await readFile(path.join(here, file[0])));
    },
  );
  await new Promise((resolve, reject) => server.once("error", reject).listen(PAGE_PORT, "127.0.0.1", resolve));
  return server;
}

// ---- REST calls made from node (bob) ----------------------------------------------------------
// run.sh sets NODE_EXTRA_CA_CERTS to the test certificate, so fetch verifies it.
async function api(method, url, { token, json, form } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  let body;
  if (json) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form) {
    body = new URLSearchParams(form);
  }
  const response = await fetch(new URL(url, INSTANCE), { method, headers, body });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} -> HTTP ${response.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

async function passwordToken({ login, password }) {
  const app = await api("POST", "/api/v1/apps", {
    json: { client_name: "e2e driver", redirect_uris: "urn:ietf:wg:oauth:2.0:oob", scopes: "read write follow" },
  });
  const token = await api("POST", "/oauth/token", {
    form: {
      grant_type: "password",
      username: login,
      password,
      client_id: app.client_id,
      client_secret: app.client_secret,
      scope: "read write follow",
    },
  });
  return token.access_token;
}

// ---- steps ------------------------------------------------------------------------------------
let passed = 0;
let page;
let shotNumber = 0;

async function shot(name) {
  shotNumber += 1;
  const file = path.join(SHOTS, `${String(shotNumber).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return show(file);
}

async function step(name, fn) {
  const started = Date.now();
  try {
    const detail = await fn();
    passed += 1;
    console.log(`ok: ${name} (${Date.now() - started} ms)${detail ? ` - ${detail}` : ""}`);
  } catch (error) {
    console.log(`FAIL: ${name}: ${error.message}`);
    if (page) {
      const pageErrors = await page
        .evaluate(() => document.getElementById("errors")?.textContent ?? "")
        .catch(() => "");
      if (pageErrors) console.log(`page error box:\n${pageErrors}`);
      const file = await shot(`FAILED-${name.replace(/\W+/g, "-")}`).catch(() => null);
      if (file) console.log(`screenshot of the failure: ${file}`);
      console.log(`page URL: ${page.url()}`);
    }
    if (diagnostics.length) console.log(`browser log (last 40 lines):\n  ${diagnostics.slice(-40).join("\n  ")}`);
    throw Object.assign(new Error(`step failed: ${name}`), { reported: true });
  }
}

// Fails fast when the page shows an error, instead of waiting for the timeout.
async function waitInPage(predicate, arg, timeout = 15000) {
  const handle = await page.waitForFunction(
    ([source, arg]) => {
      if (document.body?.dataset.error) return { error: document.getElementById("errors").textContent };
      // eslint-disable-next-line no-new-func
      const value = new Function("arg", `return (${source})(arg)`)(arg);
      return value ? { value } : false;
    },
    [predicate.toString(), arg],
    { timeout, polling: 100 },
  );
  const result = await handle.jsonValue();
  if (result.error) throw new Error(`the page shows an error: ${result.error.trim()}`);
  return result.value;
}

async function main() {
  const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
  const pageServer = await startPageServer();
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ["--ignore-certificate-errors", "--no-sandbox"],
  });
  try {
    const context = await browser.newContext({
      ignoreHTTPSErrors: true,
      viewport: { width: 1360, height: 900 },
      locale: "en-GB",
      timezoneId: "UTC",
    });
    page = await context.newPage();
    page.setDefaultTimeout(15000);
    page.on("console", (m) => note(`console.${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => note(`pageerror: ${e.message}`));
    page.on("requestfailed", (r) => note(`request failed: ${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
    page.on("response", (r) => {
      const url = r.url().replace(/([?&](code|access_token)=)[^&]+/g, "$1…");
      if (r.status() >= 400) note(`HTTP ${r.status()}: ${r.request().method()} ${url}`);
      else if (r.url().startsWith(INSTANCE)) note(`${r.status()} ${r.request().method()} ${url}`);
    });
    page.on("websocket", (ws) => {
      note(`websocket opened: ${ws.url().replace(/access_token=[^&]+/, "access_token=…")}`);
      ws.on("socketerror", (e) => note(`websocket error: ${e}`));
      ws.on("close", () => note("websocket closed"));
    });

    let bobToken;
    const bobEarlier = `Bob's status from before ann signed in (${RUN})`;
    await step("bob gets a token (password grant) and posts", async () => {
      bobToken = await passwordToken(BOB);
      const status = await api("POST", "/api/v1/statuses", { token: bobToken, json: { status: bobEarlier } });
      return `status ${status.id}`;
    });

    await step("test page loads, signed out", async () => {
      await page.goto(`${PAGE_ORIGIN}/?instance=${encodeURIComponent(INSTANCE)}`);
      await waitInPage(() => document.body.dataset.phase === "signed-out");
      return shot("page-signed-out");
    });

    await step("sign in through the OAuth authorize page", async () => {
      await page.click("#signin");
      await page.waitForURL((url) => url.href.startsWith(`${INSTANCE}/oauth/authorize`));
      await page.waitForSelector("input[name=password]");
      const shots = [await shot("authorize-page")];
      await page.fill("input[name=login]", ANN.login);
      await page.fill("input[name=password]", ANN.password);
      shots.push(await shot("authorize-filled"));
      await Promise.all([page.waitForNavigation(), page.click("button[name=decision][value=approve]")]);
      // A separate consent step, if the server shows one after the password.
      if (page.url().startsWith(INSTANCE)) {
        if (await page.locator("input[name=password]").isVisible()) {
          shots.push(await shot("authorize-rejected"));
          const message = await page.locator(".error").allTextContents();
          throw new Error(`the sign-in form came back (${message.join(" ") || "no error message"}); see ${shots.at(-1)}`);
        }
        const approve = page.locator("button[name=decision][value=approve], button.approve");
        if ((await approve.count()) === 0) {
          shots.push(await shot("authorize-after-submit"));
          throw new Error(`still on ${page.url()} after signing in, with no approve button`);
        }
        shots.push(await shot("consent-page"));
        await Promise.all([page.waitForNavigation(), approve.first().click()]);
      }
      await page.waitForURL((url) => url.origin === PAGE_ORIGIN);
      return shots.join(", ");
    });

    await step("the page exchanges the code and shows the (empty) home timeline", async () => {
      await waitInPage(() => document.body.dataset.phase === "ready");
      const state = await page.evaluate(() => ({
        me: document.body.dataset.me,
        scope: document.body.dataset.tokenScope,
        statuses: document.querySelectorAll("#timeline .status").length,
        url: location.href,
      }));
      if (state.me !== "ann") throw new Error(`signed in as ${state.me}, expected ann`);
      if (state.url.includes("code=")) throw new Error("the code is still in the URL");
      return `${await shot("home-timeline-signed-in")}; @${state.me}, scope "${state.scope}", ${state.statuses} statuses`;
    });

    await step("the user stream WebSocket opens", async () => {
      await waitInPage(() => document.body.dataset.stream === "open", undefined, 10000);
      return await page.evaluate(() => `streaming URL ${document.body.dataset.streamingUrl}`);
    });

    await step("ann follows bob and the home timeline shows bob's earlier status", async () => {
      await page.fill("#follow-acct", "bob");
      await page.click("#follow");
      await waitInPage(() => document.body.dataset.followed === "bob");
      await waitInPage(
        (text) => [...document.querySelectorAll("#timeline .status")].some((s) => s.textContent.includes(text)),
        bobEarlier,
        5000,
      ).catch(async (error) => {
        throw new Error(`bob's earlier status is not in ann's home timeline after following him (${error.message})`);
      });
      return shot("home-timeline-after-follow");
    });

    await step("ann posts a status with a PNG drawn on a canvas; the image renders", async () => {
      await page.click("#post");
      const id = await waitInPage(() => document.body.dataset.posted, undefined, 20000);
      const image = await waitInPage(
        (id) => {
          const img = document.querySelector(`.status[data-id="${id}"] .media img`);
          if (!img || !img.dataset.loaded) return false;
          return { loaded: img.dataset.loaded, width: img.naturalWidth, height: img.naturalHeight, src: img.src };
        },
        id,
        10000,
      );
      if (!(image.width > 0)) throw new Error(`the image did not load: ${JSON.stringify(image)}`);
      return `${await shot("posted-with-image")}; status ${id}, image ${image.width}x${image.height} from ${image.src}`;
    });

    await step("ann's own status also arrives over the stream", async () => {
      const id = await page.evaluate(() => document.body.dataset.posted);
      await waitInPage((id) => document.querySelector(`.status[data-id="${id}"]`)?.dataset.live, id, LIVE_TIMEOUT_MS);
    });

    const bobLive = `Live from bob at ${new Date().toISOString()} (${RUN})`;
    await step(`bob posts over REST and the page shows it live within ${LIVE_TIMEOUT_MS} ms`, async () => {
      const homeLoads = await page.evaluate(() => document.body.dataset.homeLoads);
      const started = Date.now();
      const status = await api("POST", "/api/v1/statuses", { token: bobToken, json: { status: bobLive } });
      await waitInPage(
        (text) =>
          [...document.querySelectorAll("#timeline .status[data-live]")].some((s) => s.textContent.includes(text)),
        bobLive,
        LIVE_TIMEOUT_MS,
      );
      const elapsed = Date.now() - started;
      const after = await page.evaluate(() => document.body.dataset.homeLoads);
      if (after !== homeLoads) throw new Error("the page reloaded the timeline instead of receiving the update");
      return `${await shot("live-update-from-bob")}; status ${status.id} shown ${elapsed} ms after the POST`;
    });

    await step("no failed request, HTTP error, console error or reconnect in the browser", async () => {
      const problems = diagnostics.filter((line) => /HTTP [45]\d\d|request failed|console\.error|pageerror|websocket error/.test(line));
      const sockets = diagnostics.filter((line) => line.includes("websocket opened")).length;
      if (sockets !== 1) problems.push(`${sockets} WebSocket connections were opened, expected exactly 1`);
      const stream = await page.evaluate(() => document.body.dataset.stream);
      if (stream !== "open") problems.push(`the stream is ${stream} at the end`);
      if (problems.length) throw new Error(`\n  ${problems.join("\n  ")}`);
      return `${diagnostics.length} browser log lines in ${show(path.join(SHOTS, "browser-log.txt"))}`;
    });

    if (SSO_LOGIN) {
      await step(`${SSO_LOGIN} signs in through the company's OpenID provider`, async () => {
        const signedOut = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1360, height: 900 }, locale: "en-GB", timezoneId: "UTC" });
        const annPage = page;
        page = await signedOut.newPage();
        page.setDefaultTimeout(15000);
        try {
          await page.goto(`${PAGE_ORIGIN}/?instance=${encodeURIComponent(INSTANCE)}`);
          await waitInPage(() => document.body.dataset.phase === "signed-out");
          await page.click("#signin");
          await page.waitForURL((url) => url.href.startsWith(`${INSTANCE}/oauth/authorize`));
          const shots = [await shot("authorize-page-with-sso")];
          await Promise.all([page.waitForNavigation(), page.click("#sso")]);
          await page.waitForSelector("input[name=login]");
          await page.fill("input[name=login]", SSO_LOGIN);
          await page.fill("input[name=password]", "any password");
          shots.push(await shot("provider-sign-in"));
          await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
          if (!page.url().startsWith(PAGE_ORIGIN)) {
            shots.push(await shot("provider-consent"));
            await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
          }
          await page.waitForURL((url) => url.origin === PAGE_ORIGIN);
          await waitInPage(() => document.body.dataset.phase === "ready");
          const me = await page.evaluate(() => document.body.dataset.me);
          if (me !== SSO_LOGIN) throw new Error(`signed in as ${me}, expected ${SSO_LOGIN}`);
          shots.push(await shot("home-timeline-after-sso"));
          return `@${me}; ${shots.join(", ")}`;
        } finally {
          await signedOut.close().catch(() => {});
          page = annPage;
        }
      });
    }
  } finally {
    writeFileSync(path.join(SHOTS, "browser-log.txt"), diagnostics.join("\n") + "\n");
    await browser.close().catch(() => {});
    pageServer.close();
  }
}

main()
  .then(() => {
    console.log(`e2e: ${passed} passed, 0 failed`);
  })
  .catch((error) => {
    if (!error.reported) console.log(`FAIL: ${error.stack ?? error}`);
    console.log(`e2e: ${passed} passed, 1 failed`);
    process.exit(1);
  });
