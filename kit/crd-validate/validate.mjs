// Checks prometheus-operator custom resources (monitoring.coreos.com/v1) read as a JSON array
// from stdin; prints a JSON array of {index, reason} problems (empty when all are valid).
//
// Two checks, both from @kubernetes-models/prometheus-operator (models generated from the
// operator's Go API types):
//   1. its compiled JSON-schema validator: required fields, types, enums, patterns;
//   2. TypeScript's excess-property check against the same types, because that schema allows
//      unknown fields, while `kubectl apply --validate=strict` rejects them.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const HERE = dirname(fileURLToPath(import.meta.url));
const PACKAGE = "@kubernetes-models/prometheus-operator";
const API_VERSION = "monitoring.coreos.com/v1";
const KIND = /^[A-Z][A-Za-z]+$/;

function modelPath(kind) {
  return `${PACKAGE}/${API_VERSION}/${kind}`;
}

async function schemaProblems(index, obj) {
  if (obj.apiVersion !== API_VERSION || !KIND.test(obj.kind ?? "")) {
    return [{ index, reason: `not a ${API_VERSION} kind: ${obj.apiVersion} ${obj.kind}` }];
  }
  let module;
  try {
    module = await import(modelPath(obj.kind));
  } catch {
    return [{ index, reason: `no schema for ${API_VERSION} ${obj.kind}` }];
  }
  try {
    new module[obj.kind](obj).validate();
    return [];
  } catch (error) {
    const details = (error.errors ?? [])
      .map((e) => `${e.instancePath || "/"}: ${e.message}`)
      .join("; ");
    return [{ index, reason: details || String(error.message ?? error) }];
  }
}

function typeProblems(objects, known) {
  // One object per line, so a diagnostic's line number is the object's index.
  const imports = [...new Set(known.map((i) => objects[i].kind))].map(
    (kind) => `import type { I${kind} } from "${modelPath(kind)}";`,
  );
  const lines = objects.map((obj, i) =>
    known.includes(i) ? `export const o${i}: I${obj.kind} = ${JSON.stringify(obj)};` : "",
  );
  const source = [...lines, ...imports].join("\n");
  const file = join(HERE, "__objects__.ts");
  const options = {
    noEmit: true,
    strict: true,
    skipLibCheck: true,
    types: [],
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.fileExists = (name) => name === file || ts.sys.fileExists(name);
  host.readFile = (name) => (name === file ? source : readFile(name));
  host.getSourceFile = (name, version) =>
    name === file ? ts.createSourceFile(name, source, version) : getSourceFile(name, version);
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const line = d.file ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    const text = ts.flattenDiagnosticMessageText(d.messageText, " ");
    return { index: line < objects.length ? line : -1, reason: text };
  });
}

const objects = JSON.parse(readFileSync(0, "utf8"));
const problems = [];
for (const [index, obj] of objects.entries()) {
  problems.push(...(await schemaProblems(index, obj)));
}
const known = objects.map((_, i) => i).filter((i) => !problems.some((p) => p.index === i));
if (known.length) {
  problems.push(...typeProblems(objects, known));
}
process.stdout.write(JSON.stringify(problems));
