// Worker threads do not inherit a loader registered through tsx's API (bin/deliberate.js does that),
// so each worker registers tsx itself before loading the TypeScript worker body.
import { register } from "tsx/esm/api";

register();
await import("./matmul-worker.ts");
