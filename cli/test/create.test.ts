import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { detectPackageManager, execCommand, runScriptCommand } from '../src/scaffold/install.js'
import { toPackageName, writeEnvFile } from '../src/scaffold/project.js'
import { createTtyPrompter } from '../src/scaffold/prompt.js'
import { runByok, withTempDir } from './helpers.js'

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
        'VITE_BYOK_RELAY_URL=https://relay.example.com\n',
      )
      expect(readFileSync(join(dir, '.env'), 'utf8')).toContain('VITE_BYOK_APP_ID=my-app')
      expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name).toBe('my-app')
      expect(readFileSync(join(dir, 'src/lib/byok.ts'), 'utf8')).toBe(
        readFileSync(join(TEMPLATES, 'client/byok.ts'), 'utf8'),
      )
      expect(readFileSync(join(dir, 'src/lib/chat.ts'), 'utf8')).toBe(
        readFileSync(join(TEMPLATES, 'shared/chat.ts'), 'utf8'),
      )
      expect(stdout).toContain('cd "My App"')
      expect(stdout).toContain('npm install')
      expect(stdout).toContain('npm run dev')
      expect(stdout).toContain('npx byok dev')
    })
  })

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
  })

  it.each([
    [['--template', 'angular'], 'unknown template "angular"'],
    [['--template', 'react', '--relay-url', 'localhost:3000'], '--relay-url must be an http(s) URL'],
  ])('rejects bad input %j with one line and writes nothing', async (flags, message) => {
    await withTempDir(async (cwd) => {
      const { code, stderr } = await runByok(['create', 'app', ...flags, '--no-install'], { cwd })
      expect(code).toBe(1)
      expect(stderr).toContain(message)
      expect(existsSync(join(cwd, 'app'))).toBe(false)
    })
  })
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
          expect(existsSync(join(cwd, dir, 'src/lib/byok.ts'))).toBe(true)
          expect(readFileSync(join(cwd, dir, '.env'), 'utf8')).toContain(
            'VITE_BYOK_RELAY_URL=http://127.0.0.1:3000',
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
  })
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
        '# c\nNEXT_PUBLIC_BYOK_RELAY_URL=http://r\nNEXT_PUBLIC_BYOK_APP_ID=a\nOTHER=1\n',
      )
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
