#!/usr/bin/env node
// The `deliberate` command. An installed package runs its built JavaScript (dist/, made by `npm run build`,
// which `npm ci` and `npm pack` run through `prepare`) with plain node. In a checkout of the repository
// (src/ is there; the published package leaves it out) it runs the TypeScript sources through tsx, a dev
// dependency, so the CLI and the tests that spawn it never see a stale dist/. DELIBERATE_FROM_DIST=1 runs
// dist/ in a checkout too.
import { existsSync } from "node:fs";

const sources = new URL("../src/cli/main.ts", import.meta.url);
const built = new URL("../dist/cli/main.js", import.meta.url);

if (process.env.DELIBERATE_FROM_DIST !== "1" && existsSync(sources)) {
  const { register } = await import("tsx/esm/api");
  register();
  await import(sources.href);
} else {
  try {
    await import(built.href);
  } catch (error) {
    if (error?.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes(built.pathname)) {
      process.stderr.write("deliberate: dist/ is missing; run `npm run build` in the package first\n");
      process.exit(1);
    }
    throw error;
  }
}
