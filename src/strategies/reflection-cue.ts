/**
 * Reflection points for speculative thinking: where a step opens with a word like "Wait" or "Hmm",
 * the reasoning is about to second-guess itself (the points Yang et al., 2025, hand to the large model).
 */

export interface CueMatch {
  /** Where the step break before the cue starts. */
  index: number;
  cue: string;
}

/**
 * The first reflection point in `text`: a step break followed by a cue word ("\n\nWait,").
 * `"…so x = 3.\n\nWait, check"` → index of "\n\n", cue "Wait". The cue must end a word ("But" is not
 * "Butter"); a cue at the very end of the text counts only when the text is complete (`atEnd`), since
 * a stream may still be writing the word.
 */
export function findCue(
  text: string,
  cues: string[],
  stepBreak: string,
  atEnd: boolean,
): CueMatch | undefined {
  for (let at = text.indexOf(stepBreak); at >= 0; at = text.indexOf(stepBreak, at + 1)) {
    const after = text.slice(at + stepBreak.length).replace(/^[ \t]+/, "");
    for (const cue of cues) {
      if (!after.startsWith(cue)) continue;
      const next = after[cue.length];
      if (next === undefined ? atEnd : !/[\p{L}\p{N}_]/u.test(next)) return { index: at, cue };
    }
  }
  return undefined;
}
