/**
 * A cascade setup whose escalations are known exactly: two scripted models over synthetic items.
 * Small: on even items every sample gives the gold answer (agreement 1, accepted); on odd items
 * each sample gives another wrong answer (agreement 1/3 < 0.75 with 3 samples, escalated).
 * Large: always the gold answer, 4 tokens per completion.
 */
import type { Dataset } from "../../../src/eval/types.ts";
import { ScriptedBackend } from "../../../src/testing/scripted-backend.ts";

/** The index of the dataset item a request asks about. */
function itemIndex(dataset: Dataset, content: string): number {
  return dataset.items.findIndex((item) => content.includes(item.question));
}

export function cascadeBackends(dataset: Dataset, ids = { small: "small", large: "large" }) {
  const small = new ScriptedBackend({
    id: ids.small,
    script: ({ request, sample }) => {
      const i = itemIndex(dataset, request.messages?.at(-1)?.content ?? "");
      const gold = Number(dataset.items[i].gold);
      return `The answer is \\boxed{${i % 2 === 0 ? gold : gold + 1 + sample}}.`;
    },
  });
  const large = new ScriptedBackend({
    id: ids.large,
    script: ({ request }) => {
      const i = itemIndex(dataset, request.messages?.at(-1)?.content ?? "");
      return `The answer is \\boxed{${dataset.items[i].gold}}.`;
    },
  });
  return { small, large };
}
