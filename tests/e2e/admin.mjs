// The admin page in a real browser: an admin signs in at /admin through the instance's authorize page (the
// form submitted with Enter), walks the dashboard, allows a peer, searches and silences an account, resolves a
// report, publishes and edits an announcement and reads the audit log; the page is tried on a phone-sized
// screen and with the keyboard; a moderator is kept out of the peers page and a user out of all of it; a form
// without its CSRF token is refused. A screenshot is taken at each step (SCREENSHOT_DIR/admin-*.png).
import { mkdirSync } from "node:fs";
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
const SHOTS = env("SCREENSHOT_DIR", path.join(here, "screenshots"));
const ADMIN = { login: env("ADMIN_LOGIN"), password: env("ADMIN_PASSWORD") };
const MODERATOR = { login: env("MOD_LOGIN"), password: env("MOD_PASSWORD") };
const USER = { login: env("ANN_LOGIN"), password: env("ANN_PASSWORD") };
const REPORTER = { login: env("BOB_LOGIN"), password: env("BOB_PASSWORD") };
mkdirSync(SHOTS, { recursive: true });

let passed = 0;
let page;

async function shot(name) {
  const file = path.join(SHOTS, `admin-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return path.relative(process.cwd(), file);
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
      const file = await shot(`FAILED-${name.replace(/\W+/g, "-")}`).catch(() => null);
      if (file) console.log(`screenshot of the failure: ${file}`);
      console.log(`page URL: ${page.url()}`);
      const text = await page.evaluate(() => document.body?.innerText ?? "").catch(() => "");
      console.log(`page text: ${text.slice(0, 800)}`);
    }
    throw Object.assign(new Error(`step failed: ${name}`), { reported: true });
  }
}

const expect = (condition, message) => {
  if (!condition) throw new Error(message);
};

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
  if (!response.ok) throw new Error(`${method} ${url} -> HTTP ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

async function passwordToken({ login, password }) {
  const app = await api("POST", "/api/v1/apps", { json: { client_name: "admin e2e", redirect_uris: "urn:ietf:wg:oauth:2.0:oob", scopes: "read write" } });
  const token = await api("POST", "/oauth/token", {
    form: { grant_type: "password", username: login, password, client_id: app.client_id, client_secret: app.client_secret, scope: "read write" },
  });
  return token.access_token;
}

/** Opens /admin signed out and signs in on the authorize page, submitting with Enter as people do. */
async function signIn(context, who) {
  page = await context.newPage();
  await page.goto(`${INSTANCE}/admin`);
  await page.waitForURL((url) => url.href.startsWith(`${INSTANCE}/oauth/authorize`));
  await page.fill("input[name=login]", who.login);
  await page.fill("input[name=password]", who.password);
  await Promise.all([page.waitForNavigation(), page.press("input[name=password]", "Enter")]);
  return page;
}

const heading = () => page.textContent("h1");
const notice = () => page.textContent("p.notice");

async function main() {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", headless: true, args: ["--ignore-certificate-errors", "--no-sandbox"] });
  const desktop = { ignoreHTTPSErrors: true, viewport: { width: 1280, height: 860 }, locale: "en-GB", timezoneId: "UTC" };
  try {
    const bobToken = await passwordToken(REPORTER);
    const ann = await api("GET", "/api/v1/accounts/lookup?acct=ann", { token: bobToken });
    await api("POST", "/api/v1/reports", { token: bobToken, json: { account_id: ann.id, comment: "Posting the canteen menu in every hashtag", category: "spam" } });
    await api("POST", "/api/v1/statuses", { token: await passwordToken(USER), json: { status: "Canteen menu #lunch #lrnchat", visibility: "public" } });

    const admin = await browser.newContext(desktop);
    await step("an admin signs in at /admin through the authorize page (Enter submits)", async () => {
      await signIn(admin, ADMIN);
      await page.waitForURL(`${INSTANCE}/admin`);
      expect((await heading()) === "Dashboard", `heading ${await heading()}`);
      const figures = await page.$$eval(".figure", (cards) => cards.map((c) => c.innerText.replace(/\s+/g, " ")));
      expect(figures.length === 8, `figures ${figures}`);
      expect((await page.textContent("main")).includes("Running Hallway"), "the software versions");
      return `${figures.join(" | ")}; ${await shot("dashboard")}`;
    });

    await step("the admin allows a peer on the peers page", async () => {
      await page.click("nav >> text=Peers");
      await page.fill("input[name=host]", "eng.corp.example");
      await Promise.all([page.waitForNavigation(), page.press("input[name=host]", "Enter")]);
      expect((await notice())?.includes("The peer is allowed"), `notice ${await notice()}`);
      expect(await page.isVisible("td >> text=eng.corp.example"), "the peer's row");
      return shot("peers");
    });

    await step("the admin resolves bob's report", async () => {
      await page.click("nav >> text=Reports");
      expect(await page.isVisible("td >> text=Posting the canteen menu"), "the report's comment");
      await shot("reports");
      await Promise.all([page.waitForNavigation(), page.click("button:has-text('Resolve')")]);
      expect((await notice())?.includes("report was updated"), `notice ${await notice()}`);
      expect(await page.isVisible("text=No open reports."), "nothing left open");
      return shot("reports-resolved");
    });

    await step("the admin finds ann and silences her", async () => {
      await page.click("nav >> text=Accounts");
      await page.fill("input[name=q]", "ann");
      await Promise.all([page.waitForNavigation(), page.press("input[name=q]", "Enter")]);
      const rows = await page.$$eval("tbody tr", (trs) => trs.map((tr) => tr.innerText));
      expect(rows.length === 1 && rows[0].includes("@ann"), `rows ${rows}`);
      await Promise.all([page.waitForNavigation(), page.click("tbody tr >> button:has-text('Silence')")]);
      expect((await notice())?.includes("audit log"), `notice ${await notice()}`);
      expect(await page.isVisible("tr:has-text('@ann') >> .badge:has-text('silenced')"), "ann is marked silenced");
      return shot("accounts");
    });

    await step("the admin publishes an announcement and edits it", async () => {
      await page.click("nav >> text=Announcements");
      await page.fill("form[action='/admin/announcements'] textarea[name=text]", "I'll be in Lyon next week #travel");
      await Promise.all([page.waitForNavigation(), page.click("form[action='/admin/announcements'] button")]);
      expect((await notice())?.includes("announcement was saved"), `notice ${await notice()}`);
      const editor = "section.card form.inline";
      await page.fill(`${editor} textarea[name=text]`, "I'll be in Lyon the week after #travel");
      await Promise.all([page.waitForNavigation(), page.click(`${editor} button:has-text('Save')`)]);
      expect(await page.isVisible("section.card >> text=the week after"), "the edited text");
      const seen = await api("GET", "/api/v1/announcements", { token: bobToken });
      expect(seen.length === 1 && seen[0].content.includes("week after"), `bob sees ${JSON.stringify(seen).slice(0, 200)}`);
      return shot("announcements");
    });

    await step("the audit log shows what the admin did", async () => {
      await page.click("nav >> text=Audit log");
      const text = await page.textContent("tbody");
      for (const action of ["create_domain_allow", "silence_account", "resolve_report", "create_announcement", "update_announcement"]) {
        expect(text.includes(action), `${action} in the audit log`);
      }
      return shot("audit");
    });

    await step("the page is usable with the keyboard", async () => {
      await page.goto(`${INSTANCE}/admin/accounts`);
      await page.keyboard.press("Tab");
      expect((await page.evaluate(() => document.activeElement?.textContent)) === "Skip to content", "the first Tab stop is the skip link");
      await page.keyboard.press("Tab");
      const second = await page.evaluate(() => document.activeElement?.textContent);
      expect(second === "Dashboard", `the navigation follows, got ${second}`);
      const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
      expect(outline !== "none", "a focused link shows where the focus is");
      return shot("keyboard-focus");
    });

    await step("the page reads on a phone", async () => {
      const phone = await browser.newContext({ ...desktop, viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, storageState: await admin.storageState() });
      page = await phone.newPage();
      for (const where of ["/admin", "/admin/accounts"]) {
        await page.goto(`${INSTANCE}${where}`);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow <= 0, `${where} is ${overflow}px wider than the screen`);
      }
      const file = await shot("phone-accounts");
      await page.goto(`${INSTANCE}/admin`);
      await phone.close();
      return file;
    });

    await step("a form without the page's CSRF token is refused", async () => {
      page = await admin.newPage();
      const response = await page.request.post(`${INSTANCE}/admin/peers`, { form: { host: "evil.example" } });
      expect(response.status() === 403, `status ${response.status()}`);
      const forged = await page.request.post(`${INSTANCE}/admin/peers`, { form: { host: "evil.example", csrf: "guessed" } });
      expect(forged.status() === 403, `status ${forged.status()}`);
    });

    await step("a moderator uses the page but cannot open the peers page", async () => {
      const context = await browser.newContext(desktop);
      await signIn(context, MODERATOR);
      await page.waitForURL(`${INSTANCE}/admin`);
      const nav = await page.$$eval("nav a", (links) => links.map((a) => a.textContent));
      expect(!nav.includes("Peers") && nav.includes("Reports"), `navigation ${nav}`);
      const response = await page.goto(`${INSTANCE}/admin/peers`);
      expect(response.status() === 403, `status ${response.status()}`);
      expect((await page.textContent("main")).includes("This section is for admins"), "the refusal says why");
      const file = await shot("moderator-peers-refused");
      await context.close();
      return file;
    });

    await step("a user cannot open any of it", async () => {
      const context = await browser.newContext(desktop);
      await signIn(context, USER);
      expect(page.url().startsWith(`${INSTANCE}/admin/callback`), `the sign-in ends at the callback: ${page.url()}`);
      expect((await page.textContent("main")).includes("admins and moderators"), "the refusal says why");
      const file = await shot("user-refused");
      for (const where of ["/admin", "/admin/accounts", "/admin/audit"]) {
        const response = await page.request.get(`${INSTANCE}${where}`, { maxRedirects: 0 });
        expect(response.status() === 303, `${where}: no session was kept, status ${response.status()}`);
      }
      await context.close();
      return file;
    });

    await step("the admin signs out", async () => {
      page = await admin.newPage();
      await page.goto(`${INSTANCE}/admin`);
      await Promise.all([page.waitForNavigation(), page.click("header button")]);
      expect((await heading()) === "Signed out", `heading ${await heading()}`);
      await page.goto(`${INSTANCE}/admin`);
      expect(page.url().startsWith(`${INSTANCE}/oauth/authorize`), `after signing out /admin asks to sign in again: ${page.url()}`);
    });
  } finally {
    await browser.close().catch(() => {});
  }
}

main()
  .then(() => console.log(`e2e admin: ${passed} passed, 0 failed`))
  .catch((error) => {
    if (!error.reported) console.log(`FAIL: ${error.stack ?? error}`);
    console.log(`e2e admin: ${passed} passed, 1 failed`);
    process.exit(1);
  });
