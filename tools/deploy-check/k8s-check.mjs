// Validates the rendered kustomize overlays and the Argo CD manifests against the Kubernetes and
// Argo CD schemas (kubernetes-models, @kubernetes-models/argo-cd), then checks the rules the
// deployment promises: probes on /healthz and /readyz, non-root, read-only root filesystem, no
// privilege escalation, resources, HPA, PDB, Service, ALB Ingress, IRSA ServiceAccount, secrets
// only by reference (External Secrets from AWS Secrets Manager), immutable image tags, and Argo
// CD automated sync with prune and self-heal.
//
// Usage: node k8s-check.mjs REPO_ROOT RENDERED_DIR   (RENDERED_DIR/<overlay>.yaml from kustomize)
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseAllDocuments } from "yaml";

const [root, renderedDir] = process.argv.slice(2).map((p) => resolve(p));
const problems = [];
const problem = (where, message) => problems.push(`${where}: ${message}`);

function readDocs(path) {
  const docs = parseAllDocuments(readFileSync(path, "utf8"));
  for (const doc of docs) {
    if (doc.errors.length) problem(path, doc.errors.map((e) => e.message).join("; "));
  }
  return docs.map((d) => d.toJS()).filter((d) => d !== null);
}

// apiVersion + kind -> the model class that carries the schema.
async function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const pkg = { "argoproj.io": "@kubernetes-models/argo-cd",
    "external-secrets.io": "@kubernetes-models/external-secrets" }[group] ?? "kubernetes-models";
  const dir = group === "" ? version : `${group}/${version}`;
  const file = join(root, "tools/deploy-check/node_modules", pkg, dir, `${kind}.js`);
  if (!existsSync(file)) return null;
  return (await import(file))[kind];
}

async function validateSchema(where, doc) {
  const Model = await modelFor(doc.apiVersion ?? "", doc.kind ?? "");
  if (!Model) return problem(where, `no schema for ${doc.apiVersion} ${doc.kind}`);
  try {
    new Model(doc).validate();
  } catch (error) {
    problem(where, `schema: ${error.message}`);
  }
}

const immutableImage = /^[^:@\s]+(@sha256:[0-9a-f]{64}|:(?!latest$)[\w][\w.-]{0,127})$/;

function checkWorkload(where, docs) {
  const byKind = (kind) => docs.filter((d) => d.kind === kind);
  const [deployment] = byKind("Deployment");
  if (!deployment) return problem(where, "no Deployment");
  const pod = deployment.spec.template.spec;
  if (pod.securityContext?.runAsNonRoot !== true) problem(where, "pod may run as root");
  if (pod.automountServiceAccountToken === false) problem(where, "IRSA needs the service account token");
  const configMaps = new Map(byKind("ConfigMap").map((c) => [c.metadata.name, c]));
  for (const c of pod.containers) {
    const at = `${where} container ${c.name}`;
    if (!immutableImage.test(c.image)) problem(at, `image ${c.image} is not pinned to a tag or digest`);
    if (c.livenessProbe?.httpGet?.path !== "/healthz") problem(at, "liveness probe is not GET /healthz");
    if (c.readinessProbe?.httpGet?.path !== "/readyz") problem(at, "readiness probe is not GET /readyz");
    const sc = c.securityContext ?? {};
    if (sc.readOnlyRootFilesystem !== true) problem(at, "root filesystem writable");
    if (sc.allowPrivilegeEscalation !== false) problem(at, "privilege escalation allowed");
    if (!sc.capabilities?.drop?.includes("ALL")) problem(at, "capabilities not dropped");
    if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory || !c.resources?.limits?.memory)
      problem(at, "cpu/memory requests or memory limit missing");
    for (const env of c.env ?? []) {
      if (/PASSWORD|SECRET|API_KEYS?$/.test(env.name) && !env.valueFrom?.secretKeyRef)
        problem(at, `${env.name} is not taken from a Secret by reference`);
    }
    for (const source of c.envFrom ?? []) {
      const map = source.configMapRef && configMaps.get(source.configMapRef.name);
      if (source.configMapRef && !map) problem(at, `ConfigMap ${source.configMapRef.name} not rendered`);
      for (const [key, value] of Object.entries(map?.data ?? {})) {
        // A *_ARN names a secret the service reads with its role (IRSA); it is not one.
        if (/PASSWORD|SECRET|API_KEYS?$/.test(key) && !key.endsWith("_ARN")) problem(at, `secret ${key} in a ConfigMap`);
        if (/:\/\/[^/@\s]*:[^/@\s]*@/.test(value)) problem(at, `${key} carries credentials`);
      }
    }
  }
  if (byKind("Secret").length) problem(where, "a Secret is rendered from the repository");
  // Every Secret the pods read is made by an ExternalSecret from a store that uses the IRSA account.
  const made = new Map(byKind("ExternalSecret").map((e) => [e.spec.target?.name ?? e.metadata.name, e]));
  const stores = new Map(byKind("SecretStore").map((s) => [s.metadata.name, s]));
  for (const c of pod.containers) {
    for (const env of c.env ?? []) {
      const ref = env.valueFrom?.secretKeyRef;
      if (!ref) continue;
      const external = made.get(ref.name);
      if (!external) { problem(where, `Secret ${ref.name} is made by no ExternalSecret`); continue; }
      if (!external.spec.data?.some((d) => d.secretKey === ref.key)) problem(where, `ExternalSecret ${ref.name} has no key ${ref.key}`);
      if (JSON.stringify(external.spec).includes("REPLACED_BY_OVERLAY")) problem(where, `ExternalSecret ${ref.name} names no AWS secret`);
      // API_KEYS takes name:sha256hex digests (the service refuses anything else): the stack's
      // api-keys secret, which holds the operator's digests, never a generated value.
      if (env.name === "API_KEYS") {
        const entry = external.spec.data?.find((d) => d.secretKey === ref.key);
        if (external.spec.dataFrom || entry?.sourceRef?.generatorRef ||
            !/(^|[:/])migration-api\/[a-z]+\/api-keys(-[A-Za-z0-9]{6})?$/.test(entry?.remoteRef?.key ?? ""))
          problem(where, "API_KEYS is not synced from the stack's migration-api/<env>/api-keys secret");
      }
      const store = stores.get(external.spec.secretStoreRef?.name);
      if (!store) problem(where, `ExternalSecret ${ref.name} uses a store that is not rendered`);
      else if (store.spec.provider?.aws?.auth?.jwt?.serviceAccountRef?.name !== pod.serviceAccountName ||
               /REPLACED/.test(store.spec.provider?.aws?.region ?? "REPLACED"))
        problem(where, `SecretStore ${store.metadata.name} does not use the IRSA account in a region`);
    }
  }
  const [hpa] = byKind("HorizontalPodAutoscaler");
  if (!hpa) problem(where, "no HorizontalPodAutoscaler");
  else if (hpa.spec.minReplicas < 2 || hpa.spec.scaleTargetRef.name !== deployment.metadata.name)
    problem(where, "HPA does not keep at least 2 replicas of the Deployment");
  if (!byKind("PodDisruptionBudget").length) problem(where, "no PodDisruptionBudget");
  if (!byKind("Service").length) problem(where, "no Service");
  const [ingress] = byKind("Ingress");
  if (!ingress) problem(where, "no Ingress");
  else {
    const a = ingress.metadata.annotations ?? {};
    if (ingress.spec.ingressClassName !== "alb") problem(where, "Ingress is not for the AWS Load Balancer Controller");
    if (!/^arn:aws[\w-]*:acm:/.test(a["alb.ingress.kubernetes.io/certificate-arn"] ?? ""))
      problem(where, "Ingress has no ACM certificate");
    if (!a["alb.ingress.kubernetes.io/ssl-redirect"]) problem(where, "Ingress does not redirect HTTP to HTTPS");
    if (a["alb.ingress.kubernetes.io/healthcheck-path"] !== "/healthz") problem(where, "ALB health check is not /healthz");
  }
  const [account] = byKind("ServiceAccount");
  const role = account?.metadata?.annotations?.["eks.amazonaws.com/role-arn"] ?? "";
  if (!/^arn:aws[\w-]*:iam::\d{12}:role\//.test(role)) problem(where, "ServiceAccount has no IRSA role ARN");
  if (pod.serviceAccountName !== account?.metadata?.name) problem(where, "pods do not use the IRSA ServiceAccount");
  const namespaces = new Set(docs.map((d) => d.metadata?.namespace));
  if (namespaces.size !== 1 || namespaces.has(undefined)) problem(where, "resources not all in one namespace");
  return [...namespaces][0];
}

const overlays = new Map();
for (const file of readdirSync(renderedDir).filter((f) => f.endsWith(".yaml")).sort()) {
  const name = file.replace(/\.yaml$/, "");
  const docs = readDocs(join(renderedDir, file));
  for (const doc of docs) await validateSchema(`overlay ${name} ${doc.kind}/${doc.metadata?.name}`, doc);
  overlays.set(name, { namespace: checkWorkload(`overlay ${name}`, docs), count: docs.length });
}
if (overlays.size < 2) problem("kustomize", "expected the staging and production overlays");

let applications = 0;
for (const file of readdirSync(join(root, "argocd")).filter((f) => /\.ya?ml$/.test(f))) {
  for (const doc of readDocs(join(root, "argocd", file))) {
    const where = `argocd/${file} ${doc.kind}/${doc.metadata?.name}`;
    await validateSchema(where, doc);
    if (doc.kind !== "Application") continue;
    applications += 1;
    const sync = doc.spec.syncPolicy?.automated ?? {};
    if (sync.prune !== true || sync.selfHeal !== true) problem(where, "sync is not automated with prune and self-heal");
    const path = doc.spec.source?.path ?? "";
    if (!existsSync(join(root, path, "kustomization.yaml"))) problem(where, `source path ${path} is no kustomization`);
    const overlay = overlays.get(path.split("/").pop());
    if (!overlay) problem(where, `source path ${path} is not a checked overlay`);
    else if (overlay.namespace !== doc.spec.destination?.namespace)
      problem(where, `destination namespace ${doc.spec.destination?.namespace} differs from the overlay's ${overlay.namespace}`);
  }
}
if (applications === 0) problem("argocd", "no Application");

for (const p of problems) console.error(`k8s-check: FAIL: ${p}`);
if (!problems.length) {
  const summary = [...overlays].map(([name, o]) => `${name} (${o.count} objects, ${o.namespace})`).join(", ");
  console.log(`k8s-check: schemas and workload rules hold for ${summary} and ${applications} Argo CD applications`);
}
process.exit(problems.length ? 1 : 0);
