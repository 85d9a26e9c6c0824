/**
 * Headless Chromium for page tests: Debian's `chromium` driven by playwright-core (never a downloaded
 * browser). `.ci/run` installs the package.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";

export function chromiumPath(): string {
  try {
    return execFileSync("which", ["chromium"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error("Debian's chromium is not installed: apt-get install -y chromium");
  }
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/** Where tests save screenshots and other artifacts (gitignored). */
export function artifactPath(name: string): string {
  const dir = join(process.cwd(), "test-artifacts");
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
