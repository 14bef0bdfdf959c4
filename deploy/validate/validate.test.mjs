// Tests of the deploy/ checks themselves: a hardened workload passes, and each weakening of it is
// reported; schema errors, unknown kinds and compose mistakes are reported; the command exits 1 on
// a finding and 0 on the shipped manifests.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { composeFindings, kustomizationFindings, policyFindings, schemaFindings } from "./validate.mjs";

const here = dirname(fileURLToPath(import.meta.url));

function hardened() {
  const labels = { app: "demo" };
  const container = {
    name: "app",
    image: "registry.example.com/app:1.2.3",
    securityContext: {
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
    resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "1", memory: "128Mi" } },
    livenessProbe: { tcpSocket: { port: 8080 } },
    readinessProbe: { tcpSocket: { port: 8080 } },
    env: [{ name: "Gateway__Audit__KeyFile", value: "/etc/secrets/audit-key" }, { name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: "s", key: "k" } } }],
  };
  return [
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "demo", namespace: "site" },
      spec: {
        replicas: 3,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { automountServiceAccountToken: false, containers: [container] } },
      },
    },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "demo", namespace: "site" },
      spec: { podSelector: { matchLabels: labels }, policyTypes: ["Ingress", "Egress"] },
    },
    {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name: "demo", namespace: "site" },
      spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
    },
  ];
}

const all = (objects, options) => [...objects.flatMap(schemaFindings), ...policyFindings(objects, options)];
const container = (objects) => objects[0].spec.template.spec.containers[0];

test("a hardened workload with its network policy and disruption budget has no finding", () => {
  assert.deepEqual(all(hardened(), { site: true }), []);
});

const weakenings = [
  ["runAsNonRoot", (o) => delete container(o).securityContext.runAsNonRoot, /runAsNonRoot is not true/],
  ["runAsUser 0", (o) => (container(o).securityContext.runAsUser = 0), /runAsUser is 0/],
  ["readOnlyRootFilesystem", (o) => (container(o).securityContext.readOnlyRootFilesystem = false), /readOnlyRootFilesystem is not true/],
  ["allowPrivilegeEscalation", (o) => delete container(o).securityContext.allowPrivilegeEscalation, /allowPrivilegeEscalation is not false/],
  ["privileged", (o) => (container(o).securityContext.privileged = true), /privileged/],
  ["drop ALL", (o) => (container(o).securityContext.capabilities.drop = ["NET_RAW"]), /do not drop ALL/],
  ["added capability", (o) => (container(o).securityContext.capabilities.add = ["NET_ADMIN"]), /adds capabilities NET_ADMIN/],
  ["seccomp", (o) => delete container(o).securityContext.seccompProfile, /seccompProfile is not RuntimeDefault/],
  ["memory limit", (o) => delete container(o).resources.limits.memory, /no memory limits/],
  ["cpu request", (o) => delete container(o).resources.requests.cpu, /no cpu requests/],
  ["liveness probe", (o) => delete container(o).livenessProbe, /no livenessProbe/],
  ["readiness probe", (o) => delete container(o).readinessProbe, /no readinessProbe/],
  ["image :latest", (o) => (container(o).image = "registry.example.com/app:latest"), /is :latest/],
  ["image without tag", (o) => (container(o).image = "registry.example.com:5000/app"), /has no tag or digest/],
  ["hostNetwork", (o) => (o[0].spec.template.spec.hostNetwork = true), /hostNetwork/],
  ["hostPath", (o) => (o[0].spec.template.spec.volumes = [{ name: "h", hostPath: { path: "/" } }]), /is a hostPath/],
  ["hostPort", (o) => (container(o).ports = [{ containerPort: 80, hostPort: 80 }]), /hostPort 80/],
  ["service account token", (o) => delete o[0].spec.template.spec.automountServiceAccountToken, /automountServiceAccountToken/],
  ["literal secret", (o) => container(o).env.push({ name: "DB_PASSWORD", value: "hunter2" }), /DB_PASSWORD holds a literal secret/],
  ["no network policy", (o) => o.splice(1, 1), /no NetworkPolicy restricts its ingress/],
  ["egress unrestricted", (o) => (o[1].spec.policyTypes = ["Ingress"]), /no NetworkPolicy restricts its egress/],
  ["no disruption budget", (o) => o.splice(2, 1), /3 replicas and no PodDisruptionBudget/],
  ["Secret with values", (o) => o.push({ apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "site" }, stringData: { k: "v" } }), /a Secret with its values in the manifests/],
  ["default namespace", (o) => (o[1].metadata.namespace = "default"), /in the default namespace/],
  ["no namespace", (o) => delete o[2].metadata.namespace, /PodDisruptionBudget\/demo: no namespace/],
];

for (const [what, weaken, expected] of weakenings) {
  test(`a workload weakened by ${what} is reported`, () => {
    const objects = hardened();
    weaken(objects);
    const findings = all(objects, { site: true });
    assert.ok(findings.some((f) => expected.test(f)), `expected ${expected} in ${JSON.stringify(findings)}`);
  });
}

test("init containers are held to the same rules, probes aside", () => {
  const objects = hardened();
  objects[0].spec.template.spec.initContainers = [{ name: "init", image: "busybox:1.36", resources: container(objects).resources }];
  const findings = all(objects);
  assert.ok(findings.some((f) => /container init: readOnlyRootFilesystem/.test(f)));
  assert.ok(!findings.some((f) => /container init: no livenessProbe/.test(f)));
});

test("an object that does not match its schema is reported with the path", () => {
  const objects = hardened();
  objects[0].spec.replicas = "three";
  container(objects).resources.limits.memory = "lots";
  const findings = objects.flatMap(schemaFindings);
  assert.ok(findings.some((f) => /spec\/replicas must be integer/.test(f)), JSON.stringify(findings));
  assert.ok(findings.some((f) => /limits\/memory/.test(f)), JSON.stringify(findings));
});

test("an object of an unknown kind or apiVersion is reported, not skipped", () => {
  assert.match(schemaFindings({ apiVersion: "apps/v1", kind: "Deploymnet", metadata: { name: "x" } })[0], /no schema for apps\/v1 Deploymnet/);
  assert.match(schemaFindings({ apiVersion: "autoscaling/v9", kind: "HorizontalPodAutoscaler", metadata: { name: "x" } })[0], /no schema/);
});

test("compose: a hardened service passes, and weakened ones and unknown keys are reported", () => {
  const hardenedService = { image: "redis:7.4", read_only: true, cap_drop: ["ALL"], security_opt: ["no-new-privileges:true"] };
  assert.deepEqual(composeFindings({ services: { redis: hardenedService } }), []);
  const findings = composeFindings({
    services: {
      app: { image: "example/app", privileged: true, network_mode: "host", volumes: ["/var/run/docker.sock:/var/run/docker.sock"] },
      typo: { ...hardenedService, read_onyl: true },
    },
  });
  for (const expected of [/app: read_only is not true/, /app: cap_drop/, /app: no security_opt/, /app: privileged/, /app: shares the host/, /app: image example\/app is not pinned/, /app: mounts the host path \/var\/run\/docker.sock/, /schema: .*read_onyl/]) {
    assert.ok(findings.some((f) => expected.test(f)), `expected ${expected} in ${JSON.stringify(findings)}`);
  }
});

test("a kustomization with an insecure workload is rendered and reported", () => {
  const findings = kustomizationFindings(join(here, "fixtures", "insecure", "kubernetes", "base"));
  for (const expected of [/hostNetwork/, /is :latest/, /DB_PASSWORD holds a literal secret/, /is a hostPath/, /no NetworkPolicy/, /no PodDisruptionBudget/]) {
    assert.ok(findings.some((f) => expected.test(f)), `expected ${expected} in ${JSON.stringify(findings)}`);
  }
});

test("the command exits 1 with the findings of a deploy directory that has some", () => {
  const run = spawnSync(process.execPath, [join(here, "validate.mjs"), join(here, "fixtures", "insecure")], { encoding: "utf8" });
  assert.equal(run.status, 1, run.stdout + run.stderr);
  assert.match(run.stdout, /FAIL deploy\/kubernetes\/base/);
  assert.match(run.stdout, /FAIL deploy\/kubernetes\/redis-sentinel/);
  assert.match(run.stdout, /FAIL deploy\/docker-compose.yml/);
});

test("the shipped deploy/ has no finding", () => {
  const run = spawnSync(process.execPath, [join(here, "validate.mjs")], { encoding: "utf8" });
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /ok {3}deploy\/kubernetes\/overlays\/example/);
});
