/**
 * The deployment files (Dockerfile, compose.yaml, deploy/k8s/, deploy/nginx/compose.conf) agree with
 * Kurz and with the README, without a container engine: what they set is a setting Kurz reads, the
 * paths they probe are routes, the command they run is the one the README documents.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { parse, parseAllDocuments } from 'yaml';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { SETTINGS_TABLE } from '../../src/config/settings.js';
import { settingsOf } from '../../src/config/setting.js';
import { createTestApp } from '../support/app.js';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const SETTING_NAMES = new Set([...settingsOf(SETTINGS_TABLE)].map((s) => s.row.name));
const defaultOf = (name: string) => [...settingsOf(SETTINGS_TABLE)].find((s) => s.row.name === name)!.row.default;

// ---- Dockerfile ----

interface Instruction { keyword: string; args: string }

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function dockerfile(): Instruction[] {
  const joined = read('Dockerfile').split('\n').filter((l) => !l.trimStart().startsWith('#')).join('\n').replace(/\\\n/g, ' ');
  return joined.split('\n').filter((l) => l.trim()).map((l) => {
    const [, keyword, args] = /^\s*(\S+)\s+(.*)$/.exec(l)!;
    return { keyword: keyword.toUpperCase(), args: args.trim() };
  });
}

/** The runtime stage: the instructions after the last FROM. */
function runtimeStage(): Instruction[] {
  const all = dockerfile();
  const last = all.map((i) => i.keyword).lastIndexOf('FROM');
  return all.slice(last);
}

const one = (stage: Instruction[], keyword: string) => {
  const found = stage.filter((i) => i.keyword === keyword);
  assert.equal(found.length, 1, `one ${keyword} in the runtime stage`);
  return found[0].args;
};

/** ENV a=b c=d (the only form the Dockerfile uses). */
function envOf(stage: Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of stage.filter((i) => i.keyword === 'ENV')) {
    for (const pair of args.split(/\s+/)) {
      const [name, ...value] = pair.split('=');
      env[name] = value.join('=');
    }
  }
  return env;
}

/** The README's section under `## heading`, up to the next `## `. */
function readmeSection(heading: string): string {
  const readme = read('README.md');
  const start = readme.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `README has a section "${heading}"`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

test('when the Dockerfile is read, then the image runs the start command the README documents, which is npm start\'s', () => {
  const stage = runtimeStage();
  const command = [...JSON.parse(one(stage, 'ENTRYPOINT')), ...JSON.parse(one(stage, 'CMD'))].join(' ');
  const section = readmeSection('Run it in a container');
  assert.ok(section.includes(`\`${command}\``), `README's container section names the image's command: ${command}`);
  const start = JSON.parse(read('package.json')).scripts.start as string;
  assert.equal(start.split('&&').at(-1)!.trim(), command, 'npm start runs what the image runs');
});

test('when the Dockerfile is read, then it exposes PORT\'s default, listens on every interface and keeps SQLite in the /data volume', () => {
  const stage = runtimeStage();
  assert.equal(one(stage, 'EXPOSE'), defaultOf('PORT'));
  const env = envOf(stage);
  assert.equal(env.HOST, '0.0.0.0');
  assert.equal(env.PORT, defaultOf('PORT'));
  assert.equal(one(stage, 'VOLUME'), '/data');
  assert.match(env.DATABASE_URL, /^sqlite:\/data\//);
  for (const name of Object.keys(env)) {
    assert.ok(SETTING_NAMES.has(name) || name === 'NODE_ENV', `${name} is a Kurz setting`);
  }
});

test('when the Dockerfile is read, then the runtime runs as the numeric non-root user the Kubernetes manifests require', () => {
  const user = one(runtimeStage(), 'USER');
  const [uid, gid] = user.split(':').map(Number);
  assert.ok(uid > 0 && gid > 0, `USER ${user} is numeric and not root`);
  for (const deployment of manifests().filter((m) => m.kind === 'Deployment')) {
    const pod = deployment.spec.template.spec.securityContext;
    assert.equal(pod.runAsNonRoot, true, deployment.metadata.name);
    assert.equal(pod.runAsUser, uid, deployment.metadata.name);
    assert.equal(pod.runAsGroup, gid, deployment.metadata.name);
  }
});

test('when the Dockerfile is read, then both stages start from the BASE argument (a base built without a registry works) and the build stage has a C++ toolchain', () => {
  const all = dockerfile();
  const froms = all.filter((i) => i.keyword === 'FROM');
  assert.equal(froms.length, 2);
  for (const from of froms) assert.match(from.args, /^\$\{BASE\} AS \w+$/);
  const args = all.filter((i) => i.keyword === 'ARG').map((i) => i.args);
  assert.ok(args.includes('BASE=node:${NODE_VERSION}-bookworm-slim'), 'the default base is Node\'s bookworm-slim');
  const build = all.slice(0, all.indexOf(froms[1]));
  const apt = build.find((i) => i.keyword === 'RUN' && i.args.includes('apt-get install'));
  for (const tool of ['python3', 'make', 'g++']) assert.ok(apt?.args.split(/\s+/).includes(tool), `the build stage installs ${tool}`);
});

test('when the Dockerfile is read, then nothing it copies from the build context is excluded by .dockerignore', () => {
  const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const copied = dockerfile().filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from')).flatMap((i) => i.args.split(/\s+/).slice(0, -1));
  assert.ok(copied.includes('src') && copied.includes('package-lock.json'));
  for (const path of copied) {
    assert.ok(existsSync(new URL(path, root)), `${path} exists`);
    assert.ok(!ignored.some((pattern) => path === pattern || path.startsWith(`${pattern}/`)), `${path} is not ignored`);
  }
});

test('when the README\'s container section is read, then its docker run publishes the exposed port and mounts the volume, and its compose command names the compose file there is', () => {
  const section = readmeSection('Run it in a container');
  const stage = runtimeStage();
  const run = section.split('\n').find((l) => l.startsWith('docker run '));
  assert.ok(run, 'a docker run line');
  assert.match(run, new RegExp(`-p \\d+:${one(stage, 'EXPOSE')}\\b`));
  assert.match(run, new RegExp(`-v [\\w-]+:${one(stage, 'VOLUME')}\\b`));
  assert.ok(section.includes('docker build -t kurz .'));
  assert.ok(section.includes('docker compose up'));
  assert.ok(section.includes('deploy/k8s/'));
  assert.ok(existsSync(new URL('compose.yaml', root)));
});

// ---- compose.yaml ----

interface ComposeService {
  build?: string; image?: string; command?: string[]; environment?: Record<string, string>;
  healthcheck?: { test: string[] }; depends_on?: Record<string, { condition: string }>; volumes?: string[];
}

const compose = () => parse(read('compose.yaml'), { merge: true }) as { services: Record<string, ComposeService>; volumes: Record<string, unknown> };
const isKurz = (service: ComposeService) => service.image === 'kurz:local';

test('when compose.yaml is read, then it runs two Kurz instances, a click worker, nginx, PostgreSQL and Redis, each with a healthcheck', () => {
  const { services } = compose();
  assert.deepEqual(Object.keys(services).sort(), ['kurz-1', 'kurz-2', 'nginx', 'postgres', 'redis', 'worker']);
  assert.deepEqual(Object.keys(services).filter((name) => isKurz(services[name])).sort(), ['kurz-1', 'kurz-2', 'worker']);
  assert.deepEqual(services.worker.command, ['worker']);
  // With a worker consuming the stream, the instances must not (CLICK_CONSUMER's meaning).
  for (const name of ['kurz-1', 'kurz-2']) assert.equal(services[name].environment?.CLICK_CONSUMER, 'off');
  for (const [name, service] of Object.entries(services)) {
    assert.ok(service.healthcheck?.test.length, `${name} has a healthcheck`);
  }
});

test('when compose.yaml is read, then every environment name a Kurz service sets is a Kurz setting, and the others set only their own', () => {
  const { services } = compose();
  for (const [name, service] of Object.entries(services)) {
    for (const variable of Object.keys(service.environment ?? {})) {
      if (isKurz(service)) assert.ok(SETTING_NAMES.has(variable), `${name}: ${variable} is a Kurz setting`);
      else assert.ok(variable.startsWith(`${name.toUpperCase()}_`), `${name}: ${variable} is ${name}'s own`);
    }
  }
});

test('when compose.yaml is read, then every service waits for healthy dependencies, and named volumes are declared', () => {
  const { services, volumes } = compose();
  for (const [name, service] of Object.entries(services)) {
    for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
      assert.ok(services[dependency], `${name} depends on ${dependency}, a service`);
      assert.equal(condition, 'service_healthy', `${name} waits for ${dependency} to be healthy`);
    }
    for (const volume of service.volumes ?? []) {
      const source = volume.split(':')[0];
      if (source.startsWith('.')) assert.ok(existsSync(new URL(source, root)), `${name} mounts ${source}, which exists`);
      else assert.ok(source in volumes, `${name}'s volume ${source} is declared`);
    }
  }
  assert.deepEqual(Object.keys(volumes).sort(), ['postgres-data', 'redis-data']);
});

test('when compose.yaml and .env.example are read, then .env.example names every variable compose.yaml takes from the environment', () => {
  const taken = new Set([...read('compose.yaml').matchAll(/\$\{(\w+)/g)].map((m) => m[1]));
  const example = new Set(read('.env.example').split('\n').filter((l) => /^\w+=/.test(l)).map((l) => l.split('=')[0]));
  assert.deepEqual([...taken].sort(), [...example].sort());
});

test('when nginx\'s compose configuration is read, then its upstream is the Kurz instances at their port', () => {
  const conf = read('deploy/nginx/compose.conf');
  const servers = [...conf.matchAll(/^\s*server\s+([\w-]+):(\d+)/gm)].map((m) => `${m[1]}:${m[2]}`);
  assert.deepEqual(servers, ['kurz-1', 'kurz-2'].map((s) => `${s}:${defaultOf('PORT')}`));
  assert.ok(compose().services.nginx.volumes?.some((v) => v.startsWith('./deploy/nginx/compose.conf:')));
});

// ---- deploy/k8s ----

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are checked by their schema below */
function manifests(): any[] {
  const dir = new URL('deploy/k8s/', root);
  return readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()
    .flatMap((f) => parseAllDocuments(readFileSync(new URL(f, dir), 'utf8')).map((d) => d.toJS()).filter(Boolean));
}

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap, 'v1/Secret': Secret, 'v1/Service': Service, 'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler, 'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

const byKind = (kind: string, name: string) => {
  const found = manifests().find((m) => m.kind === kind && m.metadata.name === name);
  assert.ok(found, `${kind} ${name}`);
  return found;
};

test('when the Kubernetes manifests are read, then each validates against its Kubernetes schema', () => {
  const all = manifests();
  for (const manifest of all) {
    const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
    assert.ok(Model, `${manifest.apiVersion} ${manifest.kind} is a known kind`);
    assert.doesNotThrow(() => new Model(manifest).validate(), `${manifest.kind} ${manifest.metadata?.name}`);
  }
  assert.deepEqual(all.map((m) => `${m.kind}/${m.metadata.name}`).sort(), [
    'ConfigMap/kurz-settings', 'Deployment/kurz', 'Deployment/kurz-worker', 'HorizontalPodAutoscaler/kurz',
    'PodDisruptionBudget/kurz', 'Secret/kurz-secrets', 'Service/kurz',
  ]);
});

test('when a manifest has a mistake, then the validator refuses it (so the test above can fail)', () => {
  const deployment = structuredClone(byKind('Deployment', 'kurz'));
  deployment.spec.template.spec.containers[0].readinessProbe.periodSeconds = 'five';
  assert.throws(() => new Deployment(deployment).validate());
});

test('when the Kubernetes Deployment is read, then readiness asks /readyz and liveness /healthz on the port Kurz listens on', () => {
  const [container] = byKind('Deployment', 'kurz').spec.template.spec.containers;
  const settings = byKind('ConfigMap', 'kurz-settings').data;
  const port = container.ports.find((p: { name: string }) => p.name === container.readinessProbe.httpGet.port);
  assert.equal(String(port.containerPort), settings.PORT ?? defaultOf('PORT'));
  assert.equal(settings.HOST, '0.0.0.0');
  assert.equal(container.readinessProbe.httpGet.path, '/readyz');
  assert.equal(container.livenessProbe.httpGet.path, '/healthz');
  assert.deepEqual(container.args, ['serve']);
  assert.deepEqual(byKind('Deployment', 'kurz-worker').spec.template.spec.containers[0].args, ['worker']);
});

test('when the Kubernetes Deployment is read, then its grace period covers the preStop wait and Kurz\'s own drain bound', () => {
  const spec = byKind('Deployment', 'kurz').spec.template.spec;
  const [, seconds] = spec.containers[0].lifecycle.preStop.exec.command;
  const drain = Number(byKind('ConfigMap', 'kurz-settings').data.SHUTDOWN_TIMEOUT_SECONDS ?? defaultOf('SHUTDOWN_TIMEOUT_SECONDS'));
  // Kurz must reach its own bound (and exit 1) before the kubelet's SIGKILL: at least 5 s to write clicks and close.
  assert.ok(spec.terminationGracePeriodSeconds >= Number(seconds) + drain + 5, `${spec.terminationGracePeriodSeconds} s`);
});

test('when the Kubernetes manifests are read, then every pod is non-root on a read-only root file system with /tmp writable', () => {
  for (const name of ['kurz', 'kurz-worker']) {
    const spec = byKind('Deployment', name).spec.template.spec;
    for (const container of spec.containers) {
      assert.equal(container.securityContext.readOnlyRootFilesystem, true, name);
      assert.equal(container.securityContext.allowPrivilegeEscalation, false, name);
      assert.deepEqual(container.securityContext.capabilities.drop, ['ALL'], name);
      // Imports stream to os.tmpdir().
      const tmp = container.volumeMounts.find((m: { mountPath: string }) => m.mountPath === '/tmp');
      assert.ok(spec.volumes.find((v: { name: string; emptyDir?: object }) => v.name === tmp?.name && v.emptyDir), `${name} has an emptyDir on /tmp`);
    }
  }
});

test('when the ConfigMap and the Secret are read, then every key is a Kurz setting and the secrets are only in the Secret', () => {
  const settings = Object.keys(byKind('ConfigMap', 'kurz-settings').data);
  const secrets = Object.keys(byKind('Secret', 'kurz-secrets').stringData);
  for (const key of [...settings, ...secrets]) assert.ok(SETTING_NAMES.has(key), `${key} is a Kurz setting`);
  assert.deepEqual(secrets.sort(), ['DATABASE_URL', 'JWT_SECRET']);
  for (const secret of ['JWT_SECRET', 'DATABASE_URL', 'METRICS_TOKEN']) assert.ok(!settings.includes(secret), `${secret} is not in the ConfigMap`);
  for (const name of ['kurz', 'kurz-worker']) {
    const [container] = byKind('Deployment', name).spec.template.spec.containers;
    assert.deepEqual(container.envFrom, [{ configMapRef: { name: 'kurz-settings' } }, { secretRef: { name: 'kurz-secrets' } }]);
  }
});

test('when the Service, autoscaler and disruption budget are read, then they select the serving pods and never let them fall to none', () => {
  const deployment = byKind('Deployment', 'kurz');
  const labels = deployment.spec.template.metadata.labels;
  const selects = (selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
  assert.ok(selects(byKind('Service', 'kurz').spec.selector));
  const pdb = byKind('PodDisruptionBudget', 'kurz').spec;
  assert.ok(selects(pdb.selector.matchLabels));
  const worker = byKind('Deployment', 'kurz-worker').spec.template.metadata.labels;
  assert.ok(!Object.entries(byKind('Service', 'kurz').spec.selector).every(([k, v]) => worker[k] === v), 'the Service does not send requests to workers');
  const hpa = byKind('HorizontalPodAutoscaler', 'kurz').spec;
  assert.deepEqual(hpa.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'kurz' });
  assert.ok(hpa.minReplicas > pdb.minAvailable, 'a node drain can always evict one pod');
});

// ---- the paths every health check asks are routes ----

test('when the paths the image, compose and Kubernetes probe are asked, then Kurz answers them 200', async () => {
  const paths = new Set<string>();
  for (const check of [one(runtimeStage(), 'HEALTHCHECK'), JSON.stringify(compose().services['kurz-1'].healthcheck)]) {
    for (const m of check.matchAll(/127\.0\.0\.1[^/]*(\/\w+)/g)) paths.add(m[1]);
  }
  const [container] = byKind('Deployment', 'kurz').spec.template.spec.containers;
  for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) paths.add(container[probe].httpGet.path);
  assert.deepEqual([...paths].sort(), ['/healthz', '/readyz']);
  const t = await createTestApp('sqlite');
  try {
    for (const url of paths) assert.equal((await t.app.inject({ url })).statusCode, 200, url);
  } finally {
    await t.close();
  }
});
