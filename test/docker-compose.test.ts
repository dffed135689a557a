/**
 * The container definitions, checked without a Docker engine (none runs here; users build and run the image):
 * - the Dockerfile, parsed here: its stages, the lockfile copied before `npm ci`, production dependencies only in
 *   the runtime stage (and every package the runtime code imports is one), a non-root user, `viewership` as the
 *   entry point, a health check for `serve`, no secret baked in; hadolint too when it is on the PATH;
 * - .dockerignore: local service data and secrets, generated data and installed packages stay out of the context;
 * - docker-compose.yml, rendered by the Compose client (which validates it against its schema): the app services
 *   run the built image, address the infrastructure by compose service name, take secrets from the environment
 *   only, and start after their dependencies are healthy (or, for one-shots, done).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, posix } from 'node:path';
import { Script } from 'node:vm';
import type { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { program } from '../cli/main.js';
import { describeConfig, ROOT_DIR } from '../lib/config.js';
import { QUEUE_ROLES } from '../workers/run.js';

const read = (file: string) => readFileSync(join(ROOT_DIR, file), 'utf8');
const pkg = JSON.parse(read('package.json')) as {
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
/** Every variable the app's configuration knows. */
const CONFIG_VARIABLES = new Set(describeConfig().map((v) => v.name));
/** Variables read outside the config schema (lib/config.ts: where `.services/` lives). */
const OTHER_APP_VARIABLES = new Set(['NODE_ENV', 'VIEWERSHIP_SERVICES_DIR']);
const SECRET_NAME = /PASSWORD|PASSWD|PWD|SECRET|TOKEN|CREDENTIAL|PRIVATE|API_?KEY/i;

// ---------------------------------------------------------------------------------------------- Dockerfile parsing

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}
interface Stage {
  name?: string;
  image: string;
  instructions: Instruction[];
}

/**
 * The Dockerfile as stages of instructions: comment lines dropped, `\` line continuations joined (the default
 * escape character), `${ARG}` in FROM resolved from the global ARG defaults.
 */
function parseDockerfile(text: string): { args: Record<string, string>; stages: Stage[] } {
  const logical: Instruction[] = [];
  let current: Instruction | undefined;
  text.split('\n').forEach((raw, i) => {
    if (/^\s*#/.test(raw) || (!current && !raw.trim())) return;
    const continued = /\\\s*$/.test(raw);
    const body = continued ? raw.replace(/\\\s*$/, '') : raw;
    if (current) current.args += body;
    else {
      const m = /^\s*(\w+)\s*(.*)$/.exec(body);
      if (!m) throw new Error(`Dockerfile line ${i + 1}: cannot parse ${JSON.stringify(raw)}`);
      current = { keyword: m[1]!.toUpperCase(), args: m[2]!, line: i + 1 };
    }
    if (!continued) {
      logical.push({ ...current, args: current.args.trim() });
      current = undefined;
    }
  });
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const ins of logical) {
    if (ins.keyword === 'FROM') {
      const words = ins.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const image = words[0]!.replace(
        /\$\{(\w+)\}|\$(\w+)/g,
        (_, a: string | undefined, b: string | undefined) => args[(a ?? b)!] ?? '',
      );
      stages.push({ image, name: words[1]?.toUpperCase() === 'AS' ? words[2] : undefined, instructions: [] });
    } else if (stages.length === 0) {
      if (ins.keyword !== 'ARG')
        throw new Error(`Dockerfile line ${ins.line}: only ARG may come before the first FROM`);
      const [name, value] = ins.args.split('=', 2);
      args[name!] = value ?? '';
    } else stages.at(-1)!.instructions.push(ins);
  }
  return { args, stages };
}

/** The arguments of an exec-form (JSON array) instruction, or undefined for the shell form. */
function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(args);
  return Array.isArray(parsed) && parsed.every((x) => typeof x === 'string') ? parsed : undefined;
}

/** A COPY's flags (`--from=deps` → { from: 'deps' }), sources and destination. */
function copyParts(args: string): { flags: Record<string, string>; sources: string[]; dest: string } {
  const words = execForm(args) ?? args.split(/\s+/);
  const flags = Object.fromEntries(
    words.filter((w) => w.startsWith('--')).map((w) => w.slice(2).split('=', 2) as [string, string]),
  );
  const paths = words.filter((w) => !w.startsWith('--'));
  return { flags, sources: paths.slice(0, -1), dest: paths.at(-1)! };
}

/** ENV/ARG instruction → the variable names it sets (`ENV A=1 B=2`, legacy `ENV A 1`). */
function variablesSet(ins: Instruction): string[] {
  if (!/=/.test(ins.args.split(/\s+/)[0]!)) return [ins.args.split(/\s+/)[0]!];
  return [...ins.args.matchAll(/(?:^|\s)([A-Za-z_][A-Za-z0-9_.-]*)=/g)].map((m) => m[1]!);
}

const runs = (stage: Stage) => stage.instructions.filter((i) => i.keyword === 'RUN');
const npmCiIndex = (stage: Stage) =>
  stage.instructions.findIndex((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args));

/** Whether `path` (relative, `/`-separated) is left out of the build context: Docker's .dockerignore matching. */
function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = posix.normalize((negate ? l.slice(1) : l).trim()).replace(/^\/+|\/+$/g, '');
      const source = pattern
        .split(/(\*\*\/|\*\*|\*|\?)/)
        .map(
          (part) =>
            ({ '**/': '(?:.*/)?', '**': '.*', '*': '[^/]*', '?': '[^/]' })[part] ??
            part.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
        )
        .join('');
      return { negate, re: new RegExp(`^${source}$`) };
    });
  // A path is excluded when the last rule matching it, or one of its parent directories, excludes it.
  return (path) => {
    const parts = path.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      let excluded = false;
      for (const r of rules) if (r.re.test(prefix)) excluded = !r.negate;
      if (excluded) return true;
    }
    return false;
  };
}

/** Source files under `dir` (recursively), skipping installed packages and dot directories. */
function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT_DIR, dir)).flatMap((name) => {
    const rel = `${dir}/${name}`;
    if (name === 'node_modules' || name.startsWith('.')) return [];
    if (statSync(join(ROOT_DIR, rel)).isDirectory()) return sourceFiles(rel);
    return /\.(ts|mts|cts|js|mjs|cjs)$/.test(name) ? [rel] : [];
  });
}

/** npm package names a source file loads at run time (type-only imports are erased; built-ins and relative paths skipped). */
function runtimePackages(source: string): string[] {
  const specifiers = [
    ...[...source.matchAll(/^\s*(?:import|export)\s+(?!type\s)[^'";]*?\bfrom\s*['"]([^'"]+)['"]/gm)].map((m) => m[1]!),
    ...[...source.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm)].map((m) => m[1]!),
    ...[...source.matchAll(/\b(?:import|require(?:\.resolve)?)\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!),
  ];
  const builtins = new Set(builtinModules);
  return [
    ...new Set(
      specifiers
        .filter(
          (s) => !s.startsWith('.') && !s.startsWith('/') && !s.startsWith('node:') && !builtins.has(s.split('/')[0]!),
        )
        .map((s) =>
          s
            .split('/')
            .slice(0, s.startsWith('@') ? 2 : 1)
            .join('/'),
        ),
    ),
  ];
}

const dockerfile = parseDockerfile(read('Dockerfile'));
const runtime = dockerfile.stages.at(-1)!;
const stageNamed = (name: string) => dockerfile.stages.find((s) => s.name === name);
const runtimeOf = (keyword: string) => runtime.instructions.filter((i) => i.keyword === keyword);
const isIgnored = dockerignore(read('.dockerignore'));

describe('Dockerfile', () => {
  it('has several stages, each from a pinned glibc Node 20 image', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    expect(runtime.name).toBe('runtime');
    for (const s of dockerfile.stages) {
      expect(s.image, `FROM of stage ${s.name}`).toMatch(/^node:20(\.\d+)*-[a-z0-9.-]+$/);
      // Alpine is musl: the Temporal core bridge and DuckDB ship glibc builds.
      expect(s.image).not.toMatch(/alpine|latest/);
    }
  });

  it('installs the locked dependencies with npm ci, the lockfile copied first and the sources after', () => {
    const installing = dockerfile.stages.filter((s) => npmCiIndex(s) >= 0);
    expect(installing.length).toBeGreaterThan(0);
    for (const s of installing) {
      const before = s.instructions
        .slice(0, npmCiIndex(s))
        .filter((i) => i.keyword === 'COPY')
        .map((i) => copyParts(i.args));
      expect(
        before.some((c) => c.sources.includes('package-lock.json') && c.sources.includes('package.json')),
        `stage ${s.name}: package.json and package-lock.json copied before npm ci`,
      ).toBe(true);
      // Only the manifests before npm ci: a source change must not invalidate the dependency layer.
      expect(before.flatMap((c) => c.sources)).toEqual(expect.arrayContaining(['package.json', 'package-lock.json']));
      expect(
        before.flatMap((c) => c.sources).filter((src) => !/^package(-lock)?\.json$/.test(src)),
        `stage ${s.name}: nothing else before npm ci`,
      ).toEqual([]);
    }
    for (const s of dockerfile.stages)
      for (const r of runs(s))
        expect(r.args, `line ${r.line}`).not.toMatch(/\bnpm (install|i)\b|\byarn\b|--no-package-lock/);
  });

  it('ships production dependencies only: the runtime copies node_modules from a `npm ci --omit=dev` stage', () => {
    expect(
      runs(runtime).some((r) => /\bnpm\b/.test(r.args)),
      'no npm install in the runtime stage',
    ).toBe(false);
    const copies = runtimeOf('COPY')
      .map((i) => copyParts(i.args))
      .filter((c) => c.flags.from);
    const modules = copies.filter((c) => c.sources.some((src) => /node_modules\/?$/.test(src)));
    expect(modules).toHaveLength(1);
    const deps = stageNamed(modules[0]!.flags.from!)!;
    expect(
      deps.instructions[npmCiIndex(deps)]?.args,
      `stage ${deps.name} installs production dependencies only`,
    ).toMatch(/npm ci\b.*--omit=dev/);
    // Any other stage copied in whole ran a full npm ci: it must drop its node_modules in the layer that is copied.
    for (const c of copies.filter((x) => !modules.includes(x))) {
      const from = stageNamed(c.flags.from!)!;
      if (npmCiIndex(from) >= 0 && !/--omit=dev/.test(from.instructions[npmCiIndex(from)]!.args)) {
        expect(
          runs(from).at(-1)!.args,
          `stage ${from.name} removes its dev node_modules before the runtime copies it`,
        ).toMatch(/rm -rf (\S+ )*node_modules\b/);
      }
    }
  });

  it('needs only production dependencies at run time: every package the app imports is in "dependencies"', () => {
    // What the image runs: every top-level source directory except tests and tooling (removed by the build stage).
    const removed = /rm -rf ([^&]*)/.exec(runs(stageNamed('build')!).at(-1)!.args)![1]!.split(/\s+/);
    const dirs = readdirSync(ROOT_DIR).filter(
      (d) =>
        !d.startsWith('.') &&
        d !== 'node_modules' &&
        !removed.includes(d) &&
        statSync(join(ROOT_DIR, d)).isDirectory() &&
        !isIgnored(d),
    );
    expect(dirs).toEqual(expect.arrayContaining(['bin', 'cli', 'lib', 'workers', 'workflows']));
    const files = dirs.flatMap(sourceFiles).filter((f) => !/\.test\.ts$/.test(f));
    const used = new Map<string, string>();
    for (const f of files) for (const p of runtimePackages(readFileSync(join(ROOT_DIR, f), 'utf8'))) used.set(p, f);
    expect(used.has('tsx') && used.has('@temporalio/worker'), 'the scan finds imports').toBe(true);
    const missing = [...used]
      .filter(([p]) => !(p in pkg.dependencies))
      .map(([p, f]) => `${p} (${f}${p in pkg.devDependencies ? ', a devDependency' : ''})`);
    expect(missing, 'packages the runtime imports that `npm ci --omit=dev` does not install').toEqual([]);
  });

  it('runs as a non-root user', () => {
    const users = runtimeOf('USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users.at(-1)!.args.split(':')[0]!;
    expect(['root', '0', '']).not.toContain(user);
    // Nothing runs after the switch back as root, and the entry point runs as that user.
    const last = runtime.instructions.indexOf(users.at(-1)!);
    expect(runtime.instructions.slice(last).some((i) => i.keyword === 'RUN')).toBe(false);
    expect(runtime.instructions.findIndex((i) => i.keyword === 'ENTRYPOINT')).toBeGreaterThan(last);
  });

  it('starts the viewership CLI (bin/viewership.mjs), serve on the configured port with a health check', () => {
    const entry = execForm(runtimeOf('ENTRYPOINT').at(-1)!.args);
    expect(entry, 'ENTRYPOINT in exec form (signals reach node)').toBeDefined();
    expect(entry![0]).toBe('node');
    expect(entry![1]).toMatch(new RegExp(`/${pkg.bin.viewership!.replace('.', '\\.')}$`));
    expect(existsSync(join(ROOT_DIR, pkg.bin.viewership!))).toBe(true);
    const env = Object.fromEntries(
      runtimeOf('ENV').flatMap((i) => [...i.args.matchAll(/([A-Z_]+)=(\S+)/g)].map((m) => [m[1]!, m[2]!])),
    );
    const port = describeConfig().find((v) => v.name === 'SERVE_PORT')!.default;
    expect(env.SERVE_PORT ?? String(port)).toBe(String(port));
    expect(runtimeOf('EXPOSE').flatMap((i) => i.args.split(/\s+/))).toContain(String(port));
    expect(env.SERVE_HOST, 'serve binds beyond the container loopback, else no published port reaches it').toBe(
      '0.0.0.0',
    );
    const health = runtimeOf('HEALTHCHECK');
    expect(health).toHaveLength(1);
    const test = execForm(health[0]!.args.replace(/^(--\S+\s+)*CMD\s+/, ''));
    expect(test?.slice(0, 2)).toEqual(['node', '-e']);
    const script = test![2]!;
    expect(script).toMatch(/'serve'/);
    expect(script).toMatch(/SERVE_PORT/);
    expect(() => new Script(script), 'the health check script compiles').not.toThrow();
  });

  it('bakes in no secret and sets only variables the app knows', () => {
    for (const s of dockerfile.stages) {
      for (const ins of s.instructions.filter((i) => i.keyword === 'ENV' || i.keyword === 'ARG')) {
        for (const name of variablesSet(ins)) {
          expect(name, `line ${ins.line}`).not.toMatch(SECRET_NAME);
          if (ins.keyword === 'ENV')
            expect(
              CONFIG_VARIABLES.has(name) || OTHER_APP_VARIABLES.has(name),
              `${name} (line ${ins.line}) is a config variable`,
            ).toBe(true);
        }
      }
      for (const c of s.instructions.filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD')) {
        expect(copyParts(c.args).sources.join(' '), `line ${c.line}`).not.toMatch(/\.services|\.env\b|secrets/);
        expect(c.args, `line ${c.line}: no secret mounts baked into a layer`).not.toMatch(/--chmod=.*secret/);
      }
    }
    expect(Object.keys(dockerfile.args).filter((a) => SECRET_NAME.test(a))).toEqual([]);
  });

  it.runIf(spawnSync('hadolint', ['--version']).status === 0)('passes hadolint', () => {
    const r = spawnSync('hadolint', ['--no-color', join(ROOT_DIR, 'Dockerfile')], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('.dockerignore', () => {
  it('keeps local service data and secrets, generated data, test output and installed packages out of the build context', () => {
    for (const path of [
      '.services/secrets.env',
      '.services/data/postgres/PG_VERSION',
      '.services/logs/clients.log',
      'node_modules/tsx/package.json',
      '.data/lake/x.parquet',
      '.data/landing/2024-09-13/a.csv',
      'test-artifacts/dashboard.png',
      '.bench-cache/a',
      '.git/HEAD',
      '.env',
      'lib/.env',
      'local.env',
    ]) {
      expect(isIgnored(path), path).toBe(true);
    }
  });

  it('keeps what the build needs: the manifests and every directory the typecheck reads', () => {
    const tsconfig = JSON.parse(read('tsconfig.json')) as { include: string[] };
    const dirs = tsconfig.include.filter((d) => !d.includes('*') && existsSync(join(ROOT_DIR, d)));
    for (const path of [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      pkg.bin.viewership!,
      'reference',
      ...dirs.map((d) => `${d}/x.ts`),
    ]) {
      expect(isIgnored(path), path).toBe(false);
    }
  });
});

// -------------------------------------------------------------------------------------------------- Compose file

/** First Compose client found: the v2 plugin (`docker compose`) or Debian's v1 `docker-compose`. */
function composeCommand(): string[] | undefined {
  if (spawnSync('docker', ['compose', 'version']).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version']).status === 0) return ['docker-compose'];
  return undefined;
}

const compose = composeCommand();
if (!compose)
  console.warn(
    '[docker-compose] no Compose client on this machine: `npm test` installs Debian docker-compose when root',
  );

type Service = {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string | number | null>;
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { test?: string[] | string; disable?: boolean };
  ports?: (string | { host_ip?: string; target?: number | string; published?: number | string })[];
  profiles?: string[];
  restart?: string;
};
type ComposeModel = { services: Record<string, Service> };

/**
 * The Compose model as the client renders it (anchors merged, defaults applied), every profile active. The v2
 * client prints JSON; v1 prints YAML, read here with the PyYAML that v1 itself runs on (its own interpreter).
 */
function render(env: NodeJS.ProcessEnv, extra: string[] = []): ComposeModel {
  const [cmd, ...pre] = compose!;
  const v2 = cmd === 'docker';
  const out = execFileSync(
    cmd!,
    [...pre, '--profile', 'tools', 'config', ...extra, ...(v2 ? ['--format', 'json'] : [])],
    { cwd: ROOT_DIR, env, encoding: 'utf8' },
  );
  if (v2) return JSON.parse(out) as ComposeModel;
  const path = execFileSync('sh', ['-c', 'command -v docker-compose'], { encoding: 'utf8' }).trim();
  const [python, ...args] = readFileSync(path, 'utf8')
    .split('\n')[0]!
    .replace(/^#!\s*/, '')
    .split(/\s+/);
  const json = execFileSync(
    python!,
    [...args, '-c', 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'],
    { input: out, encoding: 'utf8' },
  );
  return JSON.parse(json) as ComposeModel;
}

/** Every leaf command path of the CLI (`stream start`). */
function commandPaths(cmd: Command, path: string[] = []): string[] {
  return cmd.commands.flatMap((c) => [[...path, c.name()].join(' '), ...commandPaths(c, [...path, c.name()])]);
}

const words = (x: string[] | string | undefined) => (Array.isArray(x) ? x : (x ?? '').split(/\s+/).filter(Boolean));
const APP_SERVICES = ['setup', 'worker-batch', 'worker-stream', 'stream-start', 'serve'];
/** The infrastructure every app service needs, by compose service name. */
const INFRASTRUCTURE = ['temporal', 'kafka', 'postgresql', 'elasticsearch'];

describe.runIf(compose)('docker-compose.yml', () => {
  const [cmd, ...pre] = compose!;
  const secrets = { PROFILES_PG_PASSWORD: 'pg-sentinel-from-env', ORACLE_PASSWORD: 'oracle-sentinel-from-env' };
  const env: NodeJS.ProcessEnv = { ...process.env, ...secrets };
  delete env.SERVE_AUTH_TOKEN;
  let services: Record<string, Service> = {};
  let app: [string, Service][] = [];
  beforeAll(() => {
    services = render(env).services;
    app = Object.entries(services).filter(([, s]) => s.build);
  });

  it('parses and declares the infrastructure and the app services', () => {
    const names = execFileSync(cmd!, [...pre, 'config', '--services'], { cwd: ROOT_DIR, env, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
    expect(names).toEqual(
      expect.arrayContaining([
        'temporal',
        'temporal-ui',
        'kafka',
        'elasticsearch',
        'kibana',
        'oracle',
        'postgresql',
        ...APP_SERVICES,
      ]),
    );
  });

  it('refuses to render without the secrets, naming the missing one', () => {
    const bare = { ...process.env };
    delete bare.PROFILES_PG_PASSWORD;
    delete bare.ORACLE_PASSWORD;
    const r = spawnSync(cmd!, [...pre, 'config', '-q'], { cwd: ROOT_DIR, env: bare, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/PROFILES_PG_PASSWORD|ORACLE_PASSWORD/);
  });

  it('runs every app service from the image the Dockerfile builds, each a real viewership command', () => {
    expect(app.map(([n]) => n)).toEqual(expect.arrayContaining(APP_SERVICES));
    const images = new Set(app.map(([, s]) => s.image));
    expect(images.size, 'one image for all app services').toBe(1);
    const paths = new Set(commandPaths(program));
    for (const [name, s] of app) {
      const build = typeof s.build === 'string' ? { context: s.build } : s.build!;
      expect(build.context?.replace(/\/$/, ''), `${name}: built from the repository root`).toBe(ROOT_DIR);
      expect(build.dockerfile ?? 'Dockerfile').toBe('Dockerfile');
      expect(s.entrypoint, `${name}: the image's ENTRYPOINT (viewership) stays`).toBeUndefined();
      const argv = words(s.command);
      const path = argv
        .filter((w) => !w.startsWith('-'))
        .slice(0, 2)
        .join(' ');
      expect(
        paths.has(path) || paths.has(argv[0]!) || argv[0] === '--help',
        `${name}: \`viewership ${argv.join(' ')}\` is a CLI command`,
      ).toBe(true);
    }
    expect(words(services['worker-batch']!.command)).toEqual(['worker', '--queue', 'batch']);
    expect(words(services['worker-stream']!.command)).toEqual(['worker', '--queue', 'stream']);
    expect(QUEUE_ROLES).toEqual(expect.arrayContaining(['batch', 'stream']));
    expect(words(services['stream-start']!.command)).toEqual(['stream', 'start']);
    expect(words(services.setup!.command)).toEqual(['setup']);
    expect(words(services.serve!.command)).toEqual(['serve']);
    // Long-running app services restart; one-shots do not.
    for (const n of ['worker-batch', 'worker-stream', 'serve'])
      expect(services[n]!.restart).toMatch(/always|unless-stopped|on-failure/);
    for (const n of ['setup', 'stream-start']) expect(services[n]!.restart ?? 'no').toBe('no');
  });

  it('points the app at the infrastructure by compose service name, with variables the app knows', () => {
    const hostOf = (address: string) => address.replace(/^\w+:\/\//, '').split(/[:/]/)[0]!;
    const kafkaAdvertised = String(services.kafka!.environment!.KAFKA_ADVERTISED_LISTENERS);
    for (const [name, s] of app) {
      const e = Object.fromEntries(
        Object.entries(s.environment ?? {}).map(([k, v]) => [k, v === null ? null : String(v)]),
      );
      for (const key of Object.keys(e))
        expect(CONFIG_VARIABLES.has(key), `${name}: ${key} is a config variable`).toBe(true);
      expect(e.TEMPORAL_ADDRESS, name).toBe('temporal:7233');
      for (const broker of e.KAFKA_BROKERS!.split(',')) {
        expect(services[hostOf(broker)], `${name}: broker ${broker} is a compose service`).toBeDefined();
        expect(
          kafkaAdvertised,
          `kafka advertises ${broker} (else clients are sent to an address they cannot reach)`,
        ).toContain(`//${broker}`);
      }
      expect(e.SEARCH_ENGINE).toBe('elasticsearch');
      expect(services[hostOf(e.SEARCH_URL!)]?.image, `${name}: SEARCH_URL`).toMatch(/elasticsearch/);
      expect(e.SEARCH_URL).toMatch(/:9200$/);
      expect(services[e.PROFILES_PG_HOST!]?.image, `${name}: PROFILES_PG_HOST`).toMatch(/^postgres/);
      expect(e.PROFILES_PG_PORT).toBe('5432');
      expect(services[hostOf(e.ORACLE_CONNECT_STRING!)]?.image, `${name}: ORACLE_CONNECT_STRING`).toMatch(/oracle/);
      // Loopback inside a container is the container itself: only the browser-facing Temporal UI link may use it.
      for (const [k, v] of Object.entries(e))
        if (k !== 'TEMPORAL_UI_URL') expect(v ?? '', `${name}: ${k}`).not.toMatch(/127\.0\.0\.1|localhost/);
    }
  });

  it('takes every secret from the environment, never a literal', () => {
    const raw = render(env, ['--no-interpolate']).services;
    for (const [name, s] of Object.entries(raw)) {
      for (const [k, v] of Object.entries(s.environment ?? {})) {
        if (!SECRET_NAME.test(k)) continue;
        // An interpolation (`${VAR:?…}` requires it), or null: passed through from the environment when set there.
        expect(v === null || /^\$\{\w+(:?[?-][^}]*)?\}$/.test(String(v)), `${name}: ${k}=${String(v)}`).toBe(true);
        if (s.build) expect(String(v), `${name}: ${k} has no default`).not.toMatch(/:-/);
      }
    }
    for (const [name, s] of app) {
      expect(s.environment!.PROFILES_PG_PASSWORD, name).toBe(secrets.PROFILES_PG_PASSWORD);
      expect(s.environment!.SERVE_AUTH_TOKEN ?? null, `${name}: no token unless one is in the environment`).toBeNull();
    }
    const token = 'token-sentinel-from-env-0123456789';
    expect(render({ ...env, SERVE_AUTH_TOKEN: token }).services.serve!.environment!.SERVE_AUTH_TOKEN).toBe(token);
  });

  it('starts the app after its dependencies are healthy, or done for one-shots', () => {
    const closure = (name: string, seen = new Set<string>()): Set<string> => {
      for (const dep of Object.keys(services[name]!.depends_on ?? {})) if (!seen.has(dep)) closure(dep, seen.add(dep));
      return seen;
    };
    for (const dep of INFRASTRUCTURE) {
      const hc = services[dep]!.healthcheck;
      expect(hc && !hc.disable && words(hc.test).length > 1, `${dep} has a health check`).toBe(true);
    }
    for (const [name, s] of app) {
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        expect(services[dep], `${name} depends on ${dep}`).toBeDefined();
        if (INFRASTRUCTURE.includes(dep)) expect(condition, `${name} → ${dep}`).toBe('service_healthy');
        if (condition === 'service_healthy')
          expect(services[dep]!.healthcheck, `${dep} has a health check`).toBeDefined();
        if (condition === 'service_completed_successfully')
          expect(services[dep]!.restart ?? 'no', `${dep} is a one-shot`).toBe('no');
      }
      expect([...closure(name)], `${name} waits for the infrastructure`).toEqual(
        expect.arrayContaining(INFRASTRUCTURE),
      );
    }
    for (const name of ['worker-batch', 'worker-stream', 'stream-start', 'serve']) {
      expect(services[name]!.depends_on?.setup?.condition, `${name} waits for setup`).toBe(
        'service_completed_successfully',
      );
    }
  });

  it('publishes every port on 127.0.0.1 only, serve on its configured port', () => {
    const ports = Object.entries(services).flatMap(([name, s]) =>
      (s.ports ?? []).map((p) =>
        typeof p === 'string'
          ? {
              name,
              hostIp: p.split(':').length === 3 ? p.split(':')[0] : undefined,
              target: p.split(':').at(-1)!.split('/')[0],
            }
          : { name, hostIp: p.host_ip, target: String(p.target) },
      ),
    );
    for (const p of ports) expect(p.hostIp, `${p.name} → ${p.target}`).toBe('127.0.0.1');
    const port = String(describeConfig().find((v) => v.name === 'SERVE_PORT')!.default);
    expect(ports.filter((p) => p.name === 'serve').map((p) => p.target)).toEqual([port]);
  });
});
