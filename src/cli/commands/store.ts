/**
 * `deliberate store verify STORE`: checks an eval store (a SQLite file, a run folder, or a
 * `postgres://` URL) before its samples are trusted again — the database's integrity, every
 * sample's digest and origin, and, with `--model`, that a random selection of the samples that
 * model made come out the same when made again.
 */
import { existsSync } from "node:fs";
import { Command } from "commander";
import { DeliberateError } from "../../errors.ts";
import {
  isPostgresSpec,
  openStore,
  type ResultStore,
  redactStoreSpec,
  type StoredSample,
} from "../../eval/store.ts";
import { ModelRegistry } from "../../models/registry.ts";
import type { GenerateRequest } from "../../models/types.ts";
import { folderFile } from "../../util/folder-file.ts";
import { integer } from "../parse-number.ts";

interface VerifyFlags {
  model?: string;
  regenerate: number;
  threads?: number;
  json?: boolean;
}

interface Regenerated {
  checked: number;
  differing: Array<{ key: string; seed?: number; stored: string; now: string }>;
  /** Samples of other backends (or other engines, thread counts, contexts): not comparable. */
  otherBackends: number;
}

export function storeCommand(): Command {
  const store = new Command("store").description(
    "Inspect and check eval stores (store.sqlite or postgres://).",
  );
  store
    .command("verify")
    .description(
      "Check a store: file integrity, each sample's digest and origin; with --model, remake samples.",
    )
    .argument("<store>", "a store.sqlite file, an eval run folder holding one, or a postgres:// URL")
    .option("-m, --model <spec>", "remake samples this model made and compare their text")
    .option(
      "--regenerate <n>",
      "at least how many of that model's samples to remake (whole calls, random)",
      integer(1),
      20,
    )
    .option("--threads <n>", "llama.cpp threads (use the run's, or the fingerprints differ)", integer(1))
    .option("--json", "print the findings as JSON")
    .action(async (target: string, flags: VerifyFlags) => {
      const spec = isPostgresSpec(target) ? target : folderFile(target, "store.sqlite");
      if (!isPostgresSpec(spec) && !existsSync(spec)) {
        throw new DeliberateError("BAD_REQUEST", `no eval store at ${spec}`);
      }
      const path = redactStoreSpec(spec);
      const opened = await openStore(spec);
      try {
        const found = await opened.verify();
        const regenerated = flags.model ? await regenerate(opened, flags) : undefined;
        const ok =
          found.integrity.join() === "ok" &&
          found.corrupt.length === 0 &&
          found.mismatched.length === 0 &&
          (regenerated === undefined || regenerated.differing.length === 0);
        if (flags.json) {
          process.stdout.write(`${JSON.stringify({ path, ok, ...found, regenerated }, null, 2)}\n`);
        } else {
          const lines = [
            `${path}: ${ok ? "ok" : "PROBLEMS FOUND"}`,
            `integrity: ${found.integrity.join("; ")}`,
            `samples: ${found.completions} (${found.unchecked} from before digests, unchecked)`,
            `corrupt (digest differs): ${found.corrupt.length}`,
            `mismatched (seed differs from its key's): ${found.mismatched.length}`,
          ];
          if (regenerated) {
            lines.push(
              `remade ${regenerated.checked} samples of ${flags.model}: ${regenerated.differing.length} differ` +
                (regenerated.otherBackends > 0
                  ? ` (${regenerated.otherBackends} samples of other backends or settings skipped)`
                  : ""),
            );
            for (const d of regenerated.differing.slice(0, 5)) {
              lines.push(`  seed ${d.seed}: stored ${JSON.stringify(d.stored)} now ${JSON.stringify(d.now)}`);
            }
          }
          process.stdout.write(`${lines.join("\n")}\n`);
        }
        if (!ok) process.exitCode = 1;
      } finally {
        await opened.close();
      }
    });
  return store;
}

async function regenerate(store: ResultStore, flags: VerifyFlags): Promise<Regenerated> {
  const registry = new ModelRegistry({ threads: flags.threads });
  try {
    const backend = await registry.get(flags.model!);
    const keyId = backend.fingerprint ?? backend.id;
    // The calls that made this model's samples: each is made again whole (same n, same seed).
    const calls = new Map<
      string,
      { request: string; seed?: number; n: number; samples: Map<number, StoredSample> }
    >();
    let otherBackends = 0;
    for await (const sample of store.samples()) {
      const request = sample.request === undefined ? undefined : await store.request(sample.request);
      if (sample.backend !== keyId || request === undefined || sample.call === undefined) {
        otherBackends++;
        continue;
      }
      const id = JSON.stringify([sample.request, sample.call.seed, sample.call.n]);
      let call = calls.get(id);
      if (call === undefined) {
        call = { request, seed: sample.call.seed, n: sample.call.n, samples: new Map() };
        calls.set(id, call);
      }
      call.samples.set(sample.call.index, sample);
    }
    const order = [...calls.values()];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const differing: Regenerated["differing"] = [];
    let checked = 0;
    for (const call of order) {
      if (checked >= flags.regenerate) break;
      const request = JSON.parse(call.request) as GenerateRequest;
      const again = await backend.generate({
        ...request,
        n: call.n,
        ...(call.seed === undefined ? {} : { seed: call.seed }),
      });
      for (const [index, sample] of call.samples) {
        checked++;
        const now = again[index]?.text ?? "";
        if (now !== sample.completion.text) {
          differing.push({ key: sample.key, seed: sample.seed, stored: sample.completion.text, now });
        }
      }
    }
    return { checked, differing, otherBackends };
  } finally {
    await registry.close();
  }
}
