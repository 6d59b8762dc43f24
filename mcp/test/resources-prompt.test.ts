import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { withTempDir } from '@byok/test-kit'
import { describe, expect, it } from 'vitest'
import { MCP_CLIENTS, renderClientConfig, type ScaffoldFunction } from '../src/index.js'
import { call, connect, text } from './helpers.js'

describe('resources: the skill reference guides', () => {
  it('exposes every *.md in guidesDir as byok://guides/<name>', () =>
    withTempDir(async (dir) => {
      const guides = join(dir, 'references')
      mkdirSync(guides)
      writeFileSync(join(guides, 'openai-sdk.md'), '# Using the OpenAI SDK\n\nSet baseURL.\n')
      writeFileSync(join(guides, 'errors.md'), 'no heading here\n')
      writeFileSync(join(guides, 'notes.txt'), 'ignored')
      const client = await connect({ relayUrl: 'http://127.0.0.1:9', guidesDir: guides })
      const { resources } = await client.listResources()
      expect(resources.map((r) => [r.uri, r.title, r.mimeType])).toEqual([
        ['byok://guides/errors', 'errors', 'text/markdown'],
        ['byok://guides/openai-sdk', 'Using the OpenAI SDK', 'text/markdown'],
      ])
      const read = await client.readResource({ uri: 'byok://guides/openai-sdk' })
      expect(read.contents[0]).toMatchObject({
        uri: 'byok://guides/openai-sdk',
        text: expect.stringContaining('Set baseURL.'),
      })
    }))

  it('has no resources when the directory does not exist', async () => {
    const client = await connect({
      relayUrl: 'http://127.0.0.1:9',
      guidesDir: '/nonexistent/byok/references',
    })
    expect(client.getServerCapabilities()?.resources).toBeUndefined()
    // The tools still work without guides.
    expect((await call(client, 'relay_health')).isError).toBe(true)
  })
})

describe('prompt integrate-byok', () => {
  it('without the file-system tools: relay_health → register_user → store_key (key_env) → test_relay', async () => {
    const client = await connect({ relayUrl: 'http://127.0.0.1:9' })
    expect((await client.listPrompts()).prompts.map((p) => p.name)).toEqual(['integrate-byok'])
    const prompt = await client.getPrompt({ name: 'integrate-byok', arguments: { provider: 'anthropic' } })
    const body = prompt.messages.map((m) => (m.content.type === 'text' ? m.content.text : '')).join('\n')
    expect(body).toMatch(
      /^1\. relay_health .*\n2\. register_user .*\n3\. store_key \(key_env\) .*\n4\. test_relay /m,
    )
    expect(body).toContain('key_env "ANTHROPIC_API_KEY"')
    expect(body).not.toContain('integrate_project')
  })

  // The suggested variable is the first the provider's SDKs read (the registry's keyEnv), a guess for others.
  it.each([
    ['google', 'GEMINI_API_KEY'],
    ['huggingface', 'HUGGINGFACE_API_KEY'],
    ['openai-compatible', 'OPENAI_COMPATIBLE_API_KEY'],
  ])('suggests key_env for %s: %s', async (provider, env) => {
    const client = await connect({ relayUrl: 'http://127.0.0.1:9' })
    const prompt = await client.getPrompt({ name: 'integrate-byok', arguments: { provider } })
    const body = prompt.messages.map((m) => (m.content.type === 'text' ? m.content.text : '')).join('\n')
    expect(body).toContain(`key_env "${env}"`)
  })
})

/** A stand-in scaffolder that records its calls. */
function recordingScaffold(calls: unknown[]): ScaffoldFunction {
  return async (args) => {
    calls.push(args)
    return {
      dir: args.dir,
      template: args.template,
      env: { VITE_BYOK_RELAY_URL: args.relayUrl },
      next: ['cd app', 'npm run dev'],
    }
  }
}

describe('scaffold_project', () => {
  it('passes template, the checked dir and this server’s relay URL to the injected scaffolder', () =>
    withTempDir(async (root) => {
      const calls: unknown[] = []
      const client = await connect({
        relayUrl: 'http://127.0.0.1:4321/',
        root,
        scaffold: recordingScaffold(calls),
      })
      const result = await call(client, 'scaffold_project', { dir: 'app' })
      expect(result.isError, text(result)).toBeFalsy()
      expect(calls).toEqual([
        {
          template: 'react',
          dir: join(root, 'app'),
          relayUrl: 'http://127.0.0.1:4321',
          appId: undefined,
          install: false,
        },
      ])
      expect(result.structuredContent).toEqual({
        created: true,
        dir: join(root, 'app'),
        template: 'react',
        env: { VITE_BYOK_RELAY_URL: 'http://127.0.0.1:4321' },
        next: ['cd app', 'npm run dev'],
      })
      expect(text(result)).toContain('Next: register_user')
    }))

  it.each([
    ['../x', 'a relative path climbing out'],
    ['/tmp/elsewhere', 'an absolute path elsewhere'],
    ['link/app', 'a path through a symlink that points outside'],
    ['dangling', 'a dangling symlink'],
  ])('refuses %s (%s) without calling the scaffolder', (dir) =>
    withTempDir(async (base) => {
      const root = join(base, 'root')
      mkdirSync(root)
      mkdirSync(join(base, 'outside'))
      symlinkSync(join(base, 'outside'), join(root, 'link'))
      symlinkSync(join(base, 'nowhere'), join(root, 'dangling'))
      const calls: unknown[] = []
      const client = await connect({
        relayUrl: 'http://127.0.0.1:4321',
        root,
        scaffold: recordingScaffold(calls),
      })
      const result = await call(client, 'scaffold_project', { dir })
      expect(result.isError).toBe(true)
      expect(text(result)).toMatch(/is outside the project .*Pass a path inside it/)
      expect(calls).toEqual([])
    }),
  )

  it('an existing app → nothing written, the answer is the integrate_project step', () =>
    withTempDir(async (root) => {
      const client = await connect({
        relayUrl: 'http://127.0.0.1:4321',
        root,
        scaffold: async ({ dir }) => ({
          existing: true,
          dir,
          framework: 'vite',
          found: ['src/ai.ts:3 openai sdk'],
        }),
      })
      const result = await call(client, 'scaffold_project', { dir: 'web' })
      expect(result.isError).toBeFalsy()
      expect(result.structuredContent).toEqual({
        created: false,
        dir: join(root, 'web'),
        framework: 'vite',
        found: ['src/ai.ts:3 openai sdk'],
        next: ['integrate_project with path "web" (dry run first)'],
      })
      expect(text(result)).toBe(
        `Not created: ${join(root, 'web')} already holds a vite app with provider calls at src/ai.ts:3 openai sdk; ` +
          'nothing was written. Next: integrate_project with path "web" (dry run first).',
      )
    }))

  it('turns a scaffolder error and its hint into an isError result', () =>
    withTempDir(async (root) => {
      const client = await connect({
        relayUrl: 'http://127.0.0.1:4321',
        root,
        scaffold: async () => {
          throw Object.assign(new Error('app is not empty'), {
            hint: 'Call scaffold_project with a new dir.',
          })
        },
      })
      const result = await call(client, 'scaffold_project', { dir: 'app', template: 'react' })
      expect(result.isError).toBe(true)
      expect(text(result)).toBe(
        'scaffold_project failed: app is not empty. Call scaffold_project with a new dir.',
      )
      const missing = await call(client, 'scaffold_project', {})
      expect(missing.isError).toBe(true)
      expect(text(missing)).toMatch(/dir/)
    }))
})

describe('renderClientConfig', () => {
  it('prints the registration snippet for each client', () => {
    expect(MCP_CLIENTS.map((c) => renderClientConfig(c).text)).toMatchInlineSnapshot(`
      [
        "claude mcp add byok -- npx -y byok mcp",
        "{
        "mcpServers": {
          "byok": {
            "command": "npx",
            "args": [
              "-y",
              "byok",
              "mcp"
            ]
          }
        }
      }",
        "{
        "servers": {
          "byok": {
            "type": "stdio",
            "command": "npx",
            "args": [
              "-y",
              "byok",
              "mcp"
            ]
          }
        }
      }",
        "[mcp_servers.byok]
      command = "npx"
      args = ["-y", "byok", "mcp"]",
      ]
    `)
  })
})
