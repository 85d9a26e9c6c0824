/**
 * STaR rationalization (Zelikman et al., 2022, arXiv:2203.14465): a problem no teacher sample solved
 * is asked again with a hint naming the gold answer, and a rationale that then reaches the answer is
 * kept as if it answered the plain question. A rationale that quotes the hint is dropped: it copied
 * the answer instead of reasoning to it, and without the hint in the question it would read as a
 * leap.
 *
 * The hinted problems are their own dataset (`hintedDataset`): items keep their ids plus
 * `starSuffix`, so they get their own seeds, cells and stored records, and a resumed run finds them.
 */
import type { Dataset, EvalItem } from "../eval/types.ts";
import { normalizeText } from "./dedupe.ts";

/** Appended to an item's id in the hinted dataset. */
export const starSuffix = "#star";

/** The sentence appended to a hinted question: `Hint: the answer is 42.` */
export function hintSentence(gold: string): string {
  return `Hint: the answer is ${gold.trim()}.`;
}

/**
 * Whether STaR can hint this item: it needs a gold answer to name. Code items are graded by their
 * tests and have none.
 */
export function canHint(item: EvalItem): boolean {
  return item.kind !== "code" && item.gold.trim() !== "";
}

/** The item with the hint after its question, under `id + starSuffix`. */
export function hintedItem(item: EvalItem): EvalItem {
  return {
    ...item,
    id: `${item.id}${starSuffix}`,
    question: `${item.question}\n\n${hintSentence(item.gold)}`,
  };
}

/** The hinted dataset of the given items: its own name, so its records never mix with the plain pass's. */
export function hintedDataset(dataset: Dataset, items: readonly EvalItem[]): Dataset {
  return {
    name: `${dataset.name} (star)`,
    spec: `${dataset.spec}${starSuffix}`,
    items: items.map(hintedItem),
  };
}

/** The original id of a hinted item's id. */
export function unhintedId(id: string): string {
  return id.endsWith(starSuffix) ? id.slice(0, -starSuffix.length) : id;
}

/**
 * Whether a rationale quotes the hint: its text contains the hint sentence (case and whitespace
 * aside, final period optional, not running on into a longer word or number).
 * `"… Hint: the answer is 42 so 42"` quotes it; `"… so 42"` and `"hint: the answer is 420"` do not.
 */
export function quotesHint(text: string, gold: string): boolean {
  const hint = normalizeText(hintSentence(gold)).toLowerCase().replace(/\.$/, "");
  const escaped = hint.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`${escaped}(?![\\p{L}\\p{N}])`, "u").test(normalizeText(text).toLowerCase());
}
