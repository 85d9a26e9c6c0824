// A training run in its own process, for the kill -9 test: checkpoints after every step, runs until killed.
import { runSft } from "../../../src/lab/train/sft.ts";
import { smokeOptions } from "./smoke-options.ts";

await runSft({ ...smokeOptions(process.argv[2]), maxSteps: 100_000, checkpointEverySeconds: 0 });
