// The user's path, offline: `npm pack` makes the package, a fresh project installs it as a
// dev dependency, and `npx gatehouse serve template.yaml` serves a SAM template from there.
//
// No network: the temp project gets a package-lock.json naming the packed tarball and, for
// Gatehouse's dependencies, the exact versions, tarball URLs and integrities of this
// repository's own package-lock.json (production and optional entries). `npm ci --offline`
// then installs them from npm's cache (filled by the repository's own `npm ci`), with npm's
// real installer: node_modules layout, the `gatehouse` bin link, install-time checks.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { http } from '../helpers/http.js'
import { repoRoot } from '../helpers/paths.js'

type LockEntry = Record<string, unknown> & { dev?: boolean; optional?: boolean; devOptional?: boolean }

function run(t: TestContext, cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' } })
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`)
  void t
  return r.stdout
}

/** A user project's package-lock.json: the tarball as a dev dependency, its dependencies pinned from ours. */
function userLockfile(tarball: string, integrity: string): object {
  const ours = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }
  const root = ours.packages[''] ?? {}
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Record<string, unknown>
  const packages: Record<string, LockEntry> = {
    '': { name: 'user-project', version: '1.0.0', devDependencies: { gatehouse: `file:${tarball}` } },
    'node_modules/gatehouse': {
      version: String(pkg['version']),
      resolved: `file:${tarball}`,
      integrity,
      dev: true,
      license: root['license'],
      dependencies: root['dependencies'],
      optionalDependencies: root['optionalDependencies'],
      bin: root['bin'],
      engines: root['engines'],
    },
  }
  for (const [path, entry] of Object.entries(ours.packages)) {
    if (path === '' || entry.dev === true) continue
    const { devOptional, optional, ...rest } = entry
    // Our lockfile omits `resolved`; with the registry URL and the integrity npm finds the
    // tarball in its cache instead of asking the registry for the package's versions.
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)
    const resolved = entry['resolved'] ?? `https://registry.npmjs.org/${name}/-/${name.slice(name.indexOf('/') + 1)}-${String(entry['version'])}.tgz`
    // Everything a dev dependency brings is dev in the user's lockfile; optional stays optional.
    packages[path] = { ...rest, resolved, dev: true, ...(optional === true || devOptional === true ? { optional: true } : {}) }
  }
  return { name: 'user-project', version: '1.0.0', lockfileVersion: 3, requires: true, packages }
}

test('npm pack → npm install --save-dev in a fresh project → npx gatehouse serve template.yaml', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-user-project-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const packed = run(t, 'npm', ['pack', '--ignore-scripts', '--pack-destination', dir, '--json'], repoRoot)
  const [info] = JSON.parse(packed) as [{ filename: string; files: { path: string }[] }]
  const shipped = info.files.map((f) => f.path)

  await t.test('the package holds the build and the CLI, and no tests', () => {
    assert.ok(shipped.includes('bin/gatehouse.js'))
    assert.ok(shipped.includes('build/src/index.js'))
    assert.ok(shipped.includes('build/src/cli/main.js'))
    assert.deepEqual(shipped.filter((p) => /(^|\/)test(\/|$)|\.test\.js$|^src\/|\.map$/.test(p)), [])
  })

  const tarball = info.filename
  const integrity = `sha512-${createHash('sha512').update(readFileSync(join(dir, tarball))).digest('base64')}`
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'user-project', version: '1.0.0', private: true, devDependencies: { gatehouse: `file:${tarball}` } }, null, 2))
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(userLockfile(tarball, integrity), null, 2))
  run(t, 'npm', ['ci', '--offline', '--no-audit', '--no-fund'], dir)
  assert.ok(existsSync(join(dir, 'node_modules', '.bin', 'gatehouse')), 'the bin is linked')
  assert.deepEqual(readdirSync(join(dir, 'node_modules', 'gatehouse')).sort(), ['README.md', 'bin', 'build', 'docs', 'package.json'])

  // The user's own project: a SAM template and a handler, nothing else.
  mkdirSync(join(dir, 'src'))
  writeFileSync(join(dir, 'src', 'hello.mjs'), 'export const handler = async (event) => ({ hello: event.pathParameters.name, stage: event.requestContext.stage })\n')
  writeFileSync(join(dir, 'template.yaml'), [
    'Transform: AWS::Serverless-2016-10-31',
    'Resources:',
    '  Hello:',
    '    Type: AWS::Serverless::Function',
    '    Properties:',
    '      Runtime: nodejs20.x',
    '      CodeUri: src/',
    '      Handler: hello.handler',
    '      Events:',
    '        Get:',
    '          Type: HttpApi',
    '          Properties:',
    '            Path: /hello/{name}',
    '            Method: get',
    '',
  ].join('\n'))

  // npx runs the local bin; detached, so the whole process group (npx and node) is stopped.
  const child = spawn('npx', ['gatehouse', 'serve', 'template.yaml', '--port', '0', '--no-admin'], {
    cwd: dir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_offline: 'true', npm_config_update_notifier: 'false' },
  })
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()))
  t.after(async () => {
    try {
      process.kill(-(child.pid as number), 'SIGTERM')
    } catch {
      // already gone
    }
    await exited
  })
  let out = ''
  let err = ''
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gatehouse did not start:\n${out}\n${err}`)), 30_000)
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c
      const m = /Gatehouse listening on (http:\/\/[\d.]+:\d+)/.exec(out)
      if (m?.[1] !== undefined) {
        clearTimeout(timer)
        resolve(m[1])
      }
    })
    void exited.then(() => reject(new Error(`gatehouse exited:\n${out}\n${err}`)))
  })
  const res = await http(`${url}/hello/ada`)
  assert.equal(res.status, 200, res.text)
  assert.deepEqual(res.json(), { hello: 'ada', stage: '$default' })
})
