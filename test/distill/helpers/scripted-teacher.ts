/**
 * Distill tests' teachers: a ScriptedBackend that finds the problem its prompt asks (plain or
 * hinted) and writes whatever a test's rule says for that problem and sample, so which traces are
 * right is known in advance. Plus reading a dataset folder's JSONL files back.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadDataset } from "../../../src/eval/datasets/load-dataset.ts";
import type { Dataset, EvalItem } from "../../../src/eval/types.ts";
import { ScriptedBackend } from "../../../src/testing/scripted-backend.ts";

export async function sumsSet(n: number): Promise<Dataset> {
  return loadDataset(`synthetic:sums?difficulty=3&n=${n}&seed=5`);
}

export interface TeacherTurn {
  item: EvalItem;
  /** The problem's index in the dataset. */
  problem: number;
  /** The sample's index within the request (self-consistency draws all k in one request). */
  sample: number;
  /** The prompt carries STaR's hint. */
  hinted: boolean;
}

/** A teacher writing `rule(turn)` for each sample; prompts it does not recognise get "I do not know." */
export function scriptedTeacher(
  dataset: Dataset,
  rule: (turn: TeacherTurn) => string,
  options: { id?: string } = {},
): ScriptedBackend {
  return new ScriptedBackend({
    id: options.id ?? "scripted",
    script: ({ request, sample }) => {
      const prompt =
        request.messages?.at(-1)?.content ?? (typeof request.prompt === "string" ? request.prompt : "");
      const problem = dataset.items.findIndex((item) => prompt.startsWith(item.question));
      if (problem < 0) return "I do not know.";
      return rule({ item: dataset.items[problem], problem, sample, hinted: prompt.includes("Hint:") });
    },
  });
}

/** A distinct, plainly worded trace per (problem, sample) ending in `answer`. */
export function workedTrace(turn: TeacherTurn, answer: string | number): string {
  const routes = ["left to right", "right to left", "in pairs", "largest first", "smallest first", "by tens"];
  return `Route ${turn.sample} for problem ${turn.problem}: I add the terms ${routes[turn.sample % routes.length]}, writing each partial sum (variant ${turn.sample * 7 + turn.problem}). The answer is \\boxed{${answer}}.`;
}

export function readJsonl<T = Record<string, unknown>>(dir: string, file: string): T[] {
  return readFileSync(join(dir, file), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as T);
}
