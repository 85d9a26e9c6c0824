/** Verifiable grading: answer extraction, normalisation and equivalence. */
export { answerKey, keyOfAnswer } from "./answer-key.ts";
export { type CompareOptions, type CompareResult, compareMath } from "./compare-math.ts";
export { type ExtractOptions, extractAnswer } from "./extract-answer.ts";
export { closeSharedGradePool, type GradeCallOptions, grade } from "./grade.ts";
export { gradeSync } from "./grade-sync.ts";
export { normalizeAnswer } from "./normalize-answer.ts";
export { ParseError, type ParseOptions, parseMath } from "./parse-math.ts";
export { GradePool, type GradePoolOptions } from "./pool.ts";
