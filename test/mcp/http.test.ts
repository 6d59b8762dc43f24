import { type ChildProcess, spawn } from 'node:child_process'
import { withTempDir } from '@byok/test-kit'
import { describe, expect, it } from 'vitest'
import { captureLogOutput } from '../log-scan.js'
import { BYOK_ARGS, cliEnv } from './helpers.js'

/** `byok dev --port 0` with extra env; resolves with its URL once it listens. Logs (trace) go to the secret scan. */
function startByokDev(
  cwd: string,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...BYOK_ARGS, 'dev', '--port', '0'], {
      cwd,
      env: { ...cliEnv(cwd), LOG_LEVEL: 'trace', ...env },
      stdio: 'pipe',
    })
    let out = ''
    // Generous: on a loaded 2-core machine a cold tsx start alone can take half a minute.
    const timer = setTimeout(() => reject(new Error(`byok dev did not start: ${out}`)), 120_000)
    const onData = (d: Buffer) => {
      out += d.toString()
      captureLogOutput(d)
      const match = out.match(/listening on (http:\/\/\S+)/)
      if (match?.[1]) {
        clearTimeout(timer)
        resolve({ child, url: match[1] })
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`byok dev exited (${code}): ${out}`))
    })
  })
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}

/** A relay error body or a JSON-RPC answer, as far as these tests read them. */
interface McpAnswer {
  code?: string
  error?: unknown
  hint?: string
  result?: {
    serverInfo?: { name: string }
    tools?: { name: string }[]
    isError?: boolean
    structuredContent?: unknown
  }
}

let nextId = 1
/** One JSON-RPC request to /mcp (stateless, JSON responses: no session, no SSE). */
async function rpc(url: string, token: string | undefined, method: string, params: unknown = {}) {
  const res = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }),
  })
  return { status: res.status, body: (await res.json()) as McpAnswer }
}

const INIT = { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'e2e', version: '0' } }

describe('byok dev with MCP_HTTP=on serves /mcp', () => {
  it('401 without a valid token; with one, only the remote tools, and no access to the host environment', () =>
    withTempDir(async (dir) => {
      const { child, url } = await startByokDev(dir, {
        MCP_HTTP: 'on',
        OPENAI_API_KEY: 'sk-hostenv0123456789abcdefHOST',
      })
      try {
        const missing = await rpc(url, undefined, 'initialize', INIT)
        expect(missing.status).toBe(401)
        expect(missing.body).toMatchObject({
          code: 'token_missing',
          error: expect.any(String),
          hint: expect.any(String),
        })
        const bad = await rpc(url, 'byok_rt_not-a-real-token-0000000000', 'initialize', INIT)
        expect(bad.status).toBe(401)
        expect(bad.body).toMatchObject({ code: 'token_invalid' })

        const registered = await fetch(`${url}/users`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ app_id: 'e2e-http' }),
        })
        const { token } = (await registered.json()) as { token: string }
        const init = await rpc(url, token, 'initialize', INIT)
        expect(init.status).toBe(200)
        expect(init.body.result?.serverInfo?.name).toBe('byok')
        const list = await rpc(url, token, 'tools/list')
        const names = list.body.result?.tools?.map((t) => t.name)
        expect(names).toEqual(['relay_health', 'store_key', 'list_keys', 'delete_key', 'test_relay'])

        // The host has OPENAI_API_KEY set; naming it remotely must not store it.
        const stored = await rpc(url, token, 'tools/call', {
          name: 'store_key',
          arguments: { provider: 'openai', key_env: 'OPENAI_API_KEY' },
        })
        expect(stored.body.result?.isError).toBe(true)
        const keys = await rpc(url, token, 'tools/call', { name: 'list_keys', arguments: {} })
        expect(keys.body.result?.structuredContent).toEqual({ providers: [], keys: [] })
        expect(JSON.stringify([stored, keys])).not.toContain('sk-hostenv')
      } finally {
        await stop(child)
      }
    }))

  it('without MCP_HTTP there is no /mcp', () =>
    withTempDir(async (dir) => {
      const { child, url } = await startByokDev(dir, {})
      try {
        const res = await fetch(`${url}/mcp`, {
          method: 'POST',
          body: '{}',
          headers: { 'content-type': 'application/json' },
        })
        expect(res.status).toBe(404)
      } finally {
        await stop(child)
      }
    }))
})
