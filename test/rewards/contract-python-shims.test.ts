/**
 * The Python clients in docs/rewards/ against a live service (real scorer, loopback): the verl
 * `compute_score` (one item, and the batch reward manager's keyword lists) and the TRL
 * `reward_func` (standard and conversational completions, None for what could not be checked, the
 * async form), and OpenRLHF's reward_func file (with a stand-in torch), with an API key; and the
 * shims retrying a 429 after its Retry-After. Stdlib Python only;
 * skipped, with a note, where `python3` is not installed.
 */
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { test } from "node:test";
import { GateScorer, startService, withRealScorer } from "./service-helpers.ts";

const docs = join(import.meta.dirname, "..", "..", "docs", "rewards");
const SHIMS = ["verl_compute_score.py", "trl_reward_func.py", "openrlhf_reward_func.py"];
const hasPython = spawnSync("python3", ["--version"]).status === 0;
const skip = hasPython ? false : "python3 is not installed: the Python shims are not checked";
if (!hasPython) console.log(`# note: ${skip}`);

/**
 * Runs `script` with the shims importable (and `extraPath`, e.g. a stand-in torch), against `url`;
 * resolves with its stdout parsed as JSON.
 */
function python(script: string, url: string, key?: string, extraPath?: string): Promise<unknown> {
  const path = [docs, ...(extraPath === undefined ? [] : [extraPath])].join(delimiter);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, PYTHONPATH: path, PYTHONDONTWRITEBYTECODE: "1" };
  env.DELIBERATE_REWARDS_URL = url;
  if (key !== undefined) env.DELIBERATE_API_KEY = key;
  return new Promise((resolve, reject) => {
    execFile("python3", ["-B", "-c", script], { env, timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

const service = withRealScorer({ timeoutMs: 5000, workers: 2 }, { apiKeys: ["py-key"] }, hasPython);

test("the shims compile (py_compile)", { skip }, () => {
  const out = mkdtempSync(join(tmpdir(), "shims-"));
  try {
    for (const shim of SHIMS) {
      const run = spawnSync("python3", [
        "-c",
        "import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)",
        join(docs, shim),
        join(out, `${shim}c`),
      ]);
      assert.equal(run.status, 0, `${shim}: ${run.stderr}`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("verl: compute_score for one item and for a batch, as verl's reward managers call it", {
  skip,
}, async () => {
  const script = `
import json
from verl_compute_score import compute_score
one = compute_score("openai/gsm8k", "so 6 * 7 = 42\\n#### 42", "42", {"split": "test", "index": 3})
batch = compute_score(data_sources=["math", "math", "math"],
                      solution_strs=["\\\\boxed{\\\\frac{1}{2}}", "\\\\boxed{3}", "\\\\boxed{1}"],
                      ground_truths=["0.5", 4, "\\\\boxed{"], extra_infos=[None, {"index": 1}, None])
print(json.dumps({"one": one, "batch": batch}))`;
  const out = (await python(script, service().url, "py-key")) as {
    one: Record<string, number | string>;
    batch: Array<Record<string, number | string>>;
  };
  assert.equal(out.one.score, 1);
  assert.equal(out.one.acc, 1);
  assert.deepEqual(
    out.batch.map((r) => r.score),
    [1, 0, 0],
  );
  assert.equal(out.batch[2]!.bad_gold, 1, "an unparseable ground truth is bad gold, never 1");
});

test("TRL: reward_func on standard and conversational completions; None where nothing could be checked", {
  skip,
}, async () => {
  const script = `
import asyncio, json
from trl_reward_func import reward_func, async_reward_func
standard = reward_func(["What is 2+2?"] * 3, ["It is \\\\boxed{4}", "It is \\\\boxed{5}", "\\\\boxed{4}"],
                       answer=["4", "4", ""], trainer_state=None)
conversational = reward_func(
    [[{"role": "user", "content": "Half of 1?"}]] * 2,
    [[{"role": "assistant", "content": "<think>1/2</think> \\\\boxed{0.5}"}],
     [{"role": "assistant", "content": [{"type": "text", "text": "\\\\boxed{2}"}]}]],
    solution=["\\\\frac{1}{2}", "\\\\frac{1}{2}"])
code = asyncio.run(async_reward_func(["Write f."], ["\`\`\`python\\ndef f():\\n    return 1 / 0\\n\`\`\`"],
                                     kind=["code"], tests=[{"language": "python", "code": "assert f() == 1"}]))
print(json.dumps({"standard": standard, "conversational": conversational, "code": code}))`;
  const out = await python(script, service().url, "py-key");
  assert.deepEqual(out, { standard: [1, 0, null], conversational: [1, 0], code: [0] });
});

test("OpenRLHF: the reward_func file (for keyed servers) returns rewards, scores and extra_logs as tensors", {
  skip,
}, async () => {
  // OpenRLHF has torch; here a stand-in whose tensors are the lists themselves.
  const fake = mkdtempSync(join(tmpdir(), "fake-torch-"));
  try {
    writeFileSync(
      join(fake, "torch.py"),
      "float = 'float32'\ndef tensor(values, dtype=None):\n    return list(values)\n",
    );
    const script = `
import json
from openrlhf_reward_func import reward_func
prompt = "<|im_start|>user\\nWhat is 2+2?<|im_end|>\\n<|im_start|>assistant\\n"
out = reward_func([prompt + "\\\\boxed{4}", prompt + "\\\\boxed{5}"], [prompt, prompt], ["4", "4"])
print(json.dumps(out))`;
    const out = (await python(script, service().url, "py-key", fake)) as {
      rewards: number[];
      scores: number[];
      extra_logs: Record<string, number[]>;
    };
    assert.deepEqual(out.rewards, [1, 0]);
    assert.deepEqual(out.scores, [1, 0]);
    assert.deepEqual(out.extra_logs.verdict_correct, [1, 0]);
  } finally {
    rmSync(fake, { recursive: true, force: true });
  }
});

test("both shims wait out a 429 as Retry-After says, then get their answer", { skip }, async () => {
  // A queue of 1 item held by a batch the test controls: the shims' first tries are refused. The
  // gate scorer calls an output right when it contains the gold, so "so 4" against "4" is 1.
  const gate = new GateScorer();
  const busy = await startService({ scorer: gate, maxQueue: 1, retryAfterSeconds: 1 });
  try {
    const holder = busy.post("/v1/rewards", { items: [{ output: "x", gold: "x" }] });
    await gate.reached(1);
    const verl = python(
      `import json\nfrom verl_compute_score import compute_score\nprint(json.dumps(compute_score("m", "so 4", "4")))`,
      busy.url,
    );
    const trl = python(
      `import json\nfrom trl_reward_func import reward_func\nprint(json.dumps(reward_func(["q"], ["so 4"], answer=["4"])))`,
      busy.url,
    );
    // Open the gate once both have been refused at least once (the 429s are counted in /metrics).
    for (;;) {
      const metrics = (await busy.get("/metrics")).text;
      const refused = [...metrics.matchAll(/deliberate_requests_total\{route="[^"]+",status="429"\} (\d+)/g)];
      if (refused.reduce((sum, m) => sum + Number(m[1]), 0) >= 2) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    gate.open();
    await holder;
    assert.deepEqual((await verl) as Record<string, unknown>, {
      score: 1,
      acc: 1,
      pred: "4",
      scored: 1,
      timeout: 0,
      bad_gold: 0,
    });
    assert.deepEqual(await trl, [1]);
  } finally {
    gate.open();
    await busy.close();
  }
});
