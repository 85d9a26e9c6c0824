/** Verifiable grading: answer extraction, normalisation and equivalence. */
export { answerKey } from "./answer-key.ts";
export { type ExtractOptions, extractAnswer } from "./extract-answer.ts";
