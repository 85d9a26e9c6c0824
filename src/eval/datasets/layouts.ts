/**
 * Built-in record layouts: which fields hold the question and the gold answer, and how to read
 * the answer out of them (GSM8K's `#### n`, MATH's last `\boxed{}`, a choice letter).
 */
import { DeliberateError } from "../../errors.ts";
import type { TaskKind } from "../../strategies/types.ts";
import type { EvalItem } from "../types.ts";
import type { RawRecord } from "./read-records.ts";

export type LayoutName = "gsm8k" | "math" | "aime" | "choice" | "code" | "plain";
export const layoutNames: LayoutName[] = ["gsm8k", "math", "aime", "choice", "code", "plain"];

/** Where the fields are, by our name → the record's field name. Unset ones take the layout's default. */
export interface FieldMapping {
  id?: string;
  question?: string;
  answer?: string;
  /** MATH: the worked solution holding `\boxed{}`. */
  solution?: string;
  choices?: string;
  tests?: string;
  difficulty?: string;
  category?: string;
}

const defaults: Record<LayoutName, Required<FieldMapping>> = {
  gsm8k: base("question", "answer"),
  math: { ...base("problem", "answer"), difficulty: "level", category: "type" },
  aime: base("problem", "answer"),
  choice: base("question", "answer"),
  code: base("prompt", "answer"),
  plain: base("question", "answer"),
};

function base(question: string, answer: string): Required<FieldMapping> {
  return {
    id: "id",
    question,
    answer,
    solution: "solution",
    choices: "choices",
    tests: "tests",
    difficulty: "difficulty",
    category: "category",
  };
}

/** Guesses the layout from the first record's fields. */
export function detectLayout(fields: Record<string, unknown>): LayoutName {
  const has = (name: string) => fields[name] !== undefined && fields[name] !== null;
  if (has("choices") || has("options")) return "choice";
  if (has("prompt") && has("tests")) return "code";
  if (has("problem") && has("solution")) return "math";
  if (has("problem") && has("answer")) return "aime";
  if (has("question") && typeof fields.answer === "string" && fields.answer.includes("####")) return "gsm8k";
  return "plain";
}

/** The content of the last `\boxed{...}` (or `\fbox{...}`), braces balanced. */
export function lastBoxed(text: string): string | null {
  const at = Math.max(text.lastIndexOf("\\boxed"), text.lastIndexOf("\\fbox"));
  if (at < 0) return null;
  const open = text.indexOf("{", at);
  if (open < 0) return null;
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) return text.slice(open + 1, i).trim();
  }
  return null;
}

const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/**
 * A plain record's own `kind` (distill's JSONL rows carry one): `math` or `text`; choice and code
 * problems need their own layouts (choices, tests). Default `math`.
 */
function plainKind(value: unknown, at: string): TaskKind {
  if (value === undefined || value === null) return "math";
  if (value === "math" || value === "text") return value;
  throw new DeliberateError(
    "BAD_REQUEST",
    `${at}: field \`kind\` of a plain record must be \`math\` or \`text\` (got ${JSON.stringify(value)}); choice and code problems need the choice or code layout`,
    { param: "kind" },
  );
}

function stringField(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

export interface ToItemContext {
  path: string;
  /** Used for ids when the record has none: `NAME-INDEX`. */
  name: string;
  index: number;
  layout: LayoutName;
  fields?: FieldMapping;
  /** The task kind for `plain` records, over each record's own `kind`. Default: the record's, else `math`. */
  kind?: TaskKind;
}

/** Turns one raw record into an item; a missing or malformed field names the file and line. */
export function toItem(record: RawRecord, context: ToItemContext): EvalItem {
  const { path, layout } = context;
  const map = { ...defaults[layout], ...context.fields };
  const at = `${path}:${record.line}`;
  const get = (name: keyof FieldMapping): unknown => record.fields[map[name]];
  const text = (name: keyof FieldMapping, required: boolean): string | undefined => {
    const value = get(name);
    if (value === undefined || value === null || value === "") {
      if (!required) return undefined;
      throw new DeliberateError("BAD_REQUEST", `${at}: missing field \`${map[name]}\` (${layout} layout)`, {
        param: map[name],
      });
    }
    if (typeof value === "string") return value;
    if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean")
      return String(value);
    throw new DeliberateError(
      "BAD_REQUEST",
      `${at}: field \`${map[name]}\` should be text, got ${typeof value}`,
    );
  };
  const question =
    text("question", false) ??
    (layout === "aime" ? (record.fields.question as string | undefined) : undefined);
  if (!question) text("question", true);
  const id = text("id", false) ?? `${context.name}-${context.index}`;
  const difficultyText = text("difficulty", false);
  const difficultyNumber = difficultyText ? Number(/\d+/.exec(difficultyText)?.[0]) : Number.NaN;
  const common: Pick<EvalItem, "id" | "question" | "difficulty" | "category"> = {
    id,
    question: question!,
    ...(Number.isFinite(difficultyNumber) ? { difficulty: difficultyNumber } : {}),
  };
  // MATH uses `type`, MATH-500 `subject`.
  const category =
    text("category", false) ?? (layout === "math" ? stringField(record.fields.subject) : undefined);
  if (category) Object.assign(common, { category });

  switch (layout) {
    case "gsm8k": {
      const answer = text("answer", true)!;
      const hashes = answer.lastIndexOf("####");
      if (hashes < 0) throw new DeliberateError("BAD_REQUEST", `${at}: GSM8K answer without \`#### n\``);
      const gold = answer
        .slice(hashes + 4)
        .trim()
        .replace(/,/g, "");
      return { ...common, gold, kind: "math", meta: { solution: answer.slice(0, hashes).trim() } };
    }
    case "math": {
      const solution = text("solution", false);
      const gold = text("answer", false) ?? (solution ? lastBoxed(solution) : null);
      if (!gold) {
        throw new DeliberateError(
          "BAD_REQUEST",
          `${at}: MATH record needs \`${map.answer}\` or a \\boxed{} answer in \`${map.solution}\``,
        );
      }
      return { ...common, gold, kind: "math", ...(solution ? { meta: { solution } } : {}) };
    }
    case "aime":
      return { ...common, gold: text("answer", true)!, kind: "math" };
    case "plain":
      return {
        ...common,
        gold: text("answer", true)!,
        kind: context.kind ?? plainKind(record.fields.kind, at),
      };
    case "choice": {
      const choices = readChoices(record.fields[map.choices] ?? record.fields.options, at, map.choices);
      const answer = text("answer", false) ?? (record.fields.answerKey as string | undefined);
      if (answer === undefined) text("answer", true);
      return { ...common, gold: choiceLetter(String(answer), choices, at), kind: "choice", choices };
    }
    case "code": {
      const raw = get("tests");
      const code = Array.isArray(raw) ? raw.map(String).join("\n") : text("tests", true)!;
      const language = record.fields.language === "python" ? "python" : "javascript";
      return { ...common, gold: text("answer", false) ?? "", kind: "code", tests: { language, code } };
    }
    default:
      return layout satisfies never;
  }
}

/** Choices as an array, an ARC-style `{text: [...]}`, a JSON string or `a|b|c`. */
function readChoices(value: unknown, at: string, field: string): string[] {
  let list: unknown = value;
  if (typeof value === "string") {
    const trimmed = value.trim();
    if (trimmed.startsWith("[")) {
      try {
        list = JSON.parse(trimmed);
      } catch {
        list = undefined;
      }
    } else list = trimmed.split("|").map((s) => s.trim());
  } else if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    list = (value as Record<string, unknown>).text;
  }
  if (!Array.isArray(list) || list.length < 2) {
    throw new DeliberateError("BAD_REQUEST", `${at}: field \`${field}\` should hold two or more choices`, {
      param: field,
    });
  }
  return list.map(String);
}

/** The gold as a letter: from a letter, a 0-based index, or the choice's own text. */
function choiceLetter(answer: string, choices: string[], at: string): string {
  const trimmed = answer.trim();
  if (/^[A-Z]$/i.test(trimmed) && letters.indexOf(trimmed.toUpperCase()) < choices.length)
    return trimmed.toUpperCase();
  // The choice's text before an index: with choices ["2", "4", "6"], "2" means A.
  const byText = choices.findIndex((c) => c.trim().toLowerCase() === trimmed.toLowerCase());
  if (byText >= 0) return letters[byText];
  if (/^\d+$/.test(trimmed) && Number(trimmed) < choices.length) return letters[Number(trimmed)];
  throw new DeliberateError(
    "BAD_REQUEST",
    `${at}: answer \`${answer}\` is not one of the ${choices.length} choices`,
  );
}
