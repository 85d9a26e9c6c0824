// `npm run build` (and `prepare`, so `npm ci` and `npm pack` build too): compiles src/ into dist/ with
// tsc (tsconfig.build.json: JavaScript + .d.ts, `./x.ts` imports rewritten to `./x.js`), then copies the
// runtime files tsc does not emit (worker scripts, the Python prelude, …) to the same relative paths.
// `node scripts/build.mjs --out-dir DIR` builds into DIR instead of dist/ (the packed-package tests do, so
// they never race a build of dist/).
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "src");
const outFlag = process.argv.indexOf("--out-dir");
if (outFlag !== -1 && !process.argv[outFlag + 1]) throw new Error("build: --out-dir needs a folder");
const dist = outFlag === -1 ? join(root, "dist") : resolve(process.argv[outFlag + 1]);
if (dist === root || root.startsWith(`${dist}/`) || dist.startsWith(`${src}/`) || dist === src) {
  throw new Error(`build: refusing to build into ${dist}`);
}

/** Files under src/ that stay out of dist/: documentation, and what only the sources need. */
const SKIP = new Set([
  // Registers tsx in a matmul worker when running from the sources; dist/ starts matmul-worker.js.
  "lab/tensor/matmul-worker-boot.mjs",
]);

/** Non-TypeScript files under src/ that the built package needs at run time. */
function assets(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return assets(path);
    const rel = relative(src, path).split("\\").join("/");
    if (entry.name.endsWith(".ts") || entry.name.endsWith(".md") || SKIP.has(rel)) return [];
    return [rel];
  });
}

const started = performance.now();
rmSync(dist, { recursive: true, force: true });

const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const result = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json"), "--outDir", dist], {
  cwd: root,
  stdio: "inherit",
});
if (result.status !== 0) {
  console.error(`build: tsc failed (${result.signal ?? `exit ${result.status}`})`);
  process.exit(result.status || 1);
}

const copied = assets(src);
for (const rel of copied) {
  mkdirSync(dirname(join(dist, rel)), { recursive: true });
  copyFileSync(join(src, rel), join(dist, rel));
}

const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.error(
  `build: ${relative(root, dist) || dist} from src/ in ${seconds} s (tsc, then ${copied.length} runtime files: ${copied.join(", ")})`,
);
