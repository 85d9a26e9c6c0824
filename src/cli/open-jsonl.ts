/**
 * What `grade --jsonl` and `rewards score --jsonl` share: the input file opened (or stdin for `-`),
 * read line by line, and output lines written with back-pressure.
 */
import { once } from "node:events";
import { createReadStream } from "node:fs";
import { createInterface, type Interface } from "node:readline";
import { DeliberateError } from "../errors.ts";

/** The file's lines once it is open (a missing file is a `BAD_REQUEST` naming it), or stdin's for `-`. */
export async function openJsonlLines(path: string): Promise<Interface> {
  const input = path === "-" ? process.stdin : createReadStream(path);
  if (path !== "-") {
    await new Promise<void>((resolve, reject) => {
      input.once("open", () => resolve());
      input.once("error", (error: NodeJS.ErrnoException) =>
        reject(
          new DeliberateError("BAD_REQUEST", `cannot read \`${path}\`: ${error.code ?? error.message}`, {
            param: "jsonl",
            cause: error,
          }),
        ),
      );
    });
  }
  return createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
}

/** Writes one line to stdout, waiting when the pipe is full. */
export async function writeLine(line: string): Promise<void> {
  if (!process.stdout.write(`${line}\n`)) await once(process.stdout, "drain");
}
