import assert from "node:assert/strict";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileFingerprint } from "../../../src/models/llama/file-fingerprint.ts";
import { createLlamaBackend, defaultModelsDir } from "../../../src/models/llama/index.ts";
import { tinyModelPath } from "../../helpers/tiny-model.ts";

let dir: string;
/** A local port with nothing listening: an "offline" Hugging Face. */
let deadEndpoint: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "deliberate-llama-files-"));
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  deadEndpoint = `http://127.0.0.1:${port}/`;
});
after(() => rm(dir, { recursive: true, force: true }));

test("a missing file is MODEL_NOT_FOUND, naming the path", async () => {
  const path = join(dir, "missing.gguf");
  await assert.rejects(
    createLlamaBackend({ model: path, threads: 1 }),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, "MODEL_NOT_FOUND");
      assert.ok(error.message.includes(path));
      return true;
    },
  );
});

test("a file that is not a GGUF is MODEL_INVALID, and the process survives", async () => {
  const path = join(dir, "not-a-model.gguf");
  await writeFile(path, "this is not a gguf file at all, just some text that goes on for a while");
  await assert.rejects(createLlamaBackend({ model: path, threads: 1 }), { code: "MODEL_INVALID" });
  const truncated = join(dir, "truncated.gguf");
  const bytes = await readFile(await tinyModelPath());
  await writeFile(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
  await assert.rejects(createLlamaBackend({ model: truncated, threads: 1 }), { code: "MODEL_INVALID" });
});

test("an hf: URI with no network is OFFLINE, saying how to get the file", async () => {
  const modelsDir = join(dir, "empty-cache");
  await assert.rejects(
    createLlamaBackend({
      model: "hf:acme/tiny-GGUF:Q8_0",
      modelsDir,
      huggingFaceEndpoint: deadEndpoint,
      threads: 1,
    }),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, "OFFLINE");
      assert.ok(error.message.includes("hf:acme/tiny-GGUF:Q8_0"));
      assert.ok(error.message.includes(modelsDir));
      assert.match(error.message, /download the \.gguf file elsewhere and pass its path/);
      return true;
    },
  );
});

test("an hf: URI the hub does not have is MODEL_NOT_FOUND", async () => {
  const hub = createHttpServer((_request, response) => response.writeHead(404).end("{}"));
  await new Promise<void>((resolve) => hub.listen(0, "127.0.0.1", resolve));
  const { port } = hub.address() as { port: number };
  try {
    await assert.rejects(
      createLlamaBackend({
        model: "hf:acme/missing-GGUF:Q4_K_M",
        modelsDir: join(dir, "empty-cache"),
        huggingFaceEndpoint: `http://127.0.0.1:${port}/`,
        threads: 1,
      }),
      { code: "MODEL_NOT_FOUND", param: "model" },
    );
  } finally {
    hub.closeAllConnections();
    await new Promise((resolve) => hub.close(resolve));
  }
});

test("an hf: URI downloads into the models cache once, then loads offline", async () => {
  const bytes = await readFile(await tinyModelPath());
  const requests: string[] = [];
  // A minimal Hugging Face hub: the manifest that resolves the quant, and the file.
  const hub = createHttpServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    const path = new URL(request.url ?? "/", "http://hub").pathname;
    if (path === "/v2/acme/tiny-GGUF/manifests/Q8_0") {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ ggufFile: { rfilename: "tiny.Q8_0.gguf", size: bytes.length } }));
    } else if (path === "/acme/tiny-GGUF/resolve/main/tiny.Q8_0.gguf") {
      response.writeHead(200, { "content-type": "application/octet-stream", "content-length": bytes.length });
      response.end(request.method === "HEAD" ? undefined : bytes);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => hub.listen(0, "127.0.0.1", resolve));
  const { port } = hub.address() as { port: number };
  const modelsDir = join(dir, "download-cache");
  const options = {
    model: "hf:acme/tiny-GGUF:Q8_0",
    modelsDir,
    threads: 1,
    contextSize: 128,
    progress: false,
  };
  try {
    const backend = await createLlamaBackend({
      ...options,
      huggingFaceEndpoint: `http://127.0.0.1:${port}/`,
    });
    const [completion] = await backend.generate({ prompt: "hi", maxTokens: 2, seed: 1 });
    assert.equal(completion.usage.completionTokens, 2);
    await backend.close();
    assert.ok(
      requests.some((line) => line.includes("/resolve/main/tiny.Q8_0.gguf")),
      requests.join("\n"),
    );
  } finally {
    hub.closeAllConnections();
    await new Promise((resolve) => hub.close(resolve));
  }
  // The hub is gone; the cached file is enough.
  const again = await createLlamaBackend({ ...options, huggingFaceEndpoint: deadEndpoint });
  assert.match(again.id, /^llama:.*\.gguf$/);
  await again.close();
});

test("an hf: URI already in the cache loads without touching the network", async () => {
  const modelsDir = join(dir, "cache");
  await mkdir(modelsDir, { recursive: true });
  // node-llama-cpp's cache name for hf:acme/tiny-GGUF:Q8_0.
  await copyFile(await tinyModelPath(), join(modelsDir, "hf_acme_tiny.Q8_0.gguf"));
  const backend = await createLlamaBackend({
    model: "hf:acme/tiny-GGUF:Q8_0",
    modelsDir,
    huggingFaceEndpoint: deadEndpoint,
    threads: 1,
    contextSize: 128,
  });
  try {
    assert.equal(backend.id, "llama:hf_acme_tiny.Q8_0.gguf");
    const [completion] = await backend.generate({ prompt: "hi", maxTokens: 3, seed: 1 });
    assert.equal(completion.usage.completionTokens, 3);
  } finally {
    await backend.close();
  }
});

test("the models cache defaults to $DELIBERATE_MODELS_DIR, else ~/.cache/deliberate/models", () => {
  const saved = process.env.DELIBERATE_MODELS_DIR;
  try {
    process.env.DELIBERATE_MODELS_DIR = "/somewhere/models";
    assert.equal(defaultModelsDir(), "/somewhere/models");
    delete process.env.DELIBERATE_MODELS_DIR;
    assert.match(defaultModelsDir(), /\.cache\/deliberate\/models$/);
  } finally {
    if (saved === undefined) delete process.env.DELIBERATE_MODELS_DIR;
    else process.env.DELIBERATE_MODELS_DIR = saved;
  }
});

test("bad backend options are BAD_REQUEST naming the option", async () => {
  const model = await tinyModelPath();
  await assert.rejects(createLlamaBackend({ model, threads: 0 }), { code: "BAD_REQUEST", param: "threads" });
  await assert.rejects(createLlamaBackend({ model, contextSize: 4 }), {
    code: "BAD_REQUEST",
    param: "contextSize",
  });
});

test("two backends over one file share the loaded model; closing is idempotent", async () => {
  const model = await tinyModelPath();
  const a = await createLlamaBackend({ model, threads: 1, contextSize: 128 });
  const b = await createLlamaBackend({ model, threads: 1, contextSize: 128 });
  await a.close();
  await a.close();
  // b still works after a released its reference.
  const [completion] = await b.generate({ prompt: "hi", maxTokens: 2, seed: 1 });
  assert.equal(completion.usage.completionTokens, 2);
  await b.close();
  await assert.rejects(b.generate({ prompt: "hi" }), { code: "BAD_REQUEST" });
});

test("two GGUFs with one file name get one id but different fingerprints; a copy keeps its fingerprint", async () => {
  const a = join(dir, "run-a", "model.gguf");
  const b = join(dir, "run-b", "model.gguf");
  const c = join(dir, "run-c", "model.gguf");
  for (const path of [a, b, c]) await mkdir(join(path, ".."), { recursive: true });
  await copyFile(await tinyModelPath({ seed: 1 }), a);
  await copyFile(await tinyModelPath({ seed: 2 }), b);
  await copyFile(a, c);
  const [fa, fb, fc] = await Promise.all([a, b, c].map((path) => fileFingerprint(path)));
  assert.notEqual(fa, fb);
  assert.equal(fa, fc);
  const backend = await createLlamaBackend({ model: b, threads: 1, contextSize: 64 });
  try {
    assert.equal(backend.id, "llama:model.gguf");
    assert.equal(backend.fingerprint?.startsWith(`llama:model.gguf@${fb}, node-llama-cpp `), true);
    // What else changes the samples is in it too: the thread count and the context size.
    const other = await createLlamaBackend({ model: b, threads: 2, contextSize: 64 });
    assert.notEqual(other.fingerprint, backend.fingerprint);
    await other.close();
    assert.match(backend.fingerprint ?? "", /threads 1, context 64$/);
  } finally {
    await backend.close();
  }
});
