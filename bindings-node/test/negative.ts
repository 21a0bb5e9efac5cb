// Must NOT compile (test/types.test.mjs asserts tsc reports exactly these two errors): a
// misspelt option and a misspelt data field.
declare const console: { log(...values: unknown[]): void };
import { Verifier } from "@authcore/node";

const verifier = new Verifier({ algorithms: ["HS256"], maxTokenBytez: 4096 });
const verified = verifier.verify("t");
console.log(verified.claimz);
