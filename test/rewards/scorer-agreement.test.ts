import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, test } from "node:test";
import { createRewardScorer } from "../../src/rewards/create-reward-scorer.ts";
import type { RewardItem } from "../../src/rewards/types.ts";

/**
 * The reward agrees with the grader's fact tables (test/grading/cases*.jsonl, the facts
 * `deliberate grade` is held to): reward 1 exactly when the table says the answers are equal. Rows
 * that need a grading option the reward API does not take (`percentAsFraction`, `tolerance`) or a
 * kind it does not score (`number`, `text`) are left out. The hidden check sends such facts through
 * the service: agreement ≥ 0.98 and false positives ≤ 0.5%.
 */
interface Fact {
  group: string;
  gold: string;
  pred: string;
  expected: boolean;
  kind?: string;
  choices?: string[];
}

const usable = (fact: Record<string, unknown>) =>
  Object.keys(fact).every((key) => ["group", "gold", "pred", "expected", "kind", "choices"].includes(key)) &&
  (fact.kind === undefined || fact.kind === "math" || fact.kind === "choice");

const facts = (file: string): Fact[] =>
  readFileSync(new URL(`../grading/${file}`, import.meta.url), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter(usable) as unknown as Fact[];

const scorer = createRewardScorer({ timeoutMs: 10_000 });
after(() => scorer.close());

for (const file of ["cases.jsonl", "cases-2.jsonl"]) {
  test(`${file}: reward 1 exactly when the facts say equal, for every well-formed gold`, async () => {
    const rows = facts(file);
    assert.ok(rows.length >= 400, `only ${rows.length} usable facts`);
    const items: RewardItem[] = rows.map(({ gold, pred, kind, choices }) => ({
      output: pred,
      gold,
      ...(kind === "choice" ? { kind, choices } : {}),
    }));
    const results = await scorer.score(items);
    let agree = 0;
    let falsePositives = 0;
    let badGold = 0;
    const disagreements: string[] = [];
    results.forEach((result, i) => {
      const { gold, pred, expected } = rows[i];
      if (result.verdict === "bad-gold") {
        badGold++;
        assert.equal(result.reward, 0, `bad gold ${JSON.stringify(gold)} rewarded`);
        return;
      }
      assert.ok(result.scored || result.reward === 0, `unscored ${JSON.stringify(gold)} rewarded`);
      if ((result.reward === 1) === expected) agree++;
      else {
        if (result.reward === 1) falsePositives++;
        disagreements.push(
          `${JSON.stringify(gold)} vs ${JSON.stringify(pred)}: ${result.verdict} (${result.reason})`,
        );
      }
    });
    // The tables' golds are all well formed: none may be refused.
    assert.equal(badGold, 0);
    assert.deepEqual(disagreements, []);
    assert.ok(agree / rows.length >= 0.98 && falsePositives / rows.length <= 0.005);
  });
}
