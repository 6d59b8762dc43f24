import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { commitAll, runByok, withTempDir } from '@byok/test-kit'
import { describe, expect, it } from 'vitest'
import { CliError } from '../src/errors.js'
import { detectPackageManager, execCommand, runScriptCommand } from '../src/scaffold/install.js'
import { setEnvValues, toPackageName, writeEnvFile } from '../src/scaffold/project.js'
import { createTtyPrompter } from '../src/scaffold/prompt.js'
import { fixturesDir } from './codemod/helpers.js'

const TEMPLATES = fileURLToPath(new URL('../../templates/', import.meta.url))
const registry = JSON.parse(readFileSync(join(TEMPLATES, 'index.json'), 'utf8')) as {
  templates: { name: string; env: string }[]
}

describe('byok create (as a process, bundled templates)', () => {
  it('lists the templates from templates/index.json in --help', async () => {
    await withTempDir(async (cwd) => {
      const { code, stdout } = await runByok(['create', '--help'], { cwd })
      expect(code).toBe(0)
      expect(stdout).toContain(registry.templates.map((t) => t.name).join(' | '))
      for (const flag of [
        '--template-source',
        '--relay-url',
        '--app-id',
        '--yes',
        '--no-install',
        '--force',
      ]) {
        expect(stdout).toContain(flag)
      }
    })
  })

  it('scaffolds a template: dotfiles renamed, .env written, helper copied, name set, next commands printed', async () => {
    await withTempDir(async (cwd) => {
      const { code, stdout, stderr } = await runByok(
        [
          'create',
          'My App',
          '--template',
          'vanilla',
          '--relay-url',
          'https://relay.example.com/',
          '--no-install',
        ],
        { cwd },
      )
      expect(code, stderr).toBe(0)
      const dir = join(cwd, 'My App')
      expect(existsSync(join(dir, '.gitignore'))).toBe(true)
      expect(existsSync(join(dir, '_gitignore'))).toBe(false)
      expect(existsSync(join(dir, '_env.example'))).toBe(false)
      expect(readFileSync(join(dir, '.env'), 'utf8')).toContain(
        'VITE_BYOK_RELAY_URL="https://relay.example.com"\n',
      )
      expect(readFileSync(join(dir, '.env'), 'utf8')).toContain('VITE_BYOK_APP_ID="my-app"')
      expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name).toBe('my-app')
      // Shared code is copied from templates/shared; the client is the @byok/client package, which a CLI run from
      // this checkout packs beside package.json (it is not on the registry before it is published).
      expect(readFileSync(join(dir, 'src/lib/session.ts'), 'utf8')).toBe(
        readFileSync(join(TEMPLATES, 'shared/lib/session.ts'), 'utf8'),
      )
      const deps = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).dependencies
      expect(deps['@byok/client']).toBe('file:./byok-client-0.1.0.tgz')
      expect(existsSync(join(dir, 'byok-client-0.1.0.tgz'))).toBe(true)
      expect(existsSync(join(dir, 'src/lib/byok.ts'))).toBe(false)
      expect(stdout).toContain('cd "My App"')
      expect(stdout).toContain('npm install')
      expect(stdout).toContain('npm run dev')
      expect(stdout).toContain('npx byok dev')
    })
  }, 90_000)

  it('never prompts without a TTY: missing values take the defaults', async () => {
    await withTempDir(async (cwd) => {
      // spawnByok gives the child no stdin at all; a prompt would wait for ever (and time the test out).
      const { code, stderr } = await runByok(['create', '--no-install'], { cwd })
      expect(code, stderr).toBe(0)
      expect(stderr).toContain('no --template given, using react')
      expect(existsSync(join(cwd, 'byok-app/src/components/chat.tsx'))).toBe(true)
    })
  })

  it('speaks the package manager that ran it', async () => {
    await withTempDir(async (cwd) => {
      const env = { npm_config_user_agent: 'pnpm/12.4.2 npm/? node/v20.20.2 linux x64' }
      const { code, stdout } = await runByok(['create', 'app', '--template', 'react', '--no-install'], {
        cwd,
        env,
      })
      expect(code).toBe(0)
      expect(stdout).toContain('pnpm install')
      expect(stdout).toContain('pnpm dev')
      expect(stdout).toContain('pnpm dlx byok dev')
    })
  })

  it('--json prints the result for agents (and never prompts)', async () => {
    await withTempDir(async (cwd) => {
      const { code, stdout, stderr } = await runByok(
        ['create', 'app', '--template', 'vue', '--no-install', '--json'],
        {
          cwd,
        },
      )
      expect(code, stderr).toBe(0)
      expect(JSON.parse(stdout)).toEqual({
        dir: join(cwd, 'app'),
        template: 'vue',
        source: null,
        env: { VITE_BYOK_RELAY_URL: 'http://127.0.0.1:3000' },
        packageManager: 'npm',
        installed: false,
        next: ['cd app', 'npm install', 'npm run dev'],
        relay: 'npx byok dev',
      })
    })
  })

  it('refuses a non-empty directory unless --force, and leaves it untouched', async () => {
    await withTempDir(async (cwd) => {
      mkdirSync(join(cwd, 'taken'))
      writeFileSync(join(cwd, 'taken/notes.txt'), 'mine')
      const refused = await runByok(['create', 'taken', '--template', 'react', '--no-install'], { cwd })
      expect(refused.code).toBe(1)
      expect(refused.stderr).toContain('byok: taken is not empty')
      expect(refused.stderr).toContain('--force')
      expect(existsSync(join(cwd, 'taken/package.json'))).toBe(false)

      const forced = await runByok(['create', 'taken', '--template', 'react', '--no-install', '--force'], {
        cwd,
      })
      expect(forced.code, forced.stderr).toBe(0)
      expect(readFileSync(join(cwd, 'taken/notes.txt'), 'utf8')).toBe('mine')
      expect(existsSync(join(cwd, 'taken/package.json'))).toBe(true)
    })
  }, 90_000)

  it.each([
    [['--template', 'angular'], 'unknown template "angular"'],
    [['--template', 'react', '--relay-url', 'localhost:3000'], 'the relay URL must be an http(s) URL'],
    [
      ['--template', 'react', '--relay-url', 'http://r.example\nNODE_OPTIONS=--inspect'],
      'the relay URL must be an http(s) URL',
    ],
    [
      ['--template', 'react', '--app-id', 'app\nVITE_BYOK_RELAY_URL=http://evil.example'],
      'the app id must be 1–200 characters',
    ],
    [['--template', 'react', '--app-id', 'a$HOME'], 'the app id must be 1–200 characters'],
  ])(
    'rejects bad input %j with one line and writes nothing',
    async (flags, message) => {
      await withTempDir(async (cwd) => {
        const { code, stderr } = await runByok(['create', 'app', ...flags, '--no-install'], { cwd })
        expect(code).toBe(1)
        expect(stderr).toContain(message)
        expect(existsSync(join(cwd, 'app'))).toBe(false)
      })
    },
    60_000,
  )
})

describe('byok create in an existing app: the integrate flow, never a template over it', () => {
  it(
    'says what it found and runs byok integrate: --dry-run --json writes nothing, no TTY plans only, --yes applies',
    () =>
      withTempDir(async (cwd) => {
        const app = join(cwd, 'web')
        cpSync(fixturesDir('fixtures', 'vite-react-openai-sdk'), app, { recursive: true })
        commitAll(app)
        const before = readFileSync(join(app, 'package.json'), 'utf8')
        const dry = await runByok(['create', 'web', '--dry-run', '--json'], { cwd })
        expect(dry.code, dry.stderr).toBe(0)
        expect(dry.stderr).toMatch(
          /^byok: web is a vite app with \d+ provider call\(s\): openai \w+ at src\/\S+:\d+/m,
        )
        expect(dry.stderr).toContain('integrating it (byok integrate) instead of creating a new app')
        const report = JSON.parse(dry.stdout) as { applied: boolean; files: { status: string }[] }
        expect(report.applied).toBe(false)
        expect(report.files.some((f) => f.status === 'modified')).toBe(true)
        expect(execFileSync('git', ['status', '--porcelain'], { cwd: app, encoding: 'utf8' })).toBe('')

        const planned = await runByok(['create', 'web'], { cwd })
        expect(planned.code, planned.stderr).toBe(0)
        expect(planned.stderr).toContain('planned only (no TTY). To apply: byok create web --yes')
        expect(execFileSync('git', ['status', '--porcelain'], { cwd: app, encoding: 'utf8' })).toBe('')

        // --force keeps its meaning only for directories without a project: it never writes a template here.
        const applied = await runByok(['create', 'web', '--yes', '--force', '--template', 'vue'], { cwd })
        expect(applied.code, applied.stderr).toBe(0)
        expect(applied.stderr).toMatch(/byok integrate: modified \d+ file\(s\)/)
        // The app's own manifest, with only the client dependency the integration adds (no template's).
        const original = JSON.parse(before) as { dependencies: Record<string, string> }
        expect(JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'))).toEqual({
          ...original,
          dependencies: { ...original.dependencies, '@byok/client': '^0.1.0' },
        })
        expect(existsSync(join(app, 'src/App.vue'))).toBe(false)
        expect(readFileSync(join(app, '.env'), 'utf8')).toContain(
          'VITE_BYOK_RELAY_URL="http://127.0.0.1:3000"',
        )
      }),
    120_000,
  )
})

describe('byok create --template-source (giget, offline)', () => {
  it('downloads a tarball or a template-info JSON from a loopback server', async () => {
    await withTempDir(async (cwd) => {
      // giget strips the first path segment of every entry, like a GitHub tarball: one top-level directory.
      execFileSync('tar', ['czf', join(cwd, 'vanilla.tar.gz'), '-C', TEMPLATES, 'vanilla'])
      const tarball = readFileSync(join(cwd, 'vanilla.tar.gz'))
      const server = createServer((req, res) => {
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
        if (req.url === '/byok-vanilla.json') {
          res.setHeader('content-type', 'application/json')
          res.end(JSON.stringify({ name: 'byok-vanilla', version: '1.0.0', tar: `${base}/vanilla.tar.gz` }))
        } else if (req.url === '/vanilla.tar.gz') {
          res.setHeader('content-type', 'application/gzip')
          res.end(req.method === 'HEAD' ? undefined : tarball)
        } else {
          res.statusCode = 404
          res.end()
        }
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      try {
        // A per-test giget cache, so nothing from another run (or the network) can stand in for the server.
        const env = { XDG_CACHE_HOME: join(cwd, 'cache') }
        for (const [dir, source] of [
          ['from-tarball', `${base}/vanilla.tar.gz`],
          ['from-json', `${base}/byok-vanilla.json`],
        ] as const) {
          const { code, stderr } = await runByok(
            ['create', dir, '--template-source', source, '--no-install'],
            {
              cwd,
              env,
            },
          )
          expect(code, stderr).toBe(0)
          expect(existsSync(join(cwd, dir, 'index.html'))).toBe(true)
          expect(existsSync(join(cwd, dir, '.gitignore'))).toBe(true)
          expect(existsSync(join(cwd, dir, 'src/lib/session.ts'))).toBe(true)
          expect(readFileSync(join(cwd, dir, '.env'), 'utf8')).toContain(
            'VITE_BYOK_RELAY_URL="http://127.0.0.1:3000"',
          )
        }
        const failed = await runByok(
          ['create', 'nope', '--template-source', `${base}/missing.tar.gz`, '--no-install'],
          {
            cwd,
            env,
          },
        )
        expect(failed.code).toBe(1)
        expect(failed.stderr).toContain('cannot download template')
      } finally {
        server.close()
      }
    })
  }, 120_000)
})

describe('scaffold helpers', () => {
  it.each([
    ['my-app', 'my-app'],
    ['My App', 'my-app'],
    ['.hidden', 'hidden'],
    ['weird@name!', 'weird-name-'],
    ['', 'byok-app'],
  ])('toPackageName(%j) = %j', (input, expected) => {
    expect(toPackageName(input)).toBe(expected)
  })

  it.each([
    [undefined, 'npm', 'npm run dev', 'npx byok dev'],
    ['npm/11.1.0 node/v20.20.2', 'npm', 'npm run dev', 'npx byok dev'],
    ['pnpm/12.4.2 npm/? node/v20', 'pnpm', 'pnpm dev', 'pnpm dlx byok dev'],
    ['yarn/4.9.0 npm/? node/v20', 'yarn', 'yarn dev', 'yarn dlx byok dev'],
    ['bun/1.2.0 npm/? node/v20', 'bun', 'bun run dev', 'bunx byok dev'],
  ])('user agent %j → %s', (agent, pm, dev, relay) => {
    const detected = detectPackageManager(agent === undefined ? {} : { npm_config_user_agent: agent })
    expect(detected).toBe(pm)
    expect(runScriptCommand(detected, 'dev')).toBe(dev)
    expect(execCommand(detected, 'byok dev')).toBe(relay)
  })

  it('fills any *BYOK_RELAY_URL / *BYOK_APP_ID in .env.example into .env', async () => {
    await withTempDir(async (dir) => {
      writeFileSync(
        join(dir, '.env.example'),
        '# c\nNEXT_PUBLIC_BYOK_RELAY_URL=x\nNEXT_PUBLIC_BYOK_APP_ID=y\nOTHER=1\n',
      )
      expect(writeEnvFile(dir, { relayUrl: 'http://r', appId: 'a' })).toBe('NEXT_PUBLIC_BYOK_RELAY_URL')
      expect(readFileSync(join(dir, '.env'), 'utf8')).toBe(
        '# c\nNEXT_PUBLIC_BYOK_RELAY_URL="http://r"\nNEXT_PUBLIC_BYOK_APP_ID="a"\nOTHER=1\n',
      )
      // No value can add a line (issue 17 item 4): refused, and nothing written.
      for (const values of [
        { relayUrl: 'http://r\nNODE_OPTIONS=--inspect', appId: 'a' },
        { relayUrl: 'http://r', appId: 'a\nVITE_BYOK_RELAY_URL=http://evil.example' },
        { relayUrl: 'http://r', appId: 'a"b' },
      ]) {
        writeFileSync(join(dir, '.env'), 'before\n')
        expect(() => writeEnvFile(dir, values)).toThrow(CliError)
        expect(readFileSync(join(dir, '.env'), 'utf8')).toBe('before\n')
      }
    })
  })

  it('setEnvValues replaces a NAME= line or appends one, quoted, leaving the rest as it was', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, '.env')
      writeFileSync(file, '# keep\nVITE_OPENAI_API_KEY=sk-x\nVITE_BYOK_RELAY_URL=http://old\n')
      setEnvValues(file, { VITE_BYOK_RELAY_URL: 'http://127.0.0.1:4000' })
      expect(readFileSync(file, 'utf8')).toBe(
        '# keep\nVITE_OPENAI_API_KEY=sk-x\nVITE_BYOK_RELAY_URL="http://127.0.0.1:4000"\n',
      )
      setEnvValues(join(dir, 'new.env'), { A: 'b' })
      expect(readFileSync(join(dir, 'new.env'), 'utf8')).toBe('A="b"\n')
      expect(() => setEnvValues(file, { A: 'x\nB=y' })).toThrow(CliError)
    })
  })

  it('prompts in a TTY: a choice by number or name, a default on empty answer', async () => {
    const input = Object.assign(new PassThrough(), { isTTY: true }) as unknown as NodeJS.ReadStream
    const output = Object.assign(new PassThrough(), { isTTY: true }) as unknown as NodeJS.WriteStream
    const prompter = createTtyPrompter(input, output)
    expect(prompter.interactive).toBe(true)
    const choices = registry.templates.map((t) => ({ name: t.name, description: '' }))
    const answers = ['2\n', 'svelte\n', '\n']
    const next = () => setTimeout(() => input.write(answers.shift() ?? ''), 10)
    next()
    expect(await prompter.choose('Template', choices)).toBe(choices[1]!.name)
    next()
    expect(await prompter.choose('Template', choices)).toBe('svelte')
    next()
    expect(await prompter.text('Directory', 'byok-app')).toBe('byok-app')
    prompter.close()
    const cancelled = createTtyPrompter(input, output)
    setTimeout(() => input.end(), 10)
    await expect(cancelled.text('Directory', 'byok-app')).rejects.toThrow('cancelled')
    const notTty = createTtyPrompter(new PassThrough() as unknown as NodeJS.ReadStream, output)
    expect(notTty.interactive).toBe(false)
  })
})
