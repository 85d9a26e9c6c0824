import { gradeSync } from "../../src/grading/index.ts";
import type { ModelBackend } from "../../src/models/types.ts";
import { generateSynthetic } from "../../src/tasks/index.ts";
import type { SyntheticName } from "../../src/tasks/types.ts";

/**
 * How many of `n` fresh level-2 problems of `task` (seed 424242) `model` answers right greedily, sent
 * as chat messages — what the builtin-model tests ask of every generator.
 */
export async function easyAnswers(model: ModelBackend, task: SyntheticName, maxTokens: number, n = 20) {
  let correct = 0;
  for (const item of generateSynthetic(task, { difficulty: 2, n, seed: 424_242 })) {
    const [completion] = await model.generate({
      messages: [{ role: "user", content: item.question }],
      temperature: 0,
      maxTokens,
    });
    if (gradeSync(completion.text, `#### ${item.answer}`).correct) correct++;
  }
  return correct;
}
