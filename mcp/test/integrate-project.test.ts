import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { IntegrateArgs, IntegrateFunction, IntegrateReport } from '../src/index.js'
import { call, connect, text, withTempDir } from './helpers.js'

const RELAY = 'http://127.0.0.1:9'

function reportFor(dir: string, applied: boolean): IntegrateReport {
  return {
    projectDir: dir,
    framework: 'vite',
    files: [
      {
        path: 'src/lib/openai.ts',
        status: 'modified',
        diff: '--- a/src/lib/openai.ts\n+++ b/src/lib/openai.ts\n@@ -1 +1 @@\n-a\n+b\n',
        transforms: ['openai-sdk'],
      },
      { path: 'src/main.ts', status: 'unchanged', diff: '', transforms: [] },
    ],
    found: [
      {
        file: 'src/lib/openai.ts',
        line: 3,
        kind: 'sdk',
        provider: 'openai',
        keySources: ['env VITE_OPENAI_API_KEY'],
      },
    ],
    manual: [{ file: 'src/chat.ts', line: 9, reason: 'dynamic URL', suggestion: 'use byok.fetch' }],
    leakedEnvKeys: [{ file: '.env', variable: 'VITE_OPENAI_API_KEY' }],
    applied,
  }
}

/** A stand-in for the CLI's codemod that records what the tool passed it. */
function recordingIntegrate(): { fn: IntegrateFunction; calls: IntegrateArgs[] } {
  const calls: IntegrateArgs[] = []
  return {
    calls,
    fn: async (args) => {
      calls.push(args)
      return { report: reportFor(args.dir, args.apply), next: ['Set VITE_BYOK_RELAY_URL in .env.'] }
    },
  }
}

describe('integrate_project', () => {
  it('dry run by default: resolves the path against the root and returns the report unchanged', () =>
    withTempDir(async (root) => {
      mkdirSync(join(root, 'app'))
      const integrate = recordingIntegrate()
      const client = await connect({ relayUrl: RELAY, integrate: integrate.fn, root })
      const result = await call(client, 'integrate_project', { path: 'app' })
      expect(result.isError, text(result)).toBeFalsy()
      expect(integrate.calls).toEqual([
        { dir: join(root, 'app'), only: undefined, apply: false, force: false, relayUrl: RELAY },
      ])
      expect(result.structuredContent).toEqual(reportFor(join(root, 'app'), false))
      expect(text(result)).toMatch(/^Dry run, nothing written: 1 file\(s\) would change/)
      expect(text(result)).toContain(
        'Found src/lib/openai.ts:3 openai sdk (key from env VITE_OPENAI_API_KEY)',
      )
      expect(text(result)).toContain('Manual: src/chat.ts:9 — dynamic URL — use byok.fetch')
      expect(text(result)).toContain('.env: VITE_OPENAI_API_KEY')
      expect(text(result)).toContain('call integrate_project again with apply: true')
      // The diff travels in the text too, for clients that only show text.
      expect(text(result)).toContain('--- a/src/lib/openai.ts')
    }))

  it('passes apply, force, only and relay_url through, and reports what was applied', () =>
    withTempDir(async (root) => {
      const integrate = recordingIntegrate()
      const client = await connect({ relayUrl: RELAY, integrate: integrate.fn, root })
      const result = await call(client, 'integrate_project', {
        path: '.',
        apply: true,
        force: true,
        only: ['openai-sdk'],
        relay_url: 'https://relay.example.com',
      })
      expect(result.isError, text(result)).toBeFalsy()
      expect(integrate.calls).toEqual([
        { dir: root, only: ['openai-sdk'], apply: true, force: true, relayUrl: 'https://relay.example.com' },
      ])
      expect(result.structuredContent).toMatchObject({ applied: true })
      expect(text(result)).toMatch(/^Applied: modified 1 file\(s\)/)
      expect(text(result)).toContain('Next: Set VITE_BYOK_RELAY_URL in .env.')
    }))

  it.each([
    ['../../etc', 'a relative path climbing out'],
    ['..', 'the parent directory'],
    ['/etc', 'an absolute path elsewhere'],
    ['app/../../x', 'a path that leaves after entering'],
  ])('refuses %s (%s) without calling the codemod', (path) =>
    withTempDir(async (root) => {
      mkdirSync(join(root, 'app'))
      const integrate = recordingIntegrate()
      const client = await connect({ relayUrl: RELAY, integrate: integrate.fn, root: join(root, 'app') })
      const result = await call(client, 'integrate_project', { path })
      expect(result.isError).toBe(true)
      expect(text(result)).toMatch(
        /is outside the project \(.*\)\. Pass a path inside it: "\." for the project/,
      )
      expect(integrate.calls).toEqual([])
    }),
  )

  it('refuses a symlink inside the root that points outside it', () =>
    withTempDir(async (root) => {
      mkdirSync(join(root, 'project'))
      mkdirSync(join(root, 'elsewhere'))
      symlinkSync(join(root, 'elsewhere'), join(root, 'project', 'link'))
      const integrate = recordingIntegrate()
      const client = await connect({ relayUrl: RELAY, integrate: integrate.fn, root: join(root, 'project') })
      const result = await call(client, 'integrate_project', { path: 'link' })
      expect(result.isError).toBe(true)
      expect(text(result)).toMatch(/outside the project/)
      expect(integrate.calls).toEqual([])
    }))

  it('a missing path or a file → says what to pass instead', () =>
    withTempDir(async (root) => {
      writeFileSync(join(root, 'package.json'), '{}')
      const integrate = recordingIntegrate()
      const client = await connect({ relayUrl: RELAY, integrate: integrate.fn, root })
      const missing = await call(client, 'integrate_project', { path: 'nope' })
      expect(missing.isError).toBe(true)
      expect(text(missing)).toMatch(
        /nope does not exist\. Pass the directory of an existing app .*scaffold_project/,
      )
      const file = await call(client, 'integrate_project', { path: 'package.json' })
      expect(file.isError).toBe(true)
      expect(text(file)).toMatch(/package\.json is not a directory\. Pass the app's directory/)
      expect(integrate.calls).toEqual([])
    }))

  it('invalid arguments are tool errors, and the server keeps answering', () =>
    withTempDir(async (root) => {
      const integrate = recordingIntegrate()
      const client = await connect({ relayUrl: RELAY, integrate: integrate.fn, root })
      for (const args of [{}, { path: '' }, { path: '.', apply: 'yes' }, { path: '.', only: [] }]) {
        const result = await call(client, 'integrate_project', args)
        expect(result.isError, JSON.stringify(args)).toBe(true)
        expect(text(result)).toMatch(/Input validation error/)
      }
      expect(integrate.calls).toEqual([])
      expect((await call(client, 'integrate_project', { path: '.' })).isError).toBeFalsy()
    }))

  it('turns a codemod error and its hint into an actionable isError result', () =>
    withTempDir(async (root) => {
      const client = await connect({
        relayUrl: RELAY,
        root,
        integrate: async () => {
          throw Object.assign(new Error('the git tree has uncommitted changes'), {
            hint: 'Commit or stash them first, or pass force: true.',
          })
        },
      })
      const result = await call(client, 'integrate_project', { path: '.', apply: true })
      expect(result.isError).toBe(true)
      expect(text(result)).toBe(
        'integrate_project failed: the git tree has uncommitted changes. Commit or stash them first, or pass force: true.',
      )
      const crashing = await connect({
        relayUrl: RELAY,
        root,
        integrate: async () => {
          throw new TypeError('boom')
        },
      })
      const crashed = await call(crashing, 'integrate_project', { path: '.' })
      expect(crashed.isError).toBe(true)
      expect(text(crashed)).toBe('integrate_project failed: boom.')
    }))

  it('the integrate-byok prompt puts it after test_relay, dry run first', async () => {
    const client = await connect({
      relayUrl: RELAY,
      root: '/tmp',
      integrate: recordingIntegrate().fn,
      scaffold: async () => ({ dir: '', template: '', env: {}, next: [] }),
    })
    const prompt = await client.getPrompt({ name: 'integrate-byok', arguments: {} })
    const body = prompt.messages.map((m) => (m.content.type === 'text' ? m.content.text : '')).join('\n')
    const order = [
      'relay_health',
      'register_user',
      'store_key',
      'test_relay',
      'integrate_project',
      'apply: true',
    ]
    const positions = order.map((step) => body.indexOf(step))
    expect(positions.every((p) => p >= 0)).toBe(true)
    expect([...positions].sort((a, b) => a - b)).toEqual(positions)
    expect(body).toMatch(
      /\n5\. For an existing app: integrate_project .*\n6\. For a new app: scaffold_project/,
    )
  })
})
