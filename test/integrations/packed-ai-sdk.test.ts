/**
 * `deliberate/ai-sdk` from the built, packed package, as a user's plain .mjs imports it next to `ai`:
 * the middleware over the AI SDK's MockLanguageModelV3 (majority answer, summed usage,
 * providerMetadata.deliberate), streamText's progress then answer, and the provider running
 * `builtin:tiny-reasoner` with self-consistency. And the core entry never loads the AI SDK: no module
 * reachable from `deliberate` imports `ai` or `@ai-sdk/*` (they are optional peers).
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { before, test } from "node:test";
import { installPackedPackage, type PackedPackage, runInProject } from "../helpers/packed-package.ts";

let project: PackedPackage;
before(async () => {
  project = await installPackedPackage();
});

test("the tarball ships the ai-sdk subpath with its types", () => {
  for (const file of ["dist/integrations/ai-sdk/index.js", "dist/integrations/ai-sdk/index.d.ts"]) {
    assert.ok(project.files.includes(file), `${file} is in the tarball`);
  }
});

test("the middleware and the provider from the installed package, in a plain .mjs", async () => {
  const run = await runInProject(
    project,
    "ai-sdk.mjs",
    `
import { generateText, streamText, wrapLanguageModel } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { createDeliberate, deliberateMiddleware } from "deliberate/ai-sdk";

const answers = ["4", "5", "4", "4", "6", "4", "5", "4"];
let call = 0;
const mock = new MockLanguageModelV3({
  doGenerate: async () => {
    const text = "The answer is \\\\boxed{" + answers[call++ % answers.length] + "}.";
    return {
      content: [{ type: "text", text }],
      finishReason: { unified: "stop", raw: "stop" },
      usage: {
        inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
        outputTokens: { total: 4, text: 4, reasoning: undefined },
      },
      warnings: [],
    };
  },
});
const model = wrapLanguageModel({
  model: mock,
  middleware: deliberateMiddleware({ strategy: "self-consistency", options: { samples: 8 } }),
});
const generated = await generateText({ model, prompt: "What is 2 + 2?" });

call = 0;
const streamed = streamText({ model, prompt: "What is 2 + 2?" });
const kinds = [];
for await (const part of streamed.fullStream) if (kinds.at(-1) !== part.type) kinds.push(part.type);

const deliberate = createDeliberate({ config: { models: {}, defaults: {} }, threads: 1 });
const tiny = await generateText({
  model: deliberate("builtin:tiny-reasoner", { strategy: "self-consistency", samples: 4 }),
  prompt: "Compute 3+6+4.",
  maxOutputTokens: 32,
});
await deliberate.close();

console.log(JSON.stringify({
  generated: { text: generated.text, usage: generated.usage, deliberate: generated.providerMetadata.deliberate, calls: mock.doGenerateCalls.length },
  streamed: { kinds, reasoning: await streamed.reasoningText, text: await streamed.text },
  tiny: { deliberate: tiny.providerMetadata.deliberate, outputTokens: tiny.usage.outputTokens },
}));
`,
  );
  assert.equal(run.code, 0, run.stderr);
  const { generated, streamed, tiny } = JSON.parse(run.stdout);
  assert.equal(generated.text, "The answer is \\boxed{4}.");
  assert.equal(generated.calls, 16, "8 samples per call, two calls");
  assert.equal(generated.usage.inputTokens, 80);
  assert.equal(generated.usage.outputTokens, 32);
  assert.equal(generated.deliberate.answer, "4");
  assert.deepEqual(generated.deliberate.votes, { "4": 5, "5": 2, "6": 1 });
  assert.equal(streamed.text, "The answer is \\boxed{4}.");
  assert.match(streamed.reasoning, /self-consistency: 8\/8 samples · vote 4 \(5 of 8\)/);
  assert.ok(streamed.kinds.indexOf("reasoning-delta") < streamed.kinds.indexOf("text-delta"));
  assert.equal(tiny.deliberate.strategy, "self-consistency");
  assert.equal(tiny.deliberate.candidates, 4);
  assert.ok(tiny.outputTokens > 0);
});

test("nothing reachable from the core entry imports the AI SDK", () => {
  const reached = new Set<string>();
  const external = new Set<string>();
  const visit = (file: string) => {
    if (reached.has(file)) return;
    reached.add(file);
    const source = readFileSync(file, "utf8");
    for (const match of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g)) {
      const specifier = match[1]!;
      if (!specifier.startsWith(".")) {
        external.add(specifier);
        continue;
      }
      const target = resolve(dirname(file), specifier);
      if (existsSync(target) && target.endsWith(".js")) visit(target);
    }
  };
  visit(join(project.packageDir, "dist", "index.js"));
  assert.ok(reached.size > 50, `walked ${reached.size} modules`);
  const aiSdk = [...external].filter((s) => s === "ai" || s.startsWith("ai/") || s.startsWith("@ai-sdk/"));
  assert.deepEqual(aiSdk, []);
});
