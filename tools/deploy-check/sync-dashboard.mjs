// Keeps the CloudFormation dashboard body identical to infrastructure/monitoring/dashboard.json
// (the one file operators edit). `node sync-dashboard.mjs` rewrites the template's copy;
// `node sync-dashboard.mjs --check` fails when they differ.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const templatePath = resolve(root, "infrastructure/cloudformation/api-stack.yaml");
const dashboardPath = resolve(root, "infrastructure/monitoring/dashboard.json");

const dashboard = readFileSync(dashboardPath, "utf8").trimEnd();
JSON.parse(dashboard); // a broken dashboard fails here with the parser's message
const template = readFileSync(templatePath, "utf8");

// The body is the block scalar after "DashboardBody: !Sub" / "- |", up to the variables map.
const pattern = /( *DashboardBody: !Sub\n( *)- \|\n)([\s\S]*?)(\n\2- Region:)/;
const match = template.match(pattern);
if (!match) {
  console.error("sync-dashboard: DashboardBody block not found in api-stack.yaml");
  process.exit(1);
}
const indent = match[2] + "  ";
const body = dashboard.split("\n").map((line) => (line ? indent + line : line)).join("\n");

if (process.argv.includes("--check")) {
  if (match[3] !== body) {
    console.error("sync-dashboard: api-stack.yaml's DashboardBody differs from dashboard.json;" +
      " run: node tools/deploy-check/sync-dashboard.mjs");
    process.exit(1);
  }
  console.log("sync-dashboard: template dashboard matches dashboard.json");
} else {
  writeFileSync(templatePath, template.replace(pattern, `$1${body}$4`));
  console.log("sync-dashboard: api-stack.yaml updated");
}
