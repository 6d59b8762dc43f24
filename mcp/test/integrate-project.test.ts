import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { withTempDir } from '@byok/test-kit'
import { describe, expect, it } from 'vitest'
import {
  type IntegrateArgs,
  type IntegrateFunction,
  type IntegrateReport,
  renderStepOrder,
} from '../src/index.js'
import { call, connect, text } from './helpers.js'

const RELAY = 'http://127.0.0.1:9'

function reportFor(dir: string, apply: boolean): IntegrateReport {
  return {
    result: apply ? 'applied' : 'dry_run',
    applied: apply,
    project_dir: dir,
    framework: 'vite',
    counts: { modified: 2, unchanged: 1, manual: 1, skipped: 0, error: 0 },
    edited: [{ path: 'src/lib/openai.ts', hunks: '@@ -1 +1 @@\n-a\n+b' }],
    added: ['src/lib/byok-instance.ts'],
    manifests: [],
    found: [
      { at: 'src/lib/openai.ts:3', kind: 'sdk', provider: 'openai', key_from: 'env VITE_OPENAI_API_KEY' },
    ],
    manual: [{ at: 'src/chat.ts:9', reason: 'dynamic URL', suggestion: 'use byok.fetch' }],
    errors: [],
    leaked_env_keys: ['.env: VITE_OPENAI_API_KEY'],
    next: ["The app's .env now sets VITE_BYOK_RELAY_URL=http://127.0.0.1:9: keep that relay running."],
  }
}

/** A stand-in for the CLI's integrate flow that records what the tool passed it. */
function recordingIntegrate(): { fn: IntegrateFunction; calls: IntegrateArgs[] } {
  const calls: IntegrateArgs[] = []
  return {
    calls,
    fn: async (args) => {
      calls.push(args)
      return reportFor(args.dir, args.apply)
    },
  }
}

describe('integrate_project', () => {
  it('dry run by default: resolves the path, returns the report once, and a short outcome-first summary', () =>
    withTempDir(async (root) => {
      mkdirSync(join(root, 'app'))
      const integrate = recordingIntegrate()
      const client = await connect({ relayUrl: RELAY, integrate: integrate.fn, root })
      const result = await call(client, 'integrate_project', { path: 'app' })
      expect(result.isError, text(result)).toBeFalsy()
      expect(integrate.calls).toEqual([
        {
          dir: join(root, 'app'),
          only: undefined,
          apply: false,
          force: false,
          detail: false,
          relayUrl: RELAY,
        },
      ])
      expect(result.structuredContent).toEqual(reportFor(join(root, 'app'), false))
      expect(text(result).split('\n')).toEqual([
        'Dry run (nothing written): would edit 1 file(s) and add 1 (vite app); 1 manual item(s), 0 error(s).',
        'Manual: src/chat.ts:9 — dynamic URL — use byok.fetch',
        'Provider keys in env files (.env: VITE_OPENAI_API_KEY): tell the user to rotate them at the provider and delete them.',
        'Show the user the hunks in "edited" and the manual items. Next: integrate_project (apply: true) — write the edits once the user agrees and the git tree is committed.',
      ])
    }))

  it('passes apply, force, detail and only through; the app is pointed at this server’s relay', () =>
    withTempDir(async (root) => {
      const integrate = recordingIntegrate()
      const client = await connect({ relayUrl: RELAY, integrate: integrate.fn, root })
      const result = await call(client, 'integrate_project', {
        path: '.',
        apply: true,
        force: true,
        detail: true,
        only: ['openai-sdk'],
      })
      expect(result.isError, text(result)).toBeFalsy()
      expect(integrate.calls).toEqual([
        { dir: root, only: ['openai-sdk'], apply: true, force: true, detail: true, relayUrl: RELAY },
      ])
      expect(result.structuredContent).toMatchObject({ applied: true })
      expect(text(result)).toMatch(/^Applied: edited 1 file\(s\) and added 1 \(vite app\)/)
      expect(text(result)).toContain("- The app's .env now sets VITE_BYOK_RELAY_URL=http://127.0.0.1:9")
      expect(text(result)).toContain('Next: register_user — get a relay token')
    }))

  it('has no relay_url argument: the URL written into the app is always this server’s relay', async () => {
    const client = await connect({ relayUrl: RELAY, integrate: recordingIntegrate().fn, root: '/tmp' })
    const tool = (await client.listTools()).tools.find((t) => t.name === 'integrate_project')
    expect(Object.keys(tool?.inputSchema.properties ?? {}).sort()).toEqual([
      'apply',
      'detail',
      'force',
      'only',
      'path',
    ])
  })

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

  it('the integrate-byok prompt follows AGENT_STEPS: existing app and new app', async () => {
    const client = await connect({
      relayUrl: RELAY,
      root: '/tmp',
      integrate: recordingIntegrate().fn,
      scaffold: async () => ({ dir: '', template: '', env: {}, next: [] }),
    })
    const prompt = await client.getPrompt({ name: 'integrate-byok', arguments: {} })
    const body = prompt.messages.map((m) => (m.content.type === 'text' ? m.content.text : '')).join('\n')
    const tools = (section: string) =>
      [...section.matchAll(/^\d+\. (\w+)(?: \(([^)]+)\))?/gm)].map((m) => (m[2] ? `${m[1]} (${m[2]})` : m[1]))
    const [, existing = '', created = ''] = body.split(/For an existing app:|For a new app:/)
    expect(tools(existing).join(' → ')).toBe(renderStepOrder('existing'))
    expect(tools(created).join(' → ')).toBe(renderStepOrder('new'))
    expect(renderStepOrder('existing')).toBe(
      'relay_health → integrate_project (dry run) → integrate_project (apply: true) → register_user → store_key (key_env) → test_relay',
    )
  })
})
