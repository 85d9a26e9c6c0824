/**
 * prm-samples.jsonl: the PRM stage's labelled data, one policy solution a line with its `split`
 * (`train` or `held-out`), steps and per-prefix rollout counts and values (prm-labels.ts). Sampling is
 * the stage's slow part, so a resumed run reads the file back instead of sampling again; the
 * checkpoint keeps the file's fingerprint, and a file that changed since is refused.
 */
import { readFile, rename, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { DeliberateError } from "../../errors.ts";
import { fnv1a } from "../../util/fnv1a.ts";
import { folderFile } from "../../util/folder-file.ts";
import type { PrmSample } from "./prm-labels.ts";

/** A prm-samples.jsonl, or the PRM run folder that holds one (`--prm-samples-from`), as a file path. */
export function prmSamplesPath(spec: string): string {
  return folderFile(resolve(spec), "prm-samples.jsonl");
}

export interface PrmSampleSets {
  train: PrmSample[];
  heldOut: PrmSample[];
}

/** Writes the file (a temp file renamed over it) and returns its fingerprint. */
export async function writePrmSamples(path: string, { train, heldOut }: PrmSampleSets): Promise<string> {
  const lines = [
    ...train.map((s) => ({ split: "train", ...s })),
    ...heldOut.map((s) => ({ split: "held-out", ...s })),
  ].map((s) => JSON.stringify(s));
  const text = `${lines.join("\n")}\n`;
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, text);
  await rename(temp, path);
  return textFingerprint(text);
}

/** Reads the file back; `fingerprint` is what `writePrmSamples` returned for it. */
export async function readPrmSamples(path: string): Promise<PrmSampleSets & { fingerprint: string }> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new DeliberateError("BAD_REQUEST", `no PRM samples at ${path}`, { cause: error });
  }
  const sets: PrmSampleSets = { train: [], heldOut: [] };
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    let record: PrmSample & { split?: unknown };
    try {
      record = JSON.parse(line);
    } catch (error) {
      throw new DeliberateError("BAD_REQUEST", `${path}:${i + 1}: not JSON`, { cause: error });
    }
    const { split, ...sample } = record;
    const sound =
      Array.isArray(sample.steps) &&
      Array.isArray(sample.values) &&
      sample.values.length === sample.steps.length &&
      typeof sample.question === "string";
    if (!sound || (split !== "train" && split !== "held-out")) {
      throw new DeliberateError(
        "BAD_REQUEST",
        `${path}:${i + 1}: not a PRM sample (split, question, steps, values)`,
      );
    }
    (split === "train" ? sets.train : sets.heldOut).push(sample);
  });
  return { ...sets, fingerprint: textFingerprint(text) };
}

/** `length:fnv1a` of the file's text. */
function textFingerprint(text: string): string {
  return `${text.length}:${fnv1a(text).toString(16)}`;
}
