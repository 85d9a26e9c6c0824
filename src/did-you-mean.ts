/**
 * "Did you mean": the known name closest to a mistyped one, for error messages at every boundary
 * (strategy options, config keys, eval plans, builtin model and strategy names).
 *
 * ```ts
 * didYouMean("sample", ["samples", "temperature"]) // "; did you mean `samples`?"
 * didYouMean("zzz", ["samples", "temperature"])    // "; expected one of: samples, temperature"
 * ```
 */

/**
 * Edits (insert, delete, substitute, swap two neighbours) between `a` and `b`: the optimal string
 * alignment distance, so a transposition (`smaples`) costs 1 like the other typos.
 */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      }
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/**
 * The known name `input` most likely meant, or undefined when none is close: case is ignored, and a
 * name counts as close within one edit per three characters (at least one), or when `input` (3+
 * characters) is how it starts (`temp` → `temperature`).
 */
export function closestName(input: string, known: readonly string[]): string | undefined {
  const typed = input.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const lower = name.toLowerCase();
    const distance = typed.length >= 3 && lower.startsWith(typed) ? 0 : editDistance(typed, lower);
    const limit = Math.max(1, Math.floor(Math.max(typed.length, lower.length) / 3));
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** The tail of an "unknown X" message: `; did you mean \`NAME\`?`, or the known names when none is close. */
export function didYouMean(input: string, known: readonly string[]): string {
  const closest = closestName(input, known);
  if (closest !== undefined) return `; did you mean \`${closest}\`?`;
  return known.length > 0 ? `; expected one of: ${known.join(", ")}` : "";
}
