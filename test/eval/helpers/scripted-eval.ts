/**
 * A deterministic eval setup shared by the runner tests and the kill-and-resume child: synthetic
 * arithmetic items and a ScriptedBackend that answers each question right with probability 0.6
 * per sample (seeded by the sample's seed), wrong otherwise.
 */
import { loadDataset } from "../../../src/eval/datasets/load-dataset.ts";
import type { Dataset } from "../../../src/eval/types.ts";
import { ScriptedBackend, type ScriptedBackendOptions } from "../../../src/testing/scripted-backend.ts";

export async function arithmeticSet(n: number): Promise<Dataset> {
  return loadDataset(`synthetic:arithmetic?difficulty=2&n=${n}&seed=3`);
}

export function answeringBackend(dataset: Dataset, options: ScriptedBackendOptions = {}): ScriptedBackend {
  const gold = new Map(dataset.items.map((item) => [item.question, item.gold]));
  return new ScriptedBackend({
    id: "scripted",
    ...options,
    script: ({ request, random }) => {
      const question = request.messages?.at(-1)?.content ?? "";
      const answer = [...gold.entries()].find(([q]) => question.includes(q))?.[1];
      if (answer === undefined) return "I do not know.";
      const value = random() < 0.6 ? answer : String(Number(answer) + 1 + Math.floor(random() * 2));
      return `Let me work it out. The answer is \\boxed{${value}}.`;
    },
  });
}
