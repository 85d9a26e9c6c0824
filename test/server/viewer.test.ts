/** The trace viewer in headless Chromium: open a finished request's trace, expand a node, screenshot. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { ModelBackend } from "../../src/models/types.ts";
import { type RunningServer, startServer } from "../../src/server/start-server.ts";
import { runRegisteredStrategy, strategyNames } from "../../src/server/strategy-runner.ts";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";
import { artifactPath, launchBrowser } from "../helpers/browser.ts";

const KEY = "sk-viewer-test-123";
let server: RunningServer;

before(async () => {
  server = await startServer({
    port: 0,
    models: new Map<string, ModelBackend>([
      ["small", new ScriptedBackend({ answers: { "42": 3, "41": 1 } })],
    ]),
    strategies: strategyNames,
    runStrategy: runRegisteredStrategy,
    apiKeys: [KEY],
  });
  const response = await fetch(`${server.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` },
    body: JSON.stringify({
      model: "self-consistency/small",
      messages: [{ role: "user", content: "What is 6*7?" }],
      deliberate: { samples: 5 },
    }),
  });
  assert.equal(response.status, 200);
});

after(() => server.close());

test("the viewer lists the request, shows its trace tree, and expands a node", async () => {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${server.url}/?key=${KEY}`);
    await page.waitForSelector(".req");
    assert.match((await page.locator(".req").first().textContent()) ?? "", /self-consistency · small/);
    await page.locator(".req").first().click();
    await page.waitForSelector(".node");
    const kinds = await page.locator(".kind").allInnerTexts();
    assert.ok(kinds.map((k) => k.toLowerCase()).includes("vote"), `kinds: ${kinds.join(",")}`);
    assert.ok(kinds.map((k) => k.toLowerCase()).includes("generate"));
    await page.locator(".node > .row", { hasText: "vote" }).first().click();
    const expanded = (await page.locator("pre").first().textContent()) ?? "";
    assert.match(expanded, /42/);
    await page.screenshot({ path: artifactPath("viewer.png"), fullPage: true });
    await page.waitForSelector("#status:has-text('live')");
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
