// One garbage case (run by garbage.test.mjs in its own process): every argument position of
// one entry point gets every kind of garbage (garbage-cases.mjs, shared with the WASM package's
// Chromium test). Only TypeError and AuthError may come out; the process must not crash,
// Object.prototype must stay clean, and the module must still work. Exits 0 when all is well.
import { api } from "./module.mjs";
import { runEntry } from "./garbage-cases.mjs";

const [, , entry] = process.argv;
const problems = await runEntry(api, entry);
for (const p of problems) console.error(p);
process.exit(problems.length === 0 ? 0 : 1);
