/**
 * Regression test for the sampling corruption of issue 11: n samples of one context returned text
 * the model never writes when the machine was busy.
 *
 * Root cause: with more than one sequence, llama.cpp splits a batch into ubatches of consecutive
 * sequence ids, so when the sequences queue their next token out of id order (which happens
 * whenever their previous samples finish in another order, as under CPU load) the outputs come back
 * permuted. llama.cpp restores the batch order lazily, in `output_reorder()`, on the first logits
 * read; node-llama-cpp up to 3.21.1 ran the n `sampleToken` workers of a batch at once on the libuv
 * thread pool, so several threads applied the same swaps concurrently and a sequence could sample
 * from another sequence's (or a half-swapped) logits row. node-llama-cpp 3.22 takes a per-context
 * lock for that first read and the candidate copy.
 *
 * The test makes the bad order happen on every step instead of waiting for load: each step waits
 * until every live sequence has asked for its next token and then lets them queue in a shuffled
 * order (the backend itself now queues them in sample order, see `lockstep.ts`). Every token a
 * sample draws must then have the probability its own context gives it. (The samples need not equal
 * those of the natural order: another batch order rounds the logits differently in the last bits.)
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { LlamaContextSequence, type LlamaModel, type Token } from "node-llama-cpp";
import { createLlamaBackend } from "../../../src/models/llama/index.ts";
import { acquireModel, releaseModel } from "../../../src/models/llama/model-pool.ts";
import { tokenizeRaw } from "../../../src/models/llama/render-prompt.ts";
import { sampleSequence } from "../../../src/models/llama/sample-sequence.ts";
import { scoreContinuation } from "../../../src/models/llama/score-continuation.ts";
import { SequencePool } from "../../../src/models/llama/sequence-pool.ts";
import { StopMatcher } from "../../../src/models/llama/stop-matcher.ts";
import { tinyModelPath } from "../../helpers/tiny-model.ts";
import { PROMPT } from "./llama-fixture.ts";

const N = 16;
const MAX_TOKENS = 96;
/** Rounds of sampling: the race it catches needs two pool threads to collide, so give it room. */
const ROUNDS = 3;

let path: string;
let model: LlamaModel;
before(async () => {
  path = await tinyModelPath();
  model = await acquireModel(path);
});
after(() => releaseModel(path));

/**
 * Holds each live sequence's request for its next token until all have asked, then releases them
 * in a shuffled order (the same order every run: a fixed-seed LCG), so the batch they queue is out
 * of sequence-id order on every step.
 */
class ShuffledSteps {
  private readonly waiting: Array<() => void> = [];
  private live: number;
  private state = 12345;
  releasedOutOfOrder = 0;

  constructor(live: number) {
    this.live = live;
  }

  arrive(go: () => void): void {
    this.waiting.push(go);
    this.release();
  }

  leave(): void {
    this.live--;
    this.release();
  }

  private release(): void {
    if (this.live === 0 || this.waiting.length < this.live) return;
    const batch = this.waiting.splice(0);
    for (let i = batch.length - 1; i > 0; i--) {
      this.state = (this.state * 1103515245 + 12345) % 2 ** 31;
      const j = this.state % (i + 1);
      [batch[i], batch[j]] = [batch[j], batch[i]];
    }
    if (batch.length > 1) this.releasedOutOfOrder++;
    for (const go of batch) go();
  }
}

/** A sequence whose generator waits for the scheduler before each step. */
function throughScheduler(
  sequence: LlamaContextSequence,
  steps: ShuffledSteps,
  tokens: Token[],
): LlamaContextSequence {
  return new Proxy(sequence, {
    get(target, property) {
      if (property === "evaluateWithMetadata") {
        return (...args: Parameters<LlamaContextSequence["evaluateWithMetadata"]>) => {
          const inner = target.evaluateWithMetadata(...args);
          let left = false;
          const leave = () => {
            if (!left) steps.leave();
            left = true;
          };
          const wrapped = {
            next: () =>
              new Promise<IteratorResult<unknown>>((resolve, reject) =>
                steps.arrive(() =>
                  inner.next().then((step) => {
                    if (step.done) leave();
                    else tokens.push(step.value.token);
                    resolve(step);
                  }, reject),
                ),
              ),
            return: (value: unknown) => {
              leave();
              return inner.return(value as never);
            },
            throw: (error: unknown) => inner.throw(error),
            [Symbol.asyncIterator]() {
              return wrapped;
            },
          };
          return wrapped;
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** Samples N sequences of one context whose steps queue in a shuffled order; records their tokens. */
async function sampleShuffled() {
  const pool = new SequencePool({ model, contextSize: 256, threads: 1 });
  const promptTokens = tokenizeRaw(model, PROMPT) as Token[];
  const lease = await pool.acquire(N);
  const steps = new ShuffledSteps(N);
  const tokens: Token[][] = lease.sequences.map(() => []);
  const signal = new AbortController().signal;
  try {
    const results = await Promise.all(
      lease.sequences.map((sequence, index) =>
        sampleSequence({
          sequence: throughScheduler(sequence, steps, tokens[index]),
          model,
          promptTokens,
          // No truncation: the reported probability is the plain softmax the scorer computes.
          settings: { temperature: 1, topP: 1, topK: 100_000, minP: 0, seed: 500 + index },
          maxTokens: MAX_TOKENS,
          stop: new StopMatcher([]),
          stopTokenSequences: [],
          logprobs: 0,
          signal,
          startedAt: performance.now(),
        }),
      ),
    );
    await Promise.all(results.map((result) => result.idle));
    return { promptTokens, tokens, results, outOfOrderSteps: steps.releasedOutOfOrder };
  } finally {
    await pool.dispose();
  }
}

test("each of n batched samples draws every token from its own logits, in any queue order", async () => {
  for (let round = 0; round < ROUNDS; round++) await checkRound();
});

async function checkRound() {
  const { promptTokens, tokens, results, outOfOrderSteps } = await sampleShuffled();
  // The scheduler really reordered the batches (else this test would prove nothing).
  assert.ok(outOfOrderSteps >= MAX_TOKENS / 2, `only ${outOfOrderSteps} shuffled steps`);
  // Each sample's tokens scored alone, in a context of one sequence: the logprobs its own
  // logits give. A token drawn from another sample's (or a half-swapped) logits row shows up as
  // a logprob far from the one reported; the batch's own rounding stays far below the tolerance.
  const pool = new SequencePool({ model, contextSize: 256, threads: 1 });
  try {
    const mismatches: string[] = [];
    for (const [index, sampled] of tokens.entries()) {
      const reported = results[index].logprobs ?? [];
      assert.equal(reported.length, sampled.length);
      if (sampled.length === 0) continue;
      const lease = await pool.acquire(1);
      const scored = await scoreContinuation({
        sequence: lease.sequences[0],
        model,
        promptTokens,
        continuationTokens: sampled,
      });
      pool.release(lease);
      for (const [position, token] of scored.entries()) {
        const gap = Math.abs(token.logprob - reported[position].logprob);
        if (!(gap < 0.05)) mismatches.push(`sample ${index} token ${position}: ${gap}`);
      }
    }
    assert.deepEqual(mismatches, []);
  } finally {
    await pool.dispose();
  }
}

/**
 * Simulates a loaded machine, deterministically: every step of sample i reaches the backend
 * `N - i` event-loop turns late (sample 0 always last), which is the order samples used to queue
 * their next tokens in. Records, per step, the order in which the samples asked for their tokens.
 */
function delayedSteps(samples: number) {
  const original = LlamaContextSequence.prototype.evaluateWithMetadata;
  const asks: number[] = [];
  const indexOf = new Map<LlamaContextSequence, number>();
  LlamaContextSequence.prototype.evaluateWithMetadata = function (this: LlamaContextSequence, ...args) {
    const inner = (original as (...a: typeof args) => ReturnType<typeof original>).apply(this, args);
    if (!indexOf.has(this)) indexOf.set(this, indexOf.size);
    const index = indexOf.get(this)!;
    const late = async <T>(value: T): Promise<T> => {
      for (let turn = 0; turn < samples - index; turn++) await new Promise((ready) => setImmediate(ready));
      return value;
    };
    return Object.assign(Object.create(inner), {
      next: (...nextArgs: []) => {
        asks.push(index);
        return inner.next(...nextArgs).then(late);
      },
    });
  } as typeof original;
  return { asks, restore: () => (LlamaContextSequence.prototype.evaluateWithMetadata = original) };
}

test("a call's samples ask for each token in sample order, so slow samples change nothing", async () => {
  const backend = await createLlamaBackend({ model: path, threads: 1, contextSize: 256 });
  try {
    const request = { prompt: PROMPT, n: 8, seed: 77, maxTokens: 48, temperature: 1 };
    const undisturbed = await backend.generate(request);
    const delays = delayedSteps(8);
    let disturbed: Awaited<ReturnType<typeof backend.generate>>;
    try {
      disturbed = await backend.generate(request);
    } finally {
      delays.restore();
    }
    // Cut the asks into steps: a step is a run of increasing sample indexes.
    const outOfOrder = delays.asks.filter((index, i) => i > 0 && index < delays.asks[i - 1]).length;
    const steps = Math.max(...disturbed.map((c) => c.usage.completionTokens));
    assert.ok(delays.asks.length >= steps, "the delays were not in the path");
    // In order, the index only falls when one step ends and the next begins.
    assert.ok(outOfOrder <= steps, `${outOfOrder} out-of-order asks over ${steps} steps`);
    assert.deepEqual(
      disturbed.map((c) => c.text),
      undisturbed.map((c) => c.text),
    );
  } finally {
    await backend.close();
  }
});
