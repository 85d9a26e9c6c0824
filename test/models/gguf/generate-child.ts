/**
 * Child process of the GGUF fuzz: loads each GGUF named on stdin (one path a line) through the llama
 * backend and generates a few tokens from a raw prompt. It prints `start I` before and `done I OUTCOME`
 * after each file, so when llama.cpp aborts the process the parent knows which file did it.
 * A clean failure (a DeliberateError) is an outcome like any other; only dying is a failure.
 * The prompt is raw: chat messages would add node-llama-cpp's chat-template matching (JavaScript, so it
 * cannot abort the process, and 0.5–2 s per model); a 400-mutant run through chat messages found no
 * abort either.
 */
import { createInterface } from "node:readline";
import { toDeliberateError } from "../../../src/errors.ts";
import { createLlamaBackend } from "../../../src/models/llama/llama-backend.ts";

/** Enough tokens to run the sampler and the detokenizer over the (possibly mutated) vocabulary. */
const TOKENS = 8;

const lines = createInterface({ input: process.stdin });
let index = 0;
for await (const path of lines) {
  if (path === "") continue;
  process.stdout.write(`start ${index}\n`);
  let outcome: string;
  try {
    const backend = await createLlamaBackend({ model: path, threads: 1 });
    try {
      const [completion] = await backend.generate({
        prompt: "Hello, world\n",
        maxTokens: TOKENS,
        temperature: 0.8,
        seed: 1,
      });
      outcome = `ok ${completion?.finishReason ?? "none"}`;
    } finally {
      await backend.close();
    }
  } catch (error) {
    outcome = `error ${toDeliberateError(error).code}`;
  }
  process.stdout.write(`done ${index} ${outcome}\n`);
  index++;
}
