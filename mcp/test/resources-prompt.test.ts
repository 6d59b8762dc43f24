import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { MCP_CLIENTS, renderClientConfig } from '../src/index.js'
import { call, connect, text, withTempDir } from './helpers.js'

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
  it('walks relay_health → register_user → store_key (key_env) → test_relay → scaffold', async () => {
    const client = await connect({
      relayUrl: 'http://127.0.0.1:9',
      scaffold: async () => ({ dir: '', template: '', env: {}, next: [] }),
    })
    expect((await client.listPrompts()).prompts.map((p) => p.name)).toEqual(['integrate-byok'])
    const prompt = await client.getPrompt({ name: 'integrate-byok', arguments: { provider: 'anthropic' } })
    const body = prompt.messages.map((m) => (m.content.type === 'text' ? m.content.text : '')).join('\n')
    const order = ['relay_health', 'register_user', 'store_key', 'test_relay', 'scaffold_project']
    const positions = order.map((step) => body.indexOf(step))
    expect(positions.every((p) => p >= 0)).toBe(true)
    expect([...positions].sort((a, b) => a - b)).toEqual(positions)
    expect(body).toContain('key_env "ANTHROPIC_API_KEY"')
  })
})

describe('scaffold_project', () => {
  it('passes template, dir and relay URL (default: this server’s relay) to the injected scaffolder', async () => {
    const calls: unknown[] = []
    const client = await connect({
      relayUrl: 'http://127.0.0.1:4321/',
      scaffold: async (args) => {
        calls.push(args)
        return {
          dir: `/abs/${args.dir}`,
          template: args.template,
          env: { VITE_BYOK_RELAY_URL: args.relayUrl },
          next: ['cd app', 'npm run dev'],
        }
      },
    })
    const result = await call(client, 'scaffold_project', { dir: 'app' })
    expect(result.isError, text(result)).toBeFalsy()
    expect(calls).toEqual([
      { template: 'react', dir: 'app', relayUrl: 'http://127.0.0.1:4321', appId: undefined, install: false },
    ])
    expect(result.structuredContent).toEqual({
      dir: '/abs/app',
      template: 'react',
      env: { VITE_BYOK_RELAY_URL: 'http://127.0.0.1:4321' },
      next: ['cd app', 'npm run dev'],
    })
  })

  it('turns a scaffolder error and its hint into an isError result', async () => {
    const client = await connect({
      relayUrl: 'http://127.0.0.1:4321',
      scaffold: async () => {
        throw Object.assign(new Error('app is not empty'), { hint: 'Pick a new directory.' })
      },
    })
    const result = await call(client, 'scaffold_project', { dir: 'app', template: 'react' })
    expect(result.isError).toBe(true)
    expect(text(result)).toBe('scaffold_project failed: app is not empty. Pick a new directory.')
    const missing = await call(client, 'scaffold_project', {})
    expect(missing.isError).toBe(true)
    expect(text(missing)).toMatch(/dir/)
  })
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
